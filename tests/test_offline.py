"""The offline edition (downloads/belonging-guide-offline.zip) browsed and searched from file:// in a real
browser, with nothing loaded from anywhere else."""
from __future__ import annotations

import re
import zipfile

from browsing import run_search


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
