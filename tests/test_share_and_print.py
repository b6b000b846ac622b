"""Share and print in a real browser: the share button shares (or copies) the canonical URL; the print
view hides the site's chrome, keeps the crisis box, review line and references, and opens collapsed blocks."""
from __future__ import annotations

import pytest

from browsing import GUIDE_PAGE, STUB, url_path
from conftest import content_pages


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
