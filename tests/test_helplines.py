"""Crisis help from one source (issue 16 §1): includes/helplines.yml feeds /get-help-now/, the crisis box on
every client page, the home page, the book's cover and the handouts. Real builds, real PDFs (pdftotext)."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ENV, PY, ROOT, article, content_pages, html_pages, mkdocs_build, soup

DATA = ROOT / "includes" / "helplines.yml"
EMERGENCY_WORDS = ("A&E", "emergency department")


def data() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def services() -> list[dict]:
    return data()["services"]


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def href_digits(href: str) -> str:
    return digits(href.split(":", 1)[1].split("?", 1)[0])


def phone_contacts() -> list[dict]:
    return [c for s in services() for c in s["contacts"] if c["type"] in ("call", "text")]


def line_of(path, needle: str, after: int = 0) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if i > after and needle in line)


def squash(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- the built site

def test_every_region_is_on_get_help_now(site):
    page = article(site / "get-help-now" / "index.html")
    text = squash(page.get_text(" "))
    for region in data()["regions"]:
        assert region["name"] in text, f"/get-help-now/ does not name {region['name']}"
    emergency = page.select(".helplines--emergency li")
    for region in data()["regions"]:
        if region["id"] == "anywhere":
            continue
        rows = [li for li in emergency if region["name"] in li.find("strong").get_text()]
        assert rows and rows[0].select('a[href^="tel:"]'), f"no emergency number for {region['name']}"
    assert any(word in text for word in EMERGENCY_WORDS), "no 'go to A&E / the emergency department'"
    assert page.select_one('a[href="https://findahelpline.com"]'), "no findahelpline.com for anywhere else"
    for anchor in ("in-danger-now", "talk-to-someone-today", "worried-about-someone-else", "after-the-crisis",
                   "help-without-speaking"):
        assert page.select_one(f"#{anchor}"), f"/get-help-now/ lost its heading id #{anchor}"


def test_numbers_checked_date_shows(site):
    oldest = min(s["checked"] for s in services())
    checked = article(site / "get-help-now" / "index.html").select_one(".helplines-checked")
    assert checked is not None, "no 'Numbers checked on' line"
    assert checked.find("time")["datetime"] == oldest.isoformat()
    assert squash(checked.get_text(" ")).startswith(f"Numbers checked on {oldest.day} {oldest.strftime('%B %Y')}")


def test_every_service_and_contact_is_on_get_help_now(site):
    page = article(site / "get-help-now" / "index.html")
    hrefs = {a["href"] for a in page.select("a[href]")}
    for service in services():
        for contact in service["contacts"]:
            if contact["type"] == "call":
                assert f"tel:{contact['dial']}" in hrefs, (service["id"], contact)
            elif contact["type"] == "text":
                assert any(h.startswith(f"sms:{contact['dial']}") for h in hrefs), (service["id"], contact)
            elif contact["type"] == "email":
                assert f"mailto:{contact['address']}" in hrefs, (service["id"], contact)
            else:
                assert contact["url"] in hrefs, (service["id"], contact)


def test_every_tel_and_sms_link_dials_the_digits_it_shows(site):
    known = {c["dial"] for c in phone_contacts()}
    seen = 0
    for path in html_pages(site):
        for link in soup(path).select('a[href^="tel:"], a[href^="sms:"]'):
            seen += 1
            shown = link.get_text()
            assert digits(shown) == href_digits(link["href"]), f"{path}: '{shown}' dials {link['href']}"
            assert href_digits(link["href"]) in known, f"{path}: {link['href']} is not in includes/helplines.yml"
        for link in soup(path).select('a.helpline-email[href^="mailto:"]'):  # a feedback link may carry a subject
            assert link.get_text().strip() == link["href"].removeprefix("mailto:"), f"{path}: {link}"
    assert seen > 100, f"only {seen} tel:/sms: links in the whole site"


def test_crisis_box_is_short_generated_and_in_place(site):
    emergency = [c["dial"] for s in services() if s["kind"] == "emergency" for c in s["contacts"]]
    guide = [p for p in content_pages(site) if p.relative_to(site).parts[0] == "guide"]
    assert guide
    for path in guide:
        body = article(path)
        box = body.select_one(".crisis-help")
        assert box is not None and box.name == "aside", path
        # the emergency sentence, one line per served region's crisis route (tests/test_crisis_regions.py), the directory
        assert len(box.select("li")) <= 9, f"{path}: the crisis box is not short"
        hrefs = [a["href"] for a in box.select("a[href]")]
        for dial in emergency:
            assert f"tel:{dial}" in hrefs, f"{path}: crisis box lacks emergency number {dial}"
        assert "tel:988" in hrefs and "sms:988" in hrefs, path
        assert "tel:116123" in hrefs, path
        assert any(h.startswith("sms:85258") for h in hrefs), f"{path}: no text line in the crisis box"
        assert any("get-help-now" in h for h in hrefs), f"{path}: no Get help now link"
        assert any(word in box.get_text() for word in EMERGENCY_WORDS), path
        references = body.select_one("h2.references-heading")
        if references is not None:
            assert box.find_next_sibling() is references, f"{path}: the crisis box is not just before the references"


def test_home_page_help_section_comes_from_the_data(site):
    home = article(site / "index.html")
    section = home.select_one("#need-help-now")
    short = section.find_next("ul", class_="helplines--short")
    assert short is not None, "the home page's Need help now? has no generated list"
    assert {"tel:988", "sms:988", "tel:116123", "tel:999", "tel:911"} <= {a["href"] for a in short.select("a")}


def test_built_pages_show_numbers_only_in_generated_blocks(site):
    """Outside the generated lists no page shows a helpline number or a tel:/sms: link."""
    long_numbers = sorted({c["display"] for c in phone_contacts() if len(c["dial"]) >= 5}, key=len, reverse=True)
    for path in content_pages(site):
        body = article(path)
        for node in body.select(".helplines, .helplines-checked, .crisis-help"):
            node.decompose()
        assert not body.select('a[href^="tel:"], a[href^="sms:"]'), f"{path}: a phone link outside the data"
        text = body.get_text(" ")
        for number in long_numbers:
            assert number not in text, f"{path}: '{number}' typed outside includes/helplines.yml"


def test_numbers_are_typed_only_in_helplines_yml():
    """docs/ and scripts/ hold no helpline number, tel: or sms: link: they all come from the data file."""
    contacts = phone_contacts()
    long_forms = {f for c in contacts if len(c["dial"]) >= 4 for f in (c["display"], c["dial"])}
    short = {c["dial"] for c in contacts if len(c["dial"]) < 4}
    short_use = re.compile(r"\b(call|text|dial|ring|phone|or)\s+(\*\*)?(" + "|".join(sorted(short)) + r")\b", re.I)
    files = [p for p in (ROOT / "docs").rglob("*") if p.suffix in (".md", ".html", ".js", ".css")]
    files += list((ROOT / "scripts").rglob("*.py")) + list((ROOT / "overrides").rglob("*.html"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        for form in long_forms:
            assert not re.search(rf"(?<![\d.]){re.escape(form)}(?![\d.])", text), f"{path}: '{form}' typed here"
        found = short_use.search(text)
        assert not found, f"{path}: '{found.group(0)}' typed here"
        assert not re.search(r"\b(tel|sms):\+?\d", text), f"{path}: a tel:/sms: link typed here"
        assert "@samaritans." not in text, f"{path}: an email address typed here"


def test_crisis_page_is_reviewed_every_three_months():
    text = (ROOT / "docs" / "get-help-now.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---")[1])
    assert 0 < (meta["next_review"] - meta["reviewed"]).days <= 92


# ---------------------------------------------------------------- a changed number, everywhere

@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_a_changed_number_changes_on_every_page_and_pdf(project):
    yml = project / "includes" / "helplines.yml"
    text = yml.read_text(encoding="utf-8")
    assert text.count('dial: "116123", display: "116 123"') == 1
    yml.write_text(text.replace('dial: "116123", display: "116 123"', 'dial: "116124", display: "116 124"'),
                   encoding="utf-8")
    out = project / "out"
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr[-3000:]
    step = subprocess.run([PY, "-m", "scripts.build.pdf", str(out)], cwd=project, env=ENV,
                          capture_output=True, text=True, timeout=900)
    assert step.returncode == 0, step.stdout + step.stderr
    pages = content_pages(out)
    for path in html_pages(out):
        assert "116 123" not in path.read_text(encoding="utf-8"), f"{path}: the old number is still shown"
    client = [p for p in pages if p.relative_to(out).parts[0] == "guide"]
    for path in client + [out / "index.html", out / "get-help-now" / "index.html"]:
        assert 'href="tel:116124">116 124</a>' in path.read_text(encoding="utf-8"), f"{path}: new number missing"
    cover = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(out / "pdf" / "belonging-guide.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    assert "116 124" in cover, "the book's cover does not show the new number"
    book = subprocess.run(["pdftotext", str(out / "pdf" / "belonging-guide.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "116 123" not in book and book.count("116 124") >= len(client)
    handout = subprocess.run(["pdftotext", str(out / "pdf" / "handouts" / "guide-why-rejection-hurts.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
    assert "116 124" in handout and "116 123" not in handout


# ---------------------------------------------------------------- bad input stops the build

def test_review_more_than_92_days_apart_fails_the_build(project):
    page = project / "docs" / "get-help-now.md"
    text = page.read_text(encoding="utf-8")
    reviewed = dt.date.fromisoformat(re.search(r"^reviewed: (\S+)$", text, re.M).group(1))
    late = reviewed + dt.timedelta(days=93)
    page.write_text(re.sub(r"^next_review: \S+$", f"next_review: {late}", text, flags=re.M), encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    line = line_of(page, "next_review:")
    assert f"docs/get-help-now.md:{line}: next_review {late} is 93 days after reviewed {reviewed}" in result.stderr, \
        result.stderr[-2000:]
    assert "92 days" in result.stderr and "Fix:" in result.stderr


def _break_missing_field(yml):
    start = line_of(yml, "- id: shout")
    hours = line_of(yml, "hours:", after=start)
    lines = yml.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[hours - 1]
    yml.write_text("".join(lines), encoding="utf-8")
    return start, "service 'shout' has no 'hours'"


def _break_tel_digits(yml):
    yml.write_text(yml.read_text(encoding="utf-8").replace('dial: "08088088000"', 'dial: "0808 808 8000"'),
                   encoding="utf-8")
    return line_of(yml, 'dial: "0808 808 8000"'), "has characters other than digits"


def _break_display(yml):
    yml.write_text(yml.read_text(encoding="utf-8").replace('display: "0808 2000 247"', 'display: "0808 2000 248"'),
                   encoding="utf-8")
    return line_of(yml, 'display: "0808 2000 248"'), "does not show the digits"


def _break_unquoted(yml):
    yml.write_text(yml.read_text(encoding="utf-8").replace('dial: "000"', "dial: 000"), encoding="utf-8")
    return line_of(yml, "dial: 000"), "is not quoted"


def _break_region(yml):
    start = line_of(yml, "- id: cruse")
    yml.write_text(yml.read_text(encoding="utf-8").replace("regions: [england, wales, northern-ireland]",
                                                           "regions: [england, wales, ulster]"), encoding="utf-8")
    return line_of(yml, "regions: [england, wales, ulster]", after=start), "regions must come from the regions list"


@pytest.mark.parametrize("breaker", [_break_missing_field, _break_tel_digits, _break_display, _break_unquoted,
                                     _break_region])
def test_malformed_helplines_entry_fails_with_file_and_line(project, breaker):
    line, message = breaker(project / "includes" / "helplines.yml")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    assert f"includes/helplines.yml:{line}: " in result.stderr, result.stderr[-2000:]
    assert message in result.stderr and "Fix:" in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("marker, message", [
    ("<!-- md:helpline -->", "unknown marker"),
    ("<!-- md:helplines show=everything -->", "unknown helplines argument 'show=everything'"),
    ("<!-- md:helplines ids=galop,no-such-line -->", "unknown helpline id 'no-such-line'"),
    ("<!-- md:helplines ids=galop show=crisis -->", "unknown helplines argument"),
    ("<!-- md:glossary show=crisis -->", "unknown marker"),
])
def test_unknown_shortcodes_still_fail(project, marker, message):
    page = project / "docs" / "index.md"
    text = page.read_text(encoding="utf-8")
    assert text.count("<!-- md:helplines -->") == 1
    page.write_text(text.replace("<!-- md:helplines -->", f"<!-- md:helplines -->\n\n{marker}"), encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    line = line_of(page, marker)
    assert f"docs/index.md:{line}: {message}" in result.stderr, result.stderr[-2000:]


def test_helplines_by_id_in_the_pages_order_with_every_contact():
    """<!-- md:helplines ids=a,b -->: the named services from the data file, in that order (the LGBTQ+ lines
    on "When you are left out for who you are"), each with where it serves and tap-to-call links."""
    import markdown
    from bs4 import BeautifulSoup

    services = {s["id"]: s for s in yaml.safe_load(DATA.read_text(encoding="utf-8"))["services"]}
    ids = ["trevor-project", "switchboard-lgbt"]
    html = markdown.Markdown(extensions=["scripts.markdown.helplines"]).convert(
        f"Lines:\n\n<!-- md:helplines ids={','.join(ids)} -->\n")
    items = BeautifulSoup(html, "html.parser").select("ul.helplines--ids > li")
    assert [li.strong.get_text() for li in items] == [services[i]["name"] for i in ids]
    for li, ident in zip(items, ids):
        dials = [c["dial"] for c in services[ident]["contacts"] if c["type"] == "call"]
        assert [a["href"] for a in li.select('a[href^="tel:"]')] == [f"tel:{d}" for d in dials]

