"""What the browser tests share (Debian Chromium through Playwright, the site served from 127.0.0.1 by
conftest's base_url): what a page must never do (Watch), keyboard focus, the share stub, the search box.
Importing this module skips the importing test module when Playwright or Chromium is missing."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT

playwright_api = pytest.importorskip("playwright.sync_api")

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

ARGS = CHROMIUM_ARGS
WIDTHS = (375, 1280)
SCHEMES = {"light": "default", "dark": "slate"}
SHOTS = ROOT / "screenshots"
LONG_PAGE = "clinicians/evidence-base/"
GUIDE_PAGE = "guide/why-rejection-hurts/"
THEME_STORAGE = re.compile(r"^/.*\.__palette$")   # Material's palette choice, keyed by the site's base path


def url_path(site: Path, page: Path) -> str:
    """'guide/why-rejection-hurts/' for site/guide/why-rejection-hurts/index.html; '' for the home page."""
    rel = page.relative_to(site).parent.as_posix()
    return "" if rel == "." else rel + "/"


class Watch:
    """Everything a page does that the guide promises it never does."""

    def __init__(self, page, base: str):
        self.base, self.problems = base, []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        page.on("request", self._request)

    def _request(self, request):
        if not (request.url.startswith(self.base) or request.url.startswith(("data:", "blob:", "about:"))):
            self.problems.append(f"request to another host: {request.url}")

    def take(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems


def focused(page) -> dict:
    return page.evaluate("""() => {
      document.getAnimations().forEach(a => { try { a.finish(); } catch (e) {} });   // end fade-ins now
      const el = document.activeElement, r = el.getBoundingClientRect(), s = getComputedStyle(el);
      const header = document.querySelector('.md-header').getBoundingClientRect();
      return {tag: el.tagName, cls: el.className && el.className.baseVal === undefined ? el.className : '',
              text: (el.textContent || '').trim().slice(0, 40), href: el.getAttribute('href'),
              top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height,
              headerBottom: header.bottom, visible: el.matches(':focus-visible'),
              outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
              opacity: parseFloat(s.opacity), inHeader: !!el.closest('.md-header, .md-banner'),
              inArticle: !!el.closest('article'), tooltip: el.getAttribute('aria-describedby'),
              vw: innerWidth, vh: innerHeight};
    }""")


def skip_to_content(page):
    page.keyboard.press("Tab")
    first = focused(page)
    assert "md-skip" in first["cls"], f"first Tab stop is not the skip link: {first}"
    assert first["visible"] and first["outline"] and first["width"] > 1 and first["top"] >= 0, first
    page.keyboard.press("Enter")


TOOLTIP = """() => [...document.querySelectorAll('.md-tooltip2--active, .md-tooltip--active')]
  .filter(t => { const s = getComputedStyle(t); return s.visibility !== 'hidden' && parseFloat(s.opacity) > 0; })
  .map(t => t.textContent.trim().slice(0, 80))"""


def tab_to(page, test: str, limit: int = 150) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return {test}; }}"):
            return focused(page)
    pytest.fail(f"no Tab stop matching {test}")


STUB = """() => {
  window.__shared = [];
  if (window.__mode === 'share') {
    navigator.share = data => { window.__shared.push(['share', data.url, data.title]); return Promise.resolve(); };
  } else {
    Object.defineProperty(navigator, 'share', {value: undefined, configurable: true});
    Object.defineProperty(navigator, 'clipboard', {value: {writeText: t => { window.__shared.push(['copy', t]);
      return Promise.resolve(); }}, configurable: true});
  }
}"""


def search_queries() -> list[tuple[str, str]]:
    rows = []
    for line in (Path(__file__).parent / "search_queries.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, expected = line.split("\t")
            rows.append((query.strip(), expected.strip()))
    return rows


def run_search(page, query: str) -> list[str]:
    """Types a query into the real search box; returns the result pages (URLs without query or fragment,
    each page once), best first. Material searches on keyup: the query goes in whole, its last character
    typed, so the worker answers that one query (not each half-typed one) and the list read is its answer.
    The result count line is blanked first and read once Material has written it again."""
    page.locator("label.md-header__button[for='__search']:visible, input.md-search__input:visible").first.click()
    box = page.locator("input.md-search__input")
    page.evaluate("() => { document.querySelector('.md-search-result__meta').textContent = ''; }")
    box.fill(query[:-1])
    box.press(query[-1] if query[-1] != " " else "Space")
    page.wait_for_function("""() => {
      const meta = document.querySelector('.md-search-result__meta').textContent;
      return /No matching/.test(meta) || (/\d+ matching/.test(meta) && document.querySelector('.md-search-result__item'));
    }""")
    hrefs = page.evaluate("""() => [...document.querySelectorAll('.md-search-result__item > .md-search-result__link')]
        .map(a => a.href.split('#')[0].split('?')[0])""")
    return list(dict.fromkeys(hrefs))


@contextlib.contextmanager
def search_page(browser, base_url):
    """The home page with search ready; on leaving, the page logged nothing it should not have and
    stored nothing but the theme's own key."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = ctx.new_page()
        watch = Watch(page, base_url)
        page.goto(base_url)
        page.wait_for_function("() => document.querySelector('.md-search-result__meta') !== null")
        yield page
        assert not watch.take()
        storage = page.evaluate("() => Object.keys(localStorage)")
        assert all(THEME_STORAGE.match(k) for k in storage), storage
    finally:
        ctx.close()
