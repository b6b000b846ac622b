"""The built guide in a real browser (Debian Chromium through Playwright), served from 127.0.0.1.

One browser for the session. Every content page is loaded at 375 and 1280 px wide in the light and
the dark palette: no console error, no failed request, no request to another host, no cookie, only
the theme's own localStorage keys, and zero axe-core violations (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA).
Screenshots of every page go to screenshots/ (not when CI is set). Keyboard, share and print checks are
in test_keyboard.py and test_share_and_print.py, search in test_search.py, the offline zip in test_offline.py.
"""
from __future__ import annotations

import os
import time

import pytest

from browsing import SCHEMES, SHOTS, THEME_STORAGE, WIDTHS, Watch, url_path
from conftest import content_pages

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


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
                if width == WIDTHS[0]:   # each page loads once per palette; the wider layout is a resize away
                    page.goto(base_url + path, wait_until="load")
                else:   # the header's search box eases into its wide style: measure where it ends
                    page.wait_for_timeout(50)
                    page.evaluate("() => document.getAnimations().forEach(a => { try { a.finish(); } catch (e) {} })")
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


def test_pages_with_figures_are_audited(audit, site):
    """The figures (scripts/markdown/figures.py) are drawn into their pages: axe checks them on every audited page,
    in both schemes and at both widths. Every page that has one is among them."""
    with_figures = [url_path(site, p) for p in content_pages(site) if 'class="guide-figure"' in p.read_text(encoding="utf-8")]
    assert len(with_figures) >= 6, with_figures
    assert set(with_figures) <= set(audit["pages"]), set(with_figures) - set(audit["pages"])
