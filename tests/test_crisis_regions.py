"""Crisis help for every region (issue 22 §1): the short form (crisis box on client pages, home page, book
cover, handouts, worksheets) gives every region in includes/helplines.yml a crisis route that is not only
an emergency number; /get-help-now/ lets a reader jump to their own country, with no JavaScript."""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT, article, content_pages

DATA = ROOT / "includes" / "helplines.yml"


def data() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def crisis_dials(d: dict, region: str) -> set[str]:
    """Digits of every call/text contact of a non-emergency service that serves region."""
    out = set()
    for s in d["services"]:
        if s["kind"] in ("emergency", "directory") or region not in s["regions"]:
            continue
        for c in s["contacts"]:
            if c["type"] in ("call", "text") and region in c.get("regions", s["regions"]):
                out.add(c["dial"])
    return out


def regions_without_short_crisis_route(d: dict) -> list[str]:
    """Regions whose only route in the short form is an emergency number."""
    short = [s for s in d["services"] if s["id"] in d["short"]]
    missing = []
    for region in d["regions"]:
        rid = region["id"]
        if rid == "anywhere":
            continue
        if not any(s["kind"] not in ("emergency", "directory") and rid in s["regions"]
                   and any(c["type"] in ("call", "text") and rid in c.get("regions", s["regions"])
                           for c in s["contacts"]) for s in short):
            missing.append(rid)
    return missing


def test_every_region_has_a_crisis_route_in_the_short_form():
    assert regions_without_short_crisis_route(data()) == []


def test_the_region_walk_can_fail():
    d = data()
    d["short"] = [s for s in d["short"] if s not in ("nz-1737", "au-lifeline")]
    assert regions_without_short_crisis_route(d) == ["australia", "new-zealand"]


def _box_crisis_hrefs(box) -> set[str]:
    items = box.select("li")
    assert items and "emergency" in items[0].get_text(), "the first item is not the emergency sentence"
    return {re.sub(r"\D", "", a["href"].split(":", 1)[1].split("?", 1)[0])
            for li in items[1:] for a in li.select('a[href^="tel:"], a[href^="sms:"]')}


def test_crisis_box_on_every_client_page_names_a_crisis_line_per_region(site):
    d = data()
    regions = [r["id"] for r in d["regions"] if r["id"] != "anywhere"]
    guide = [p for p in content_pages(site) if p.relative_to(site).parts[0] == "guide"]
    assert guide
    boxes = [(p, article(p).select_one(".crisis-help")) for p in guide]
    home = article(site / "index.html").select_one("#need-help-now").find_next("ul", class_="helplines--short")
    for path, box in boxes + [(site / "index.html", home)]:
        assert box is not None, path
        hrefs = _box_crisis_hrefs(box)
        for rid in regions:
            assert hrefs & crisis_dials(d, rid), f"{path}: the crisis box gives {rid} only an emergency number"
    text = " ".join(home.get_text(" ").split())
    assert "111 in New Zealand (not the UK's NHS 111)" in text, text


# ---------------------------------------------------------------- region chooser, no JavaScript

CHOOSER = {"england": "England", "scotland": "Scotland", "wales": "Wales", "northern-ireland": "Northern Ireland",
           "ireland": "Ireland", "us": "United States", "canada": "Canada", "australia": "Australia",
           "new-zealand": "New Zealand"}


def test_region_chooser_links_every_country(site):
    page = article(site / "get-help-now" / "index.html")
    nav = page.select_one("nav.region-chooser")
    assert nav is not None, "no region chooser on /get-help-now/"
    links = {a["href"]: a.get_text(" ", strip=True) for a in nav.select("a[href]")}
    for anchor, name in CHOOSER.items():
        assert links.get(f"#{anchor}") == name, (anchor, links)
        target = page.select_one(f"#{anchor}")
        assert target is not None, f"#{anchor} has no target"
        assert name in target.get_text(" "), f"#{anchor} does not start with {name}'s lines"
    # a reader from anywhere else is one tap from the directory of other countries' lines
    assert links.get("#anywhere-else") == "Anywhere else", links
    assert page.select_one("#anywhere-else ~ .helplines, #anywhere-else ~ ul"), "no directory after #anywhere-else"


