"""Share and print in a real browser: the share button shares (or copies) the canonical URL and shows the
page's QR code; a section's permalink copies its published link; every client heading has one; the print
view hides the site's chrome, keeps the crisis box, review line and references, and opens collapsed blocks."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from browsing import GUIDE_PAGE, STUB, Watch, url_path
from conftest import ROOT, content_pages, soup


@contextmanager
def sharing_page(browser, base: str, mode: str, width: int):
    """The guide page at `width` px, with navigator.share / the clipboard recorded in window.__shared."""
    context = browser.new_context(viewport={"width": width, "height": 740 if width < 600 else 900})
    context.add_init_script(f"window.__mode = {mode!r}; ({STUB})();")
    try:
        page = context.new_page()
        watch = Watch(page, base)
        page.goto(base + GUIDE_PAGE)
        yield page
        assert watch.take() == []
    finally:
        context.close()


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


def test_every_section_heading_on_client_pages_has_a_copyable_link(site):
    """Every ## / ### heading written in a client page's Markdown carries Material's permalink in the build."""
    checked = 0
    for source in sorted((ROOT / "docs" / "guide").glob("*.md")):
        ids = re.findall(r"^#{2,3} .*\{[^}]*#([a-z0-9-]+)[^}]*\}\s*$", source.read_text(encoding="utf-8"), re.M)
        slug = source.stem if source.stem != "index" else ""
        built = soup(site / "guide" / slug / "index.html")
        for anchor in ids:
            heading = built.find(id=anchor)
            link = heading.select_one("a.headerlink") if heading else None
            assert link is not None and link["href"] == "#" + anchor, (source.name, anchor)
            assert link.get("title") == "Copy link to this section"
            checked += 1
    assert checked >= 50


@pytest.mark.parametrize("mode", ["share", "copy"])
def test_share_this_page_shows_the_page_qr_code(browser, base, mode):
    with sharing_page(browser, base, mode, 375) as page:
        qr_box = page.locator(".share-page .share-qr")
        assert qr_box.count() == 1 and qr_box.is_hidden()
        button = page.get_by_role("button", name="Share this page")
        assert button.get_attribute("aria-expanded") == "false"
        button.click()
        page.wait_for_function("() => window.__shared.length > 0")
        assert qr_box.is_visible() and button.get_attribute("aria-expanded") == "true"
        svg = qr_box.locator("svg")
        canonical = page.evaluate("() => document.querySelector('link[rel=canonical]').href")
        assert canonical in svg.locator("title").text_content()
        box = svg.bounding_box()
        assert box["width"] >= 120 and box["height"] >= 120
        assert page.evaluate("() => window.__shared[0][1]") == canonical


def test_a_section_permalink_copies_the_sections_published_link(browser, base):
    with sharing_page(browser, base, "copy", 1280) as page:
        heading = page.locator("article h2[id]").first
        anchor = heading.get_attribute("id")
        heading.locator("a.headerlink").click(force=True)
        page.wait_for_function("() => window.__shared.length > 0")
        canonical = page.evaluate("() => document.querySelector('link[rel=canonical]').href")
        assert page.evaluate("() => window.__shared[0]") == ["copy", canonical + "#" + anchor]
        assert "Link to this section copied" in page.locator(".share-status").inner_text()
