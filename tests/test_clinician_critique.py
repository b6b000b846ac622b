"""Issue 17, pages 3-5: the differential, the replication record and the interventions page.

Each page is built, is in the nav under "For clinicians", cites at least eight distinct references,
and carries a citation or an inference badge in every paragraph that states something."""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT, article, soup

PAGES = {
    "telling-them-apart": "Telling them apart: a differential",
    "critiques-and-replication": "Critiques and the replication record",
    "interventions-with-evidence": "Interventions with evidence",
}
MIN_CITATIONS = 8


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # mkdocs.yml's !ENV tags


def _clinician_nav() -> dict[str, str]:
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)["nav"]
    section = next(item["For clinicians"] for item in nav if isinstance(item, dict) and "For clinicians" in item)
    return {path: title for entry in section for title, path in entry.items()}


@pytest.mark.parametrize("name", PAGES)
def test_page_is_in_the_clinician_nav_after_evidence_base(name):
    nav = _clinician_nav()
    path = f"clinicians/{name}.md"
    assert nav.get(path) == PAGES[name], f"mkdocs.yml: {path} missing from 'For clinicians' (nav has {nav})"
    order = list(nav)
    assert order.index(path) > order.index("clinicians/evidence-base.md"), "page sits before Evidence base"


@pytest.mark.parametrize("name", PAGES)
def test_page_builds_with_its_title_and_nav_link(site, name):
    page = site / "clinicians" / name / "index.html"
    assert page.exists(), f"{page} was not built"
    body = article(page)
    assert body.select_one("h1").get_text(strip=True).startswith(PAGES[name])
    other = site / "clinicians" / "evidence-base" / "index.html"  # the nav as a neighbouring page shows it
    links = {a.get("href", "").rstrip("/").split("/")[-1] for a in soup(other).select("nav.md-nav a")}
    assert name in links, f"the built navigation on Evidence base does not link {name}"


@pytest.mark.parametrize("name", PAGES)
def test_page_cites_at_least_eight_distinct_references(site, name):
    body = article(site / "clinicians" / name / "index.html")
    keys = {li["id"].removeprefix("fn:ref-") for li in body.select("div.footnote li[id^='fn:ref-']")}
    assert len(keys) >= MIN_CITATIONS, f"{name}: {len(keys)} distinct references, need {MIN_CITATIONS}: {sorted(keys)}"
    cited = {a["href"].removeprefix("#fn:ref-") for a in body.select("a.footnote-ref[href^='#fn:ref-']")}
    assert keys == cited, f"{name}: reference list and in-text citations differ: {keys ^ cited}"


@pytest.mark.parametrize("name", PAGES)
def test_every_statement_paragraph_is_cited_or_marked(site, name):
    """A paragraph that states something carries a citation or an inference badge. Lead-ins that end
    with a colon (the list below carries the claims) and the closing Related pages links are exempt."""
    body = article(site / "clinicians" / name / "index.html")
    bare = []
    for p in body.select("p"):
        if p.find_parent("div", class_="footnote") or p.find_parent("div", class_="admonition"):
            continue
        if p.find_parent(["nav", "aside", "footer"]) or p.find_parent(class_=re.compile("crisis|cite|review")):
            continue
        if p.find(["img", "svg"]) or p.find_parent(["figure", "svg"]):
            continue  # a figure: its description is not a claim (the text beside it carries the citations)
        text = p.get_text(" ", strip=True)
        if not text or text.endswith(":"):
            continue
        heading = p.find_previous(["h2", "h3"])
        if heading is not None and heading.get("id") == "related-pages":
            continue
        if not p.select("a.footnote-ref, a.evidence-inference"):
            bare.append(text[:80])
    assert not bare, f"{name}: paragraphs with neither a citation nor an inference badge: {bare}"


def test_every_reference_cited_here_carries_a_verification_note():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    for name in PAGES:
        source = (ROOT / "docs" / "clinicians" / f"{name}.md").read_text(encoding="utf-8")
        for key in sorted(set(re.findall(r"@([a-z][a-z0-9-]*\d{4}[a-z0-9-]*)", source))):
            lines = bib.split("\n")
            start = next((i for i, line in enumerate(lines) if re.match(rf"@\w+\{{{re.escape(key)},", line)), None)
            assert start is not None, f"{name}.md cites {key}, which is not in references.bib"
            comments = []
            for line in reversed(lines[:start]):
                if not line.startswith("%"):
                    break
                comments.append(line)
            assert any(c.startswith("% verified:") for c in comments), \
                f"references.bib:{start + 1}: {key} has no '% verified:' note straight above it"
