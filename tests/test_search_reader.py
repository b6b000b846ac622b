"""Search answers the reader (issue 24). Every query in tests/search_reader_queries.tsv is typed into the
real search box (Debian Chromium, the built site from 127.0.0.1) and must bring its page first among the
result pages. A query holding a crisis phrase (includes/crisis-phrases.yml) shows the crisis card at the
top of the list, with the crisis lines as tap-to-call and tap-to-text links and the Get help now entry;
the card works from file:// in the offline edition too. Each result says whom its page is for.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import yaml

from browsing import run_search, search_page
from conftest import ROOT

QUERIES = Path(__file__).parent / "search_reader_queries.tsv"
PHRASES = ROOT / "includes" / "crisis-phrases.yml"
KINDS = ("client", "clinician", "crisis")
GET_HELP = "get-help-now/"
GLOSSARY = "glossary/"
# The card, when it is the first entry of the result list: its own link and the numbers it offers.
CARD = """() => {
  const card = document.querySelector('.md-search-result__list > li.crisis-card');
  if (!card || card !== card.parentNode.firstElementChild || !card.offsetHeight) return null;
  return {help: card.querySelector('a.crisis-card__link').href,
          numbers: [...card.querySelectorAll('a[href^="tel:"], a[href^="sms:"]')].map(a => a.getAttribute('href'))};
}"""


def rows() -> list[tuple[str, str, str, int]]:
    """(query, expected page, kind, line) for every row of tests/search_reader_queries.tsv."""
    out = []
    for number, line in enumerate(QUERIES.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("\t")]
        assert len(parts) == 3 and parts[2] in KINDS and parts[1].endswith("/"), (
            f"{QUERIES.name}:{number}: expected 'query<TAB>page/<TAB>{'|'.join(KINDS)}', got {line!r}")
        out.append((parts[0], parts[1], parts[2], number))
    return out


def normal(text: str) -> str:
    """The query as javascripts/wayfinding.js compares it: lower case, no apostrophes, single spaces."""
    text = re.sub(r"['\u2018\u2019`]", "", text.lower())
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text).split()) + " "


def is_crisis(query: str) -> bool:
    phrases = yaml.safe_load(PHRASES.read_text(encoding="utf-8"))["phrases"]
    return any(f" {phrase} " in normal(query) for phrase in phrases)


def test_the_query_list_covers_every_page(site):
    """At least three reader queries for each client page (and Get help now), 45 in all; 30 clinician
    queries; every crisis row holds a crisis phrase; every expected page is a built page."""
    table = rows()
    client_pages = sorted(f"guide/{p.stem}/".replace("guide/index/", "guide/")
                          for p in (ROOT / "docs" / "guide").glob("*.md")) + [GET_HELP]
    per_page = {page: sum(1 for _, exp, kind, _ in table if exp == page and kind == "client") for page in client_pages}
    thin = {page: n for page, n in per_page.items() if n < 3}
    assert not thin, f"client pages with fewer than 3 reader queries in {QUERIES.name}: {thin}"
    assert sum(1 for *_, kind, _ in table if kind == "client") >= 45
    assert sum(1 for *_, kind, _ in table if kind == "clinician") >= 30
    assert not [q for q, _, kind, _ in table if kind == "crisis" and not is_crisis(q)], "crisis rows need a phrase"
    missing = [f"{QUERIES.name}:{n}: /{exp} is not a built page" for _, exp, _, n in table
               if not (site / exp / "index.html").exists()]
    assert not missing, "\n".join(missing)


def test_every_query_brings_its_page_first(browser, base_url):
    with search_page(browser, base_url) as page:
        misses = []
        for query, expected, kind, number in rows():
            found = [h.removeprefix(base_url) for h in run_search(page, query)]
            card = page.evaluate(CARD)
            where = f"{QUERIES.name}:{number}: {query!r}"
            if is_crisis(query) != bool(card):
                misses.append(f"{where}: crisis card {'missing' if card is None else 'shown without a phrase'}")
                continue
            if card:   # the card is the Get help now entry at the top of the list
                if found[:1] != [GET_HELP] or not card["help"].endswith("/" + GET_HELP) or len(card["numbers"]) < 5:
                    misses.append(f"{where}: the card is not the first entry with the crisis lines: {card}, {found[:2]}")
                if kind != "crisis":
                    found = found[1:]
            if found[:1] != [expected]:
                misses.append(f"{where} ({kind}): expected /{expected} first, got {['/' + p for p in found[:4]]}")
            if GLOSSARY in found and (expected not in found or found.index(GLOSSARY) < found.index(expected)):
                misses.append(f"{where}: the Glossary ranks above /{expected}")
        assert not misses, f"{len(misses)} of {len(rows())} queries:\n" + "\n".join(misses)


def test_crisis_card_is_built_from_the_helplines(site):
    """crisis-data.js holds every phrase and the short list of crisis lines from includes/helplines.yml."""
    from scripts.hooks import helplines

    text = (site / "javascripts" / "crisis-data.js").read_text(encoding="utf-8")
    data = json.loads(text.split("=", 1)[1].strip().rstrip(";"))
    phrases = yaml.safe_load(PHRASES.read_text(encoding="utf-8"))["phrases"]
    assert sorted(set(phrases)) == data["phrases"]
    assert helplines.short_html(ROOT) in data["card"]
    assert re.findall(r'href="(tel:\d+|sms:\d+)', data["card"]), data["card"][:300]


def test_results_say_whom_each_page_is_for(browser, base_url):
    with search_page(browser, base_url) as page:
        run_search(page, "belonging")
        pages = page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item > .md-search-result__link')]
            .map(a => [a.href, [...a.querySelectorAll('.md-tag')].map(t => t.textContent.trim())])""")
    seen = {"guide/": set(), "clinicians/": set()}
    for href, tags in pages:
        path = href.removeprefix(base_url)
        assert tags and set(tags) <= {"For you", "For clinicians"}, (path, tags)
        for section in seen:
            if path.startswith(section):
                seen[section].update(tags)
    assert seen == {"guide/": {"For you"}, "clinicians/": {"For clinicians"}}, seen


def test_crisis_card_from_file_in_the_offline_edition(browser, site, tmp_path):
    with zipfile.ZipFile(site / "downloads" / "belonging-guide-offline.zip") as zf:
        zf.extractall(tmp_path)
    root = tmp_path / "belonging-guide"
    ctx = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((root / "guide" / "why-rejection-hurts.html").as_uri())
        found = run_search(page, "i want to end it all")
        card = page.evaluate(CARD)
        assert card and len(card["numbers"]) >= 5, card
        assert found[0] == card["help"] and card["help"].endswith("/get-help-now.html"), (found[:2], card)
        page.locator("li.crisis-card a.crisis-card__link").click()
        page.wait_for_load_state()
        assert page.url.endswith("/get-help-now.html") and page.locator("article h1").inner_text().startswith("Get help now")
        assert not errors, errors
    finally:
        ctx.close()
