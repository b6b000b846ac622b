"""Search finds the depth of the clinician section: every glossary term, and the name of every theory
and instrument the section covers, typed into the real search box (Debian Chromium through Playwright,
the site served from 127.0.0.1 by conftest's base_url) must bring up the page that explains it among the
first three results. The glossary's list is left out of the index (its definitions show on hover), so
the glossary itself never answers a term.

The terms and their pages are in tests/search_terms.tsv. A glossary line added to includes/glossary.md
without a row there fails test_every_glossary_term_has_a_row, naming the line and the fix.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, article

# The browser, the server (conftest) and the result reader are the ones every browser test uses
# (browsing.py skips the whole module when Chromium or Playwright is missing, and so does this import).
from browsing import run_search, search_page, search_queries

TERMS = Path(__file__).parent / "search_terms.tsv"
GLOSSARY = ROOT / "includes" / "glossary.md"
KINDS = ("glossary", "name")
# Names the issue asks for by name (issue 17, "Search finds the new depth").
REQUIRED_NAMES = ("interpersonal theory of suicide", "UCLA Loneliness Scale", "Need to Belong Scale",
                  "temporal need-threat model", "sociometer theory")
GLOSSARY_LINE = re.compile(r"^\*\[([^\]]+)\]:")


def glossary_terms() -> dict[str, tuple[str, int]]:
    """{casefolded term: (term as first written, line number)} from includes/glossary.md."""
    terms: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(GLOSSARY.read_text(encoding="utf-8").splitlines(), 1):
        found = GLOSSARY_LINE.match(line)
        if found:
            terms.setdefault(found.group(1).casefold(), (found.group(1), number))
    return terms


def rows() -> list[tuple[str, list[str], str, int]]:
    """(term, expected pages, kind, line number) for every row of tests/search_terms.tsv."""
    out = []
    for number, line in enumerate(TERMS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        assert len(parts) == 3, (f"{TERMS.name}:{number}: expected 'term<TAB>page/|page/<TAB>glossary or name', "
                                 f"got {line!r}. Fix: separate the three columns with tabs.")
        term, pages, kind = (p.strip() for p in parts)
        assert kind in KINDS, f"{TERMS.name}:{number}: kind {kind!r} is not one of {KINDS}. Fix: write glossary or name."
        expected = [p for p in pages.split("|") if p]
        assert expected and all(p.endswith("/") and not p.startswith("/") for p in expected), (
            f"{TERMS.name}:{number}: pages {pages!r} must be site paths like clinicians/evidence-base/.")
        out.append((term, expected, kind, number))
    return out


def test_every_glossary_term_has_a_row():
    terms = glossary_terms()
    listed = {term.casefold(): number for term, _, kind, number in rows() if kind == "glossary"}
    missing = [f"includes/glossary.md:{line}: {term!r} has no row in tests/{TERMS.name}. Fix: add "
               f"'{term}<TAB><page that explains it>/<TAB>glossary'"
               for key, (term, line) in terms.items() if key not in listed]
    stale = [f"tests/{TERMS.name}:{number}: {key!r} is marked glossary but is not in includes/glossary.md. "
             f"Fix: mark it name, or remove the row" for key, number in listed.items() if key not in terms]
    assert not missing and not stale, "\n".join(missing + stale)
    assert len(terms) >= 40


def test_the_section_names_are_covered():
    names = [term for term, _, kind, _ in rows() if kind == "name"]
    assert len(names) >= 15, names
    every = [term for term, _, _, _ in rows()]      # a name that is also a glossary term has a glossary row
    assert not [n for n in REQUIRED_NAMES if n not in every], [n for n in REQUIRED_NAMES if n not in every]
    clinician = [t for t, pages, kind, _ in rows() if kind == "name" and all(p.startswith("clinicians/") for p in pages)]
    assert len(clinician) == len(names), "every name row should point into the clinician section"


def words(text: str) -> set[str]:
    """Lower-case words, with British -ise spellings folded into -ize (randomised = randomized)."""
    folded = re.sub(r"is(e|ed|es|ing|ation)\b", r"iz\1", text.casefold().replace("'s", ""))
    return set(re.findall(r"[a-z0-9]+", folded))


def test_expected_pages_exist_and_explain_the_term(site):
    """An expectation is only worth testing if the page is real and uses the term."""
    problems = []
    for term, expected, _, number in rows():
        for path in expected:
            page = site / path / "index.html"
            if not page.exists():
                problems.append(f"tests/{TERMS.name}:{number}: {path} is not a built page")
                continue
            text = words(article(page).get_text(" "))
            absent = sorted(w for w in words(term) if len(w) > 2 and w not in text)
            if absent:
                problems.append(f"tests/{TERMS.name}:{number}: /{path} never uses {absent} from {term!r}")
    assert not problems, "\n".join(problems)


def test_search_finds_each_term(browser, base_url):
    with search_page(browser, base_url) as page:
        misses, checked = [], 0
        for term, expected, kind, number in rows():
            found = [h.removeprefix(base_url) for h in run_search(page, term)][:3]
            accepted = expected
            checked += 1
            if not any(p in found for p in accepted):
                misses.append(f"tests/{TERMS.name}:{number}: {term!r} ({kind}): expected one of "
                              f"{['/' + p for p in accepted]} in the first three, got {['/' + p for p in found]}")
        assert checked == len(rows()) >= 60
        assert not misses, f"{len(misses)} of {checked} terms not found:\n" + "\n".join(misses)


# What readers type (tests/search_queries.tsv): the page they need among the first three results.

def test_search_table_covers_both_audiences():
    rows = search_queries()
    assert len(rows) >= 12
    assert sum(p.startswith("clinicians/") for _, p in rows) >= 5
    assert sum(not p.startswith("clinicians/") for _, p in rows) >= 5


def test_search_finds_what_readers_type(browser, base_url):
    with search_page(browser, base_url) as page:
        misses = []
        for query, expected in search_queries():
            hrefs = run_search(page, query)
            paths = [h.removeprefix(base_url) for h in hrefs]
            if expected not in paths[:3]:
                misses.append(f"{query!r}: expected /{expected} in the top three, got {paths[:5]}")
        assert not misses, "\n".join(misses)


# The index loads when the reader goes to search (docs/javascripts/search-on-demand.js), not with the page.

def index_requests(requests: list[str]) -> list[str]:
    return [u for u in requests if u.split("?")[0].endswith("/search/search_index.json")]


@pytest.mark.parametrize("how", ["tap", "slash key"])
def test_the_index_loads_only_when_the_reader_goes_to_search(browser, base_url, how):
    width = 375 if how == "tap" else 1280
    ctx = browser.new_context(viewport={"width": width, "height": 800}, has_touch=how == "tap")
    try:
        page = ctx.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base_url + "guide/why-rejection-hurts/", wait_until="networkidle")
        page.wait_for_timeout(500)
        assert not index_requests(requests), "the page fetched the search index before the reader went to search"
        if how == "tap":
            page.locator("label.md-header__button[for='__search']").first.tap()
        else:
            page.keyboard.press("/")
        page.locator("input.md-search__input").type("lonely", delay=20)
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
        assert len(index_requests(requests)) == 1, requests
    finally:
        ctx.close()


def test_a_search_link_loads_the_index_at_once(browser, base_url):
    """A shared search link (?q=) shows its results without a tap."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = ctx.new_page()
        page.goto(base_url + "?q=lonely")
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
    finally:
        ctx.close()
