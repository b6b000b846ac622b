"""Citations by audience (issue 22 §2): numbered markers on client pages, author-year on clinician pages,
the same hover preview on both; the evidence field (issue 23) after a reference; citation meta tags;
Cite this page hidden on client pages; the reading gate on the home page and Get help now (S18)."""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from conftest import ROOT, content_pages, mkdocs_build, soup

AUTHOR_YEAR = re.compile(r"\([^()]*\b(?:1[89]|20)\d\d[a-z]?(?:, p+\. [\d–-]+)?\)\s*$")


def audience(site, page) -> str | None:
    tag = soup(page).select_one("article")
    rel = page.parent.relative_to(site).as_posix()
    for candidate in (ROOT / "docs" / f"{rel}.md", ROOT / "docs" / rel / "index.md"):
        if candidate.is_file():
            return yaml.safe_load(candidate.read_text(encoding="utf-8").split("---", 2)[1]).get("audience")
    return None if tag is None else "all"


def _source(site, page):
    rel = page.parent.relative_to(site).as_posix()
    for candidate in (ROOT / "docs" / f"{rel}.md", ROOT / "docs" / rel / "index.md"):
        if candidate.is_file():
            return candidate
    return ROOT / "docs" / "index.md"


def markers_with_text_before(page):
    """(text just before each citation marker, the marker) on a page."""
    out = []
    for sup in soup(page).select("article sup[id^='fnref']"):
        before = ""
        node = sup.previous_sibling
        while node is not None and len(before) < 80:
            before = (node.get_text() if hasattr(node, "get_text") else str(node)) + before
            node = node.previous_sibling
        out.append((before, sup))
    return out


def pages_of(site, kind):
    return [p for p in content_pages(site) if audience(site, p) == kind and soup(p).select_one("article sup[id^='fnref']")]


def test_client_pages_cite_with_numbers_only(site):
    pages = pages_of(site, "client") + [site / "get-help-now" / "index.html"]  # the crisis page too
    assert len(pages) >= 11 and soup(pages[-1]).select_one("article sup[id^='fnref']")
    for page in pages:
        for before, sup in markers_with_text_before(page):
            assert not AUTHOR_YEAR.search(before), (page, before[-60:])
            assert re.fullmatch(r"\d+", sup.get_text(strip=True)), (page, sup)
        assert soup(page).select("div.footnote li[id^='fn:ref-']"), page  # the list below
        assert not re.search(r"</a></sup><sup id=\"fnref", page.read_text(encoding="utf-8")), page  # never "12"


def test_clinician_pages_keep_author_year(site):
    pages = pages_of(site, "clinician")
    assert len(pages) >= 10
    for page in pages:
        pairs = markers_with_text_before(page)
        with_author_year = [before for before, _ in pairs if AUTHOR_YEAR.search(before.split("\n")[-1])
                            or re.search(r"\d{4}[a-z]?\)[\s,;]*(?:<[^>]+>)?$", before)]
        assert len(with_author_year) >= len(pairs) * 0.9, page


def test_several_sources_read_as_separate_numbers():
    from scripts.hooks.citations.audience import SEPARATOR, numbers_only

    class Registry:  # what mkdocs-bibtex's PandocRegistry.inline_text writes for a block
        @staticmethod
        def inline_text(block):
            keys = [c.key for c in block.citations]
            years = {"a2001x": "2001", "b2002y": "2002"}
            text = "(" + "; ".join(f"{k[0].upper()}, {years[k]}" for k in keys) + ")"
            return text + " ".join(f"[^ref-{k}]" for k in keys)

    source = "- Item one [@a2001x; @b2002y].\n\nA sentence [@a2001x]."
    written = "- Item one (A, 2001; B, 2002)[^ref-a2001x] [^ref-b2002y].\n\nA sentence (A, 2001)[^ref-a2001x]."
    assert numbers_only(written, source, Registry) == (
        f"- Item one[^ref-a2001x]{SEPARATOR}[^ref-b2002y].\n\nA sentence[^ref-a2001x].")


def test_handouts_and_book_follow_the_page(site):
    def text(pdf):
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    handout = " ".join(text(site / "pdf" / "handouts" / "guide-why-rejection-hurts.pdf").split())
    assert "(Baumeister & Leary, 1995)" not in handout and "Baumeister, R. F., & Leary, M. R. (1995)" in handout
    book = " ".join(text(site / "pdf" / "belonging-guide.pdf").split())
    assert "(Baumeister & Leary, 1995)" in book  # the clinician chapters keep author-year


def test_hover_preview_on_a_client_marker(context, base_url):
    from browsing import TOOLTIP

    page = context.new_page()
    page.goto(base_url + "guide/why-rejection-hurts/")
    marker = page.locator("article sup[id^='fnref'] a.footnote-ref").first
    marker.scroll_into_view_if_needed()
    marker.hover()
    page.wait_for_timeout(600)
    shown = page.evaluate(TOOLTIP)
    assert shown and re.search(r"\(\d{4}\)", shown[0]), shown  # the APA reference, with its year


# --- evidence field --------------------------------------------------------------------------------------
def _evidence_entries():
    from pybtex.database import parse_file

    bib = parse_file(str(ROOT / "references.bib"))
    return {key: e.fields["evidence"] for key, e in bib.entries.items() if "evidence" in e.fields}


