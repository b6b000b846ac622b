"""Client pages a phone reader can skim (issue 22 §2): an In short box right after the title, no
"For clinicians" section (one quiet #for-clinicians line instead, so the published anchor still
resolves), few "Our view" badges, short sentences; and the page on being left out for who you are is
in the nav, in the URL manifest, built with its handout.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from conftest import ROOT, article, soup
from scripts.checks import readability

CLIENT_PAGES = sorted(p for p in (ROOT / "docs" / "guide").glob("*.md")
                      if yaml.safe_load(p.read_text(encoding="utf-8").split("---", 2)[1]).get("audience") == "client")
# The pages the client-pages helper rewrote for issue 22 (the crisis helper's three pages follow their own issue).
REWRITTEN = {"index", "why-rejection-hurts", "belonging-vs-fitting-in", "when-belonging-feels-hard",
             "building-belonging", "reconnecting-after-rejection", "sharing-your-story", "myths-about-belonging",
             "starting-somewhere-new", "belonging-at-work", "getting-support", "left-out-for-who-you-are"}
NEW_PAGE = "left-out-for-who-you-are"
MAX_BADGES = 4
# An in-text citation as the client pages print it: "(Walton & Cohen, 2007)", "(Office for ..., 2024)".
class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # mkdocs.yml's !ENV tags
CITATION = re.compile(r"\s*\([^()]*?\b(1[89]|20)\d\d[a-z]?(, p+\. [\d–-]+)?\)")


def built(site: Path, md: Path) -> Path:
    return site / "guide" / ("" if md.stem == "index" else md.stem) / "index.html"


def test_every_client_page_is_found():
    names = {p.stem for p in CLIENT_PAGES}
    assert REWRITTEN <= names, REWRITTEN - names
    assert len(CLIENT_PAGES) >= 15


def test_in_short_box_straight_after_the_title(site):
    for md in CLIENT_PAGES:
        body = article(built(site, md))
        boxes = [a for a in body.select("div.admonition") if a.select_one(".admonition-title")
                 and a.select_one(".admonition-title").get_text(strip=True) == "In short"]
        assert len(boxes) == 1, f"{md.name}: {len(boxes)} In short boxes, want exactly one"
        box = boxes[0]
        assert "abstract" in box["class"], f"{md.name}: In short is not the abstract admonition"
        h1 = body.find("h1")
        following = [el for el in h1.find_next_siblings() if "share-page" not in (el.get("class") or [])]
        assert following and following[0] is box, f"{md.name}: In short is not the first thing after the title"
        bullets = [" ".join(li.get_text(" ").split()) for li in box.select("li")]
        assert 2 <= len(bullets) <= 4, f"{md.name}: {len(bullets)} bullets, want 2-4"
        assert all(b.endswith(".") for b in bullets), f"{md.name}: a bullet does not end with a full stop: {bullets}"


def test_no_for_clinicians_section_but_the_anchor_resolves(site):
    manifest = set((ROOT / "tests" / "published-urls.txt").read_text(encoding="utf-8").split())
    for md in CLIENT_PAGES:
        path = built(site, md)
        body = article(path)
        headings = [h.get_text(" ", strip=True) for h in body.select("h2, h3")]
        assert not any(h.startswith("For clinicians") for h in headings), f"{md.name}: still has a For clinicians section"
        quiet = body.select("#for-clinicians")
        url = "/guide/" + ("" if md.stem == "index" else md.stem + "/")
        if not quiet and f"{url}#for-clinicians" not in manifest and md.stem not in REWRITTEN:
            continue  # a page that never published the anchor need not carry it
        assert len(quiet) == 1, f"{md.name}: #for-clinicians (a published anchor) must exist once"
        line = quiet[0]
        assert line.name == "p" and "for-professionals" in line.get("class", []), \
            f"{md.name}: #for-clinicians should be the quiet p.for-professionals line, not <{line.name}>"
        links = line.select("a[href]")
        assert len(links) == 1, f"{md.name}: the professionals line carries {len(links)} links, want one"
        href = links[0]["href"]
        assert "clinicians/" in href, (md.name, href)
        target = (path.parent / href.split("#")[0]).resolve()
        target = target / "index.html" if target.is_dir() else target
        assert target.exists(), f"{md.name}: {href} does not resolve in the build"
        if "#" in href:
            assert soup(target).select_one("#" + href.split("#", 1)[1]), f"{md.name}: anchor of {href} missing"
        assert line.find_next_sibling(["ul", "ol"]) is None or not any(
            "clinicians/" in a["href"] for a in line.find_next_sibling(["ul", "ol"]).select("a[href]")), \
            f"{md.name}: the old list of clinician links is still there"


def test_our_view_badges_are_few(site):
    for md in CLIENT_PAGES:
        badges = article(built(site, md)).select("a.evidence-inference")
        assert len(badges) <= MAX_BADGES, f"{md.name}: {len(badges)} 'Our view' badges, at most {MAX_BADGES}"


def test_client_pages_have_short_sentences(site):
    """Every client page (the rewritten ones and the crisis helper's three), at most 20 words a sentence."""
    assert len(CLIENT_PAGES) >= 16
    for md in CLIENT_PAGES:
        name = md.stem
        body = article(built(site, md))
        # citation numbers, and the short crisis list (a list of numbers written once in the helplines code,
        # shown on Where to start's results as in the crisis box, which the reading gate leaves out)
        for node in body.select("sup, ul.helplines--short"):
            node.decompose()
        html = CITATION.sub("", str(body))
        long = [s for b in readability.prose_blocks(html) for s in readability.sentences(b) if len(s.split()) > 20]
        assert not long, f"{name}: sentences over 20 words: {long}"


def test_new_page_in_nav_manifest_and_handouts(site):
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)["nav"]
    guide = next(item["For you"] for item in nav if isinstance(item, dict) and "For you" in item)
    assert f"guide/{NEW_PAGE}.md" in [v for item in guide for v in item.values()], "new page missing from nav"
    manifest = (ROOT / "tests" / "published-urls.txt").read_text(encoding="utf-8").split()
    url = f"/guide/{NEW_PAGE}/"
    assert url in manifest, f"{url} not in tests/published-urls.txt (run make urls)"
    source = (ROOT / "docs" / "guide" / f"{NEW_PAGE}.md").read_text(encoding="utf-8")
    anchors = re.findall(r"^#{2,3} .*\{#([a-z0-9-]+)\}\s*$", source, flags=re.M)
    assert len(anchors) >= 5, anchors
    for anchor in anchors:
        assert f"{url}#{anchor}" in manifest, f"anchor #{anchor} not in the manifest"
    assert (site / "pdf" / "handouts" / f"guide-{NEW_PAGE}.pdf").exists(), "no handout PDF for the new page"
    body = article(site / "guide" / NEW_PAGE / "index.html")
    assert "Try this" in [t.get_text(strip=True) for t in body.select(".admonition-title")]
    assert body.select_one('a[href$="worksheets/#where-i-can-be-myself"]'), "no worksheet link"
    # the LGBTQ+ lines, written from includes/helplines.yml by <!-- md:helplines ids=... -->, tap to call
    lines = body.select_one("#lgbtq-lines ~ ul.helplines--ids")
    assert lines is not None, "no LGBTQ+ lines from the data file"
    names = [li.strong.get_text() for li in lines.select("li")]
    assert "The Trevor Project" in names and any(n.startswith("Switchboard LGBT+") for n in names), names
    assert all(li.select_one('a[href^="tel:"]') for li in lines.select("li")), "a line without tap-to-call"
    assert body.select_one(".crisis-help"), "no crisis box"
    # the linked lines exist on Get help now, built from includes/helplines.yml
    help_page = soup(site / "get-help-now" / "index.html")
    assert help_page.select_one("#helpline-trevor-project")
    assert "Switchboard LGBT+" in help_page.select_one("#england").get_text(" ")


def test_handouts_print_in_short_but_not_the_professionals_line(site):
    for name in sorted(REWRITTEN - {"index"}) + ["start-here"]:
        pdf = site / "pdf" / "handouts" / f"guide-{name}.pdf"
        assert pdf.exists(), f"no handout {pdf.name}"
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "In short" in text, f"{pdf.name}: no In short box"
        assert "For professionals" not in text, f"{pdf.name}: prints the line for professionals"
