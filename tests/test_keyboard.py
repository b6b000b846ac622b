"""The keyboard in a real browser: the skip link, focus never hidden under the sticky header, target
sizes, tooltips that open from the keyboard and close with Escape, reachable heading permalinks."""
from __future__ import annotations

import pytest

from browsing import GUIDE_PAGE, LONG_PAGE, TOOLTIP, WIDTHS, focused, skip_to_content, tab_to


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