def test_evidence_shown_after_the_reference(site):
    evidence = _evidence_entries()
    assert evidence, "no reference carries an evidence field yet"
    references = soup(site / "references" / "index.html")
    for key, value in evidence.items():
        item = references.select_one(f"li#ref-{key}")
        assert item is not None, key
        shown = item.select_one(".ref-evidence")
        assert shown is not None and " ".join(shown.get_text().split()) == f"— {value}", key
    seen = 0
    for page in content_pages(site):
        for item in soup(page).select("div.footnote li[id^='fn:ref-']"):
            key = item["id"][len("fn:ref-"):]
            if key in evidence:
                assert " ".join(item.select_one(".ref-evidence").get_text().split()) == f"— {evidence[key]}", (page, key)
                seen += 1
    assert seen


@pytest.mark.parametrize("value", ["meta analysis", "meta-analysis; 148 studies; 308849 participants",
                                   "randomised trial; n=243", "cohort; 6,500", "anecdote", "meta-analysis; 0 studies"])
def test_biblint_rejects_a_bad_evidence_value(value):
    from scripts.checks import biblint

    bib = ("% verified: a test entry, nothing was seen\n@article{test2020entry,\n  author = {Test, A.},\n  year = {2020},\n"
           "  title = {A title},\n  doi = {10.1000/xyz},\n  evidence = {" + value + "}\n}\n")
    problems, _ = biblint.lint_parsed(bib, "references.bib")
    assert problems and problems[0].startswith(f"references.bib:7: test2020entry: evidence '{value}' is not in the fixed form"), problems
    assert "Fix: write evidence = {DESIGN[; K studies][; n = N | N participants]}" in problems[0]


@pytest.mark.parametrize("value", ["meta-analysis; 148 studies; 308,849 participants", "randomised trial; n = 243",
                                   "cohort; n = 6,500", "narrative review", "systematic review; 40 studies", "experiments"])
def test_biblint_accepts_the_fixed_form(value):
    from scripts.checks import biblint

    bib = ("% verified: a test entry, nothing was seen\n@article{test2020entry,\n  author = {Test, A.},\n  year = {2020},\n"
           "  title = {A title},\n  doi = {10.1000/xyz},\n  evidence = {" + value + "}\n}\n")
    assert biblint.lint_parsed(bib, "references.bib")[0] == []


def test_bad_evidence_stops_the_build_with_file_and_line(project):
    bib = project / "references.bib"
    lines = bib.read_text(encoding="utf-8").split("\n")
    line = next(n for n, text in enumerate(lines, start=1) if re.match(r"^\s*evidence\s*=\s*\{", text))
    key = next(re.match(r"^@\w+\{([^,]+),", lines[n - 1]).group(1) for n in range(line, 0, -1)
               if re.match(r"^@\w+\{", lines[n - 1]))
    lines[line - 1] = re.sub(r"\{.*\}", "{review of stuff}", lines[line - 1], count=1)
    bib.write_text("\n".join(lines), encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    assert re.search(rf"references\.bib:{line}: {key}: evidence 'review of stuff' is not in the fixed form\. Fix:",
                     result.stderr), result.stderr[-2000:]


# --- citation meta tags ----------------------------------------------------------------------------------
def test_every_page_carries_citation_meta_tags(site):
    pages = [p for p in content_pages(site) if soup(p).select_one(".page-review")]
    assert len(pages) >= 30
    for page in pages:
        head = soup(page).head

        def meta(name):
            tag = head.select_one(f'meta[name="{name}"]')
            return tag["content"] if tag else None

        title = yaml.safe_load(_source(site, page).read_text(encoding="utf-8").split("---", 2)[1])["title"]
        reviewed = soup(page).select_one(".page-review time")["datetime"]
        assert meta("citation_title") == title, page
        assert meta("citation_publication_date") == reviewed.replace("-", "/"), page
        assert meta("citation_date") == reviewed.replace("-", "/"), page
        assert meta("citation_public_url") == head.select_one("link[rel=canonical]")["href"], page
        assert meta("citation_publisher") == "The Belonging Guide", page
        assert meta("citation_author") == "The Belonging Guide", page
        assert meta("DC.type") == "webpage" and meta("DC.title") == title, page
        assert meta("dcterms.modified") == reviewed, page
        assert head.select_one('meta[property="og:site_name"]')["content"] == "The Belonging Guide"


# --- Cite this page and the reading gate -----------------------------------------------------------------
def test_cite_this_page_hidden_on_client_pages_only(site, context, base_url):
    page = context.new_page()
    shown = {}
    for path in ("guide/why-rejection-hurts/", "clinicians/evidence-base/"):
        page.goto(base_url + path)
        shown[path] = page.locator(".cite-this-page").is_visible()
    assert shown == {"guide/why-rejection-hurts/": False, "clinicians/evidence-base/": True}
    assert soup(site / "guide" / "why-rejection-hurts" / "index.html").select_one("#cite-this-page") is not None  # URL kept


HARD = ("Notwithstanding considerable methodological heterogeneity, epidemiological investigations "
        "consistently demonstrate associations between interpersonal disconnectedness and deleterious "
        "physiological consequences.\n\n")
LONG = ("You can call. You can text. You can write. You can also wait a day and then try again.\n\n")


@pytest.mark.parametrize("page, added, pattern", [
    ("index.md", HARD * 2, r"reading grade \d+\.\d is above 6\.0"),
    ("get-help-now.md", LONG, r"a paragraph has more than three sentences: 'You can call"),
])
def test_reading_gate_covers_home_and_get_help_now(project, page, added, pattern):
    path = project / "docs" / page
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n## ", "\n" + added + "## ", 1), encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    assert re.search(rf"docs/{re.escape(page)}:\d+: " + pattern, result.stderr), result.stderr[-2000:]