@pytest.mark.parametrize("anchor", ["scotland", "new-zealand", "england"])
def test_region_anchor_without_javascript_shows_that_country_first(site, browser, anchor):
    d = data()
    rid = {"us": "united-states"}.get(anchor, anchor)
    name = CHOOSER[anchor]
    url = (site / "get-help-now" / "index.html").as_uri() + f"#{anchor}"
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.goto(url)
        target = page.locator(f"#{anchor}")
        box = target.bounding_box()
        assert box is not None and 0 <= box["y"] < 200, f"#{anchor} is not at the top of the screen: {box}"
        heading = target.locator("h2, h3, .helplines-region__name").first.inner_text()
        assert name in heading, heading
        # The first phone link below the target is one of this region's own crisis lines.
        first = target.locator('a[href^="tel:"], a[href^="sms:"]').first.get_attribute("href")
        digits = re.sub(r"\D", "", first.split(":", 1)[1].split("?", 1)[0])
        own = crisis_dials(d, rid) | {c["dial"] for s in d["services"] if s["kind"] == "emergency"
                                      and rid in s["regions"] for c in s["contacts"]}
        assert digits in own, f"#{anchor}: first line {first} is not {name}'s"
        assert not context.cookies(), "the chooser stored a cookie"
    finally:
        context.close()


# ---------------------------------------------------------------- whom each abuse line serves

def test_every_abuse_line_says_whom_it_serves_on_the_page(site):
    items = article(site / "get-help-now" / "index.html").select(".helplines--abuse li")
    abuse = [s for s in data()["services"] if s["kind"] == "abuse"]
    assert len(items) == len(abuse)
    for service, li in zip(abuse, items):
        shown = li.select_one(".helpline-for")
        assert shown is not None and shown.get_text() == f"for {service['for']}", (service["id"], li.get_text())
    kinds = {s["for"] for s in abuse}
    assert {"women", "men", "LGBT+ people"} <= kinds, kinds


def test_an_abuse_line_without_for_stops_the_build_with_file_and_line(tmp_path):
    from mkdocs.exceptions import PluginError
    from scripts.checks import helplines
    (tmp_path / "includes").mkdir()
    text = DATA.read_text(encoding="utf-8")
    start = text.index("  - id: mens-aid-ie\n")
    broken = text[:start] + text[start:].replace("    for: men\n", "", 1)
    (tmp_path / "includes" / "helplines.yml").write_text(broken, encoding="utf-8")
    line = broken[:start].count("\n") + 1
    with pytest.raises(PluginError) as error:
        helplines.load(tmp_path)
    message = str(error.value)
    assert message.startswith(f"includes/helplines.yml:{line}: service 'mens-aid-ie' does not say whom it serves"), message
    assert "Fix:" in message


def test_book_cover_and_every_handout_name_each_regions_crisis_line(site):
    import shutil
    import subprocess
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils")
    d = data()
    short = [s for s in d["services"] if s["id"] in d["short"] and s["kind"] == "crisis"]
    shown = [c["display"] for s in short for c in s["contacts"] if c["type"] in ("call", "text") and not c.get("label")]
    pdfs = sorted((site / "pdf" / "handouts").glob("guide-*.pdf"))  # client handouts carry the crisis box
    assert len(pdfs) >= 10
    cover = ["-f", "1", "-l", "1"]
    for pdf, args in [(site / "pdf" / "belonging-guide.pdf", cover)] + [(p, []) for p in pdfs]:
        text = " ".join(subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        for display in shown:
            assert display in text, f"{pdf.name}: the crisis note lacks {display}"
        assert "111 in New Zealand (not the UK's NHS 111)" in text, f"{pdf.name}: NZ's 111 not told apart"
