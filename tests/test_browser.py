"""The built guide in a real browser (Debian Chromium through Playwright), served from 127.0.0.1.

One browser for the session. Every content page is loaded at 375 and 1280 px wide in the light and
the dark palette: no console error, no failed request, no request to another host, no cookie, only
the theme's own localStorage keys, and zero axe-core violations (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA).
Then keyboard, search, offline, print and share checks. Screenshots of every page go to
screenshots/ (not when CI is set).
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import socketserver
import threading
import time
import zipfile
from pathlib import Path

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, content_pages

playwright_api = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

ARGS = CHROMIUM_ARGS
WIDTHS = (375, 1280)
SCHEMES = {"light": "default", "dark": "slate"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SHOTS = ROOT / "screenshots"
LONG_PAGE = "clinicians/evidence-base/"
GUIDE_PAGE = "guide/why-rejection-hurts/"
THEME_STORAGE = re.compile(r"^/.*\.__palette$")   # Material's palette choice, keyed by the site's base path

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)


# --- server and browser --------------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site):
    handler = functools.partial(_Quiet, directory=str(site))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


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


# --- the big pass: every page x width x palette ------------------------------------------------------

START_AXE = """opts => { window.__axe = axe.run(document, opts).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))
}))); }"""

STATE = """() => ({
  cookie: document.cookie,
  storage: Object.keys(localStorage),
  scheme: document.body.getAttribute('data-md-color-scheme'),
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
})"""


@pytest.fixture(scope="session")
def audit(browser, site, base_url):
    """Loads every content page in both palettes (one context each, run side by side) at both widths."""
    axe_script = axe_module.Axe().axe_script
    opts = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    shots = not os.environ.get("CI")
    if shots:
        SHOTS.mkdir(exist_ok=True)
    lanes = []
    for scheme in SCHEMES:
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        context.add_init_script(axe_script)
        page = context.new_page()
        lanes.append((scheme, context, page, Watch(page, base_url)))
    paths = [url_path(site, p) for p in content_pages(site)]
    result = {"violations": [], "problems": [], "storage": set(), "cookies": [], "schemes": [], "overflow": [],
              "pages": paths, "seconds": 0.0}
    started = time.monotonic()
    for path in paths:
        for width in WIDTHS:
            for scheme, context, page, watch in lanes:
                page.set_viewport_size({"width": width, "height": 900 if width > 400 else 740})
                page.goto(base_url + path, wait_until="load")
                page.evaluate(START_AXE, opts)           # axe runs in both lanes at once
            for scheme, context, page, watch in lanes:
                where = f"/{path} {scheme} {width}px"
                for v in page.evaluate("() => window.__axe"):
                    result["violations"].append(f"{where}: {v['id']} ({v['impact']}): {v['help']}\n    "
                                                + "\n    ".join(v["nodes"]))
                state = page.evaluate(STATE)
                result["storage"].update(state["storage"])
                if state["cookie"]:
                    result["cookies"].append(f"{where}: document.cookie = {state['cookie']!r}")
                if state["scheme"] != SCHEMES[scheme]:
                    result["schemes"].append(f"{where}: data-md-color-scheme={state['scheme']!r}")
                if state["overflow"] > 0:
                    result["overflow"].append(f"{where}: scrolls sideways by {state['overflow']} px")
                if shots:
                    name = (path.strip("/").replace("/", "--") or "home") + f"--{width}--{scheme}.png"
                    page.screenshot(path=str(SHOTS / name), full_page=True)
                if width == WIDTHS[0] and scheme == "light":   # WCAG 1.4.10: reflow at 320 CSS px
                    page.set_viewport_size({"width": 320, "height": 640})
                    page.wait_for_timeout(50)
                    state = page.evaluate(STATE)
                    if state["overflow"] > 0:
                        result["overflow"].append(f"/{path} 320px: scrolls sideways by {state['overflow']} px")
                result["problems"] += [f"{where}: {p}" for p in watch.take()]
    for scheme, context, page, watch in lanes:
        result["cookies"] += [f"{scheme}: cookie {c['name']}" for c in context.cookies()]
        context.close()
    result["seconds"] = time.monotonic() - started
    return result


def test_every_page_is_audited(audit, site):
    assert len(audit["pages"]) == len(content_pages(site)) >= 25


def test_pages_load_cleanly_from_this_server_only(audit):
    assert not audit["problems"], "\n".join(audit["problems"][:40])


def test_no_cookies_and_only_theme_storage(audit):
    assert not audit["cookies"], audit["cookies"]
    assert all(THEME_STORAGE.match(key) for key in audit["storage"]), sorted(audit["storage"])


def test_palettes_follow_the_reader_preference(audit):
    assert not audit["schemes"], audit["schemes"]


def test_axe_finds_no_violations(audit):
    assert not audit["violations"], f"{len(audit['violations'])} page views with violations:\n" + "\n".join(
        audit["violations"][:30])


def test_pages_reflow_without_sideways_scrolling(audit):
    assert not audit["overflow"], audit["overflow"]


# --- keyboard ------------------------------------------------------------------------------------------

@pytest.fixture()
def context(browser, base_url):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


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


@pytest.mark.parametrize("width", WIDTHS)
def test_skip_link_and_focus_never_hidden(context, base_url, width):
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(base_url + LONG_PAGE)
    skip_to_content(page)
    h1 = page.evaluate("() => document.querySelector('article h1').id")
    assert page.evaluate("() => location.hash") == f"#{h1}"
    page.keyboard.press("Tab")
    assert focused(page)["inArticle"], "Tab after the skip link does not land in the page content"
    seen = 0
    for _ in range(80):          # a sample of tab stops down the page (WCAG 2.4.7, 2.4.11)
        page.keyboard.press("Tab")
        f = focused(page)
        if f["tag"] == "BODY":
            break
        seen += 1
        where = f"{f['tag']} {f['text']!r} {f['href']}"
        assert f["visible"] and f["outline"], f"focus not visible on {where}"
        assert f["width"] > 0 and f["height"] > 0 and f["opacity"] > 0, f"focused element not shown: {where} {f}"
        if not f["inHeader"]:
            assert f["top"] >= f["headerBottom"] - 1, f"{where} is under the sticky header: {f}"
            assert f["bottom"] <= f["vh"] + 1 and f["top"] >= 0, f"{where} is off screen: {f}"
    assert seen >= 40


TARGETS = """() => [...document.querySelectorAll(
    '.md-header label, .md-header button, .md-header a, .md-header input, .md-top, .share-button')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
               && parseFloat(getComputedStyle(e).opacity) > 0 && getComputedStyle(e).pointerEvents !== 'none')
  .map(e => { const r = e.getBoundingClientRect(); return {what: e.outerHTML.slice(0, 80), w: r.width, h: r.height}; })
  .filter(b => b.w > 0 && b.h > 0)"""


def test_header_buttons_are_big_enough(browser, base_url):
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(base_url + GUIDE_PAGE)
            boxes = page.evaluate(TARGETS)
            assert len(boxes) >= 3, boxes
            small = [b for b in boxes if round(b["w"], 2) < 24 or round(b["h"], 2) < 24]
            assert not small, f"{width}px: targets under 24 x 24 px (WCAG 2.5.8): {small}"
            page.keyboard.press("/")                          # the search dialog, with a query typed
            page.keyboard.type("belong")
            page.wait_for_timeout(300)
            # measured once Material's transitions have ended (a box mid-transition measured 23.999998 px)
            page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
            boxes = page.evaluate(TARGETS)
            small = [b for b in boxes if round(b["w"], 2) < 24 or round(b["h"], 2) < 24]
            assert not small, f"{width}px, search open: targets under 24 x 24 px (WCAG 2.5.8): {small}"
    finally:
        ctx.close()


TOOLTIP = """() => [...document.querySelectorAll('.md-tooltip2--active, .md-tooltip--active')]
  .filter(t => { const s = getComputedStyle(t); return s.visibility !== 'hidden' && parseFloat(s.opacity) > 0; })
  .map(t => t.textContent.trim().slice(0, 80))"""


def tab_to(page, test: str, limit: int = 150) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return {test}; }}"):
            return focused(page)
    pytest.fail(f"no Tab stop matching {test}")


def test_tooltips_open_from_the_keyboard_and_close_with_escape(context, base_url):
    page = context.new_page()
    page.goto(base_url + GUIDE_PAGE)
    skip_to_content(page)
    checked = []
    for kind, test in (("glossary term", "el.tagName === 'ABBR'"),
                       ("citation", "el.classList.contains('footnote-ref')")):
        f = tab_to(page, test)
        page.wait_for_timeout(400)
        shown = page.evaluate(TOOLTIP)
        assert shown, f"focusing a {kind} ({f['text']!r}) shows no tooltip"
        assert f["visible"] and f["outline"], f"{kind} focus not visible"
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        assert not page.evaluate(TOOLTIP), f"Escape does not dismiss the {kind} tooltip"
        assert page.evaluate(f"() => {{ const el = document.activeElement; return {test}; }}"), "Escape moved focus"
        checked.append((kind, f["text"], shown[0][:40]))
    # the same term by hover: Escape dismisses it without moving the pointer
    page.keyboard.press("Tab")
    abbr = page.locator("article abbr").first
    abbr.scroll_into_view_if_needed()
    abbr.hover()
    page.wait_for_timeout(400)
    assert page.evaluate(TOOLTIP), "hovering a glossary term shows no tooltip"
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert not page.evaluate(TOOLTIP), "Escape does not dismiss a hovered tooltip"
    assert len(checked) == 2


def test_heading_permalinks_are_reachable_by_keyboard(context, base_url):
    page = context.new_page()
    page.goto(base_url + GUIDE_PAGE)
    skip_to_content(page)
    f = tab_to(page, "el.classList.contains('headerlink')")
    assert f["visible"] and f["outline"] and f["opacity"] > 0.5, f
    assert f["href"].startswith("#") and f["top"] >= f["headerBottom"] - 1, f
    assert page.evaluate("() => document.activeElement.getAttribute('title') || "
                         "document.activeElement.getAttribute('aria-label') || ''") or page.evaluate(
        "() => document.activeElement.getAttribute('aria-describedby')"), "permalink has no accessible label"


# --- share ---------------------------------------------------------------------------------------------

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


@pytest.mark.parametrize("mode", ["share", "copy"])
def test_share_button_shares_the_canonical_url(browser, base_url, site, mode):
    ctx = browser.new_context(viewport={"width": 375, "height": 740})
    ctx.add_init_script(f"window.__mode = {mode!r}; ({STUB})();")
    try:
        page = ctx.new_page()
        paths = [url_path(site, p) for p in content_pages(site)]
        shareable = [p for p in paths if p.startswith(("guide/", "clinicians/"))]
        assert len(shareable) >= 19
        for path in shareable if mode == "share" else shareable[:2]:
            page.goto(base_url + path)
            button = page.get_by_role("button", name="Share this page")
            assert button.count() == 1, f"/{path}: no share button"
            assert button.evaluate("b => !!b.closest('article') && b.getBoundingClientRect().height >= 24")
            button.click()
            page.wait_for_function("() => window.__shared.length > 0")
            shared = page.evaluate("() => window.__shared[0]")
            canonical = page.evaluate("() => document.querySelector('link[rel=canonical]').href")
            assert shared[0] == mode and shared[1] == canonical, (path, shared, canonical)
            assert canonical.endswith("/" + path) and not canonical.startswith(base_url)
            if mode == "copy":
                assert "Link copied" in page.locator(".share-status").inner_text()
        for path in ("", "get-help-now/", "references/"):
            page.goto(base_url + path)
            assert page.get_by_role("button", name="Share this page").count() == 0, f"/{path} has a share button"
    finally:
        ctx.close()


# --- search --------------------------------------------------------------------------------------------

def search_queries() -> list[tuple[str, str]]:
    rows = []
    for line in (Path(__file__).parent / "search_queries.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            query, expected = line.split("\t")
            rows.append((query.strip(), expected.strip()))
    return rows


def test_search_table_covers_both_audiences():
    rows = search_queries()
    assert len(rows) >= 12
    assert sum(p.startswith("clinicians/") for _, p in rows) >= 5
    assert sum(not p.startswith("clinicians/") for _, p in rows) >= 5


def run_search(page, query: str) -> list[str]:
    """Types a query into the real search box; returns the result pages (URLs without query or
    fragment, each page once), best first, once the list has stopped changing for 0.4 s: the worker
    answers each keystroke, so a list read earlier can be the answer to a half-typed query."""
    page.locator("label.md-header__button[for='__search']:visible, input.md-search__input:visible").first.click()
    box = page.locator("input.md-search__input")
    box.fill("")
    box.type(query, delay=5)
    page.wait_for_function(
        "() => /\\d+ matching|No matching/.test(document.querySelector('.md-search-result__meta').textContent)")
    page.wait_for_timeout(250)
    last, stable = None, 0
    for _ in range(60):
        now = page.evaluate("() => document.querySelector('.md-search-result').innerHTML")
        stable = stable + 1 if now == last else 0
        if stable >= 4:
            break
        last = now
        page.wait_for_timeout(100)
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


def test_search_finds_what_readers_type(browser, base_url):
    with search_page(browser, base_url) as page:
        misses = []
        for query, expected in search_queries():
            hrefs = run_search(page, query)
            paths = [h.removeprefix(base_url) for h in hrefs]
            if expected not in paths[:3]:
                misses.append(f"{query!r}: expected /{expected} in the top three, got {paths[:5]}")
        assert not misses, "\n".join(misses)


# --- offline edition -----------------------------------------------------------------------------------

def test_offline_zip_browses_and_searches_from_file(browser, site, tmp_path):
    bundle = site / "downloads" / "belonging-guide-offline.zip"
    assert bundle.exists(), "scripts/build/offline.py did not write the offline bundle"
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert not [n for n in names if n.lower().endswith(".pdf")], "the offline zip should not carry PDFs"
        zf.extractall(tmp_path)
    root = tmp_path / "belonging-guide"
    for page_file in root.rglob("*.html"):
        text = page_file.read_text(encoding="utf-8")
        assert not re.search(r"""<script[^>]+src=["']?(https?:)?//""", text), page_file
        assert not re.search(r"""<link[^>]+href=["']?(https?:)?//[^>]*stylesheet|<link[^>]+stylesheet[^>]*href=["']?(https?:)?//""",
                             text), page_file
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    left = []
    ctx.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
              else (left.append(route.request.url), route.abort()))
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto((root / "index.html").as_uri())
        page.locator(".md-sidebar--primary a.md-nav__link", has_text="Why rejection hurts").first.click()
        page.wait_for_url("**/guide/why-rejection-hurts.html")
        assert page.locator("article h1").inner_text().startswith("Why rejection hurts")
        page.locator(".md-sidebar--primary a.md-nav__link", has_text="The belongingness hypothesis").first.click()
        page.wait_for_url("**/clinicians/belongingness-hypothesis.html")
        hrefs = run_search(page, "satiation")
        assert hrefs and all(h.startswith("file://") for h in hrefs), hrefs
        assert any(h.endswith("/clinicians/belongingness-hypothesis.html") for h in hrefs[:3]), hrefs
        page.locator(".md-search-result__item > .md-search-result__link").first.click()
        page.wait_for_load_state()
        assert page.url.startswith("file://")
        assert not left, f"requests left file://: {left}"
        assert not errors, errors
    finally:
        ctx.close()


