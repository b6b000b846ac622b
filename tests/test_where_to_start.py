"""Where to start (/guide/where-to-start/): a few plain questions, answered in the browser, lead to two or
three pages and one worksheet; "I'm thinking of harming myself" puts the crisis lines first. Nothing is
sent or stored. Without JavaScript the same routes show as a plain list. The routes live in
includes/routes.yml, and a route naming a page or worksheet that does not exist stops the build with the
file and line.
"""
from __future__ import annotations

import pytest
import yaml

from browsing import SCHEMES, THEME_STORAGE, Watch
from conftest import ROOT, mkdocs_build

PAGE = "guide/where-to-start/"
ROUTES = ROOT / "includes" / "routes.yml"
STORED = """async () => ({
  cookie: document.cookie, local: Object.keys(localStorage), session: sessionStorage.length,
  idb: indexedDB.databases ? (await indexedDB.databases()).length : 0,
})"""


def nothing_stored(page) -> None:
    """No cookie, no session storage, no IndexedDB; local storage holds at most the theme's own palette key."""
    stored = page.evaluate(STORED)
    assert stored["cookie"] == "" and stored["session"] == 0 and stored["idb"] == 0, stored
    assert all(THEME_STORAGE.match(key) for key in stored["local"]), stored
RESULT_LINKS = """() => [...document.querySelectorAll('.where-to-start-result__body a')]
  .filter(a => a.offsetParent !== null).map(a => a.href)"""


def routes() -> dict:
    return yaml.safe_load(ROUTES.read_text(encoding="utf-8"))


def test_answers_lead_to_pages_and_a_worksheet(browser, base_url):
    ctx = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = ctx.new_page()
        watch = Watch(page, base_url)
        page.goto(base_url + PAGE, wait_until="networkidle")
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        assert page.locator("form.where-to-start").is_visible()
        assert not page.locator(".where-to-start-routes").is_visible()
        for route in routes()["happening"]:
            page.get_by_label(route["answer"], exact=True).check()
            links = page.evaluate(RESULT_LINKS)
            pages = [h for h in links if "/worksheets/" not in h]
            sheets = [h for h in links if "/worksheets/#" in h]
            assert 2 <= len(pages) <= 3 and len(sheets) == 1, (route["id"], links)
            assert sheets[0].endswith("#" + route["worksheet"]), (route["id"], sheets)
        page.get_by_label("A few months or longer.", exact=True).check()
        assert any(h.endswith("/guide/getting-support/") for h in page.evaluate(RESULT_LINKS))
        page.get_by_role("button", name="Show my pages").click()
        assert page.evaluate("() => document.activeElement.id") == "your-pages"
        assert not requests, f"answering sent requests: {requests}"
        nothing_stored(page)
        assert not watch.take()
    finally:
        ctx.close()


def test_harming_myself_shows_crisis_help_first(browser, base_url):
    ctx = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = ctx.new_page()
        page.goto(base_url + PAGE)
        page.get_by_label("Someone died, or I lost someone close.", exact=True).check()
        page.get_by_label("I'm thinking of harming myself.", exact=True).check()
        first = page.locator(".where-to-start-result__body > li").first
        assert first.get_attribute("data-crisis") is not None
        numbers = first.locator('a[href^="tel:"], a[href^="sms:"]')
        assert numbers.count() >= 5
        assert first.locator("a", has_text="Get help now").get_attribute("href").endswith("get-help-now/")
        nothing_stored(page)
    finally:
        ctx.close()


def test_without_javascript_the_routes_are_a_plain_list(browser, base_url):
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(base_url + PAGE)
        assert not page.locator("form.where-to-start").is_visible()
        items = page.locator(".where-to-start-routes [data-route]")
        data = routes()
        expected = [a["id"] for q in ("happening", "how-long", "feeling") for a in data[q] if a.get("if")]
        assert [items.nth(i).get_attribute("data-route") for i in range(items.count())] == expected
        assert page.locator(".where-to-start-routes").is_visible()
        assert page.locator('.where-to-start-routes a[href^="tel:"]').count() >= 5
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_axe_violations_with_answers_shown(browser, base_url, scheme):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    ctx = browser.new_context(color_scheme=scheme, viewport={"width": 375, "height": 740})
    ctx.add_init_script(axe_module.Axe().axe_script)
    try:
        page = ctx.new_page()
        page.goto(base_url + PAGE)
        page.get_by_label("I feel alone at work.", exact=True).check()
        page.get_by_label("I'm thinking of harming myself.", exact=True).check()
        problems = []
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 740 if width < 400 else 900})
            # Checking an answer scrolls, and Material fades the page title into the header: measure what
            # stays on screen, not the fade (as test_packs does).
            page.wait_for_timeout(400)
            page.evaluate("() => document.getAnimations().forEach(a => { try { a.finish(); } catch (e) {} })")
            violations = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))""")
            problems += [f"{scheme} {width}px: {v}" for v in violations]
        assert not problems, "\n".join(problems)
    finally:
        ctx.close()


def test_a_bad_route_stops_the_build_with_file_and_line(project, tmp_path):
    path = project / "includes" / "routes.yml"
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index("    worksheet: when-rejection-stings") + 1
    path.write_text(text.replace("pages: [guide/why-rejection-hurts.md, guide/reconnecting",
                                 "pages: [guide/no-such-page.md, guide/reconnecting", 1), encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "out")
    assert result.returncode != 0
    assert "includes/routes.yml:" in result.stderr and "guide/no-such-page.md" in result.stderr, result.stderr[-800:]
    assert "Traceback" not in result.stderr
    path.write_text(text.replace("    worksheet: when-rejection-stings", "    worksheet: no-such-sheet"), encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "out2")
    assert f"includes/routes.yml:{line - 4}: worksheet 'no-such-sheet'" in result.stderr, result.stderr[-800:]
