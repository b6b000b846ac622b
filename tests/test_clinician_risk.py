"""Issue 17, pages 1-2: the risk page and the measurement page, on the real build.

Each page is in the nav under "For clinicians" right after "Assessment and interventions", cites at
least eight distinct references (distinct `fn:ref-` footnotes that the text actually points to), links
to /get-help-now/ and to the other page; the measurement table has at least ten instrument rows, each
with its own citation and a cited reliability cell, and no cell defers to the source (issue 23)."""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT, article

PAGES = {
    "suicide-risk-and-thwarted-belonging": "Risk: thwarted belongingness, suicide and harm to others",
    "measuring-belonging-and-loneliness": "Measuring belonging and loneliness",
}
MIN_CITATIONS = 8
MIN_INSTRUMENTS = 10


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # mkdocs.yml's !ENV tags


def _cited(page):
    """Keys in the page's reference list that the text points to (each key once)."""
    listed = {li["id"].removeprefix("fn:ref-") for li in page.select("div.footnote li[id^='fn:ref-']")}
    pointed = {a["href"].removeprefix("#fn:ref-") for a in page.select("a[href^='#fn:ref-']")}
    return listed & pointed


@pytest.mark.parametrize("slug", PAGES)
def test_page_cites_at_least_eight_distinct_sources(site, slug):
    keys = _cited(article(site / "clinicians" / slug / "index.html"))
    assert len(keys) >= MIN_CITATIONS, (slug, sorted(keys))


def test_pages_in_nav_after_assessment():
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)["nav"]
    section = next(item["For clinicians"] for item in nav if isinstance(item, dict) and "For clinicians" in item)
    titles = [next(iter(entry)) for entry in section]
    files = [next(iter(entry.values())) for entry in section]
    at = titles.index("Assessment and interventions")
    assert titles[at + 1:at + 3] == list(PAGES.values()), titles
    assert files[at + 1:at + 3] == [f"clinicians/{slug}.md" for slug in PAGES], files


@pytest.mark.parametrize("slug", PAGES)
def test_page_links_to_help_and_to_the_other_page(site, slug):
    page = article(site / "clinicians" / slug / "index.html")
    hrefs = [a["href"] for a in page.select("a[href]")]
    assert any(re.fullmatch(r"(\.\./)+get-help-now/", h) for h in hrefs), hrefs
    other = next(s for s in PAGES if s != slug)
    assert any(re.match(rf"(\.\./){other}/(#[\w-]+)?$", h) for h in hrefs), (other, hrefs)
    assert page.h1.get_text(strip=True).startswith(PAGES[slug])


def test_measurement_table_rows_each_cited_with_sourced_reliability(site):
    """Issue 23: the instruments table gives, for every row, items and format, reliability, norms or
    cut-offs and how to obtain it, each cell complete and cited where it states a fact; no cell defers to
    the source ("see source", "as set out in"). What each instrument does not measure, and when to use it,
    is the next table (#uses-table), one row per instrument."""
    page = article(site / "clinicians" / "measuring-belonging-and-loneliness" / "index.html")
    heading = page.find(id="instruments-table")
    assert heading is not None, "the #instruments-table section is missing"
    table = heading.find_next("table")
    header = [th.get_text(" ", strip=True).lower() for th in table.select("thead th")]
    for column in ("instrument", "items", "reliability", "norms", "obtaining"):
        assert any(column in h for h in header), (column, header)
    reliability = next(i for i, h in enumerate(header) if "reliability" in h)
    rows = table.select("tbody tr")
    assert len(rows) >= MIN_INSTRUMENTS, len(rows)
    listed = {li["id"].removeprefix("fn:ref-") for li in page.select("div.footnote li[id^='fn:ref-']")}
    row_keys = []
    for row in rows:
        cells = row.find_all("td")
        name = cells[0].get_text(" ", strip=True)
        keys = {a["href"].removeprefix("#fn:ref-") for a in cells[0].select("a[href^='#fn:ref-']")}
        assert keys and keys <= listed, (name, keys)
        row_keys.append(frozenset(keys))
        assert len(cells) == len(header) and all(c.get_text(strip=True) for c in cells), name
        for cell in cells:
            assert not re.search(r"see source|as set out in", cell.get_text(" "), re.I), (name, cell.get_text(" "))
        assert cells[reliability].select("a[href^='#fn:ref-']"), (name, "reliability cell without a citation")
        assert re.search(r"\d", cells[1].get_text(" ")), (name, "items cell without an item count or range")
    assert len(set(row_keys)) == len(rows), "two rows cite the same source for different instruments"
    uses = page.find(id="uses-table")
    assert uses is not None, "the #uses-table section is missing"
    second = uses.find_next("table")
    header = [th.get_text(" ", strip=True).lower() for th in second.select("thead th")]
    for column in ("instrument", "measures", "does not measure", "when to use"):
        assert any(column in h for h in header), (column, header)
    assert len(second.select("tbody tr")) == len(rows)


def test_risk_page_points_away_from_prediction(site):
    """The page carries NICE's advice against risk tools and scales, cited, and the INQ is framed as
    formulation, not prediction."""
    page = article(site / "clinicians" / "suicide-risk-and-thwarted-belonging" / "index.html")
    section = page.find(id="nice-guidance")
    assert section is not None
    paragraph = section.find_next("p")
    assert "risk assessment tools and scales" in paragraph.get_text(" ")
    assert paragraph.select("a[href='#fn:ref-nice2022selfharm']")
    text = page.get_text(" ")
    assert "not a forecasting tool" in text and "formulation" in text