# --- print ---------------------------------------------------------------------------------------------

def test_print_view(context, base_url, tmp_path):
    page = context.new_page()
    page.goto(base_url + GUIDE_PAGE)
    if not page.locator("article details:not([open])").count():   # no collapsed block on the page: add one
        page.evaluate("""() => { const d = document.createElement('details');
          d.className = 'note'; d.innerHTML = '<summary>More</summary><p id="print-probe">Hidden until opened.</p>';
          document.querySelector('article h1').after(d); }""")
    page.evaluate("""() => { window.__openInPrint = null;
      addEventListener('beforeprint', () => { window.__openInPrint =
        [...document.querySelectorAll('article details')].every(d => d.open); }); }""")
    page.emulate_media(media="print")
    shown = page.evaluate("""() => {
      const on = sel => [...document.querySelectorAll(sel)].some(e => getComputedStyle(e).display !== 'none'
                                                                  && e.getBoundingClientRect().height > 0);
      const off = sel => [...document.querySelectorAll(sel)].every(e => getComputedStyle(e).display === 'none'
                                                                   || !e.closest('body'));
      const hidden = [...document.querySelectorAll('article details:not([open]) > :not(summary)')]
        .filter(e => e.getBoundingClientRect().height === 0);
      return {sidebar: off('.md-sidebar'), header: off('.md-header'), footer: off('.md-footer'),
              share: off('.share-page'), crisis: on('.crisis-help'), review: on('.page-review'),
              references: on('article .footnote'), detailsBody: hidden.length === 0};
    }""")
    assert shown == {k: True for k in shown}, shown
    pdf = page.pdf(path=str(tmp_path / "page.pdf"))
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    assert page.evaluate("() => window.__openInPrint") is not False, "collapsed details stayed closed in print"
    page.emulate_media(media="screen")


def test_pages_with_figures_are_audited(audit, site):
    """The figures (scripts/hooks/figures.py) are drawn into their pages: axe checks them on every audited page,
    in both schemes and at both widths. Every page that has one is among them."""
    with_figures = [url_path(site, p) for p in content_pages(site) if 'class="guide-figure"' in p.read_text(encoding="utf-8")]
    assert len(with_figures) >= 6, with_figures
    assert set(with_figures) <= set(audit["pages"]), set(with_figures) - set(audit["pages"])
