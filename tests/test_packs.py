"""Reading packs (/packs/, issue 26) on a real build: the catalogue the hook writes, a pack made and
opened in Chromium through real nginx with the production CSP, crafted and stale links, the data file's
checks, the offline copy, the pack page's reading level and axe. The PDFs: test_pack_pdfs."""
from __future__ import annotations

import re
import urllib.parse
import zipfile
from pathlib import Path

import pytest
import yaml

from browsing import Watch
from conftest import ROOT, mkdocs_build, soup

from scripts.build.packs import catalogue
from scripts.checks import readability
from scripts.hooks import packs as packs_hook

PACKS = "packs/"


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


NO_STORAGE = """async () => ({
  cookie: document.cookie, local: Object.keys(localStorage), session: sessionStorage.length,
  idb: indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [],
})"""


def assert_nothing_kept(page):
    """No cookie, no IndexedDB, no session storage, and in localStorage only the theme's own palette key."""
    from browsing import THEME_STORAGE
    state = page.evaluate(NO_STORAGE)
    state["local"] = [key for key in state["local"] if not THEME_STORAGE.match(key)]
    assert state == {"cookie": "", "local": [], "session": 0, "idb": []}, state
    assert page.context.cookies() == []


# ---------------------------------------------------------------- the catalogue

def test_catalogue_comes_from_the_nav_pages_and_worksheets(site):
    data = catalogue(site)
    assert [g["title"] for g in data["groups"]][:2] == ["For you", "For clinicians"]
    from scripts.build.pdf import load_config
    from scripts.hooks.qr import nav_pages
    nav_you = [src for section, _title, src in nav_pages(load_config()["nav"]) if section == "For you"]
    assert data["groups"][0]["pages"] == [packs_hook.page_id(src) for src in nav_you]
    sheets = yaml.safe_load((ROOT / "includes" / "worksheets.yml").read_text(encoding="utf-8"))["worksheets"]
    for sheet in sheets:
        item = data["items"][f"worksheets~{sheet['slug']}"]
        assert item["title"] == sheet["title"] and (site / item["pdf"]).is_file()
        assert f"worksheets~{sheet['slug']}" in data["items"][packs_hook.page_id(sheet["page"])]["worksheets"]
    page = data["items"]["guide/why-rejection-hurts"]
    front = yaml.safe_load((ROOT / "docs/guide/why-rejection-hurts.md").read_text(encoding="utf-8").split("---")[1])
    assert page["title"] == front["title"] and page["description"] == front["description"]
    assert (site / page["pdf"]).is_file() and page["url"] == "guide/why-rejection-hurts/"
    built = soup(site / "guide/why-rejection-hurts/index.html")
    h2 = [h["id"] for h in built.select("article h2[id]") if h.find_parent(class_="cite-this-page") is None
          and "references-heading" not in (h.get("class") or [])]
    assert [s.split("~")[1] for s in page["sections"]] == [i for i in h2 if f"guide/why-rejection-hurts~{i}" in data["items"]]
    assert len(page["sections"]) >= 4
    assert "packs" not in data["items"] and "index" not in data["items"]
    assert data["packs_url"].endswith("/packs/") and data["limits"]["note"] == 300


def test_redirects_become_moved_ids():
    items = {"guide/why-rejection-hurts": {}}
    assert packs_hook.moved_ids({"guide/old-name.md": "guide/why-rejection-hurts.md",
                                 "guide/gone.md": "https://example.org/"}, items) == \
        {"guide/old-name": "guide/why-rejection-hurts"}


def test_only_packs_page_loads_the_pack_scripts(site):
    assert (site / "assets/javascripts/vendor/pdf-lib-1.17.1.min.js").is_file()
    scripts = [s["src"] for s in soup(site / "packs/index.html").select("script[src]")]
    assert any(s.endswith("javascripts/packs.js") for s in scripts)
    assert not any("pdf-lib" in s for s in scripts), "pdf-lib loads only when a PDF is asked for"
    for other in ("guide/why-rejection-hurts/index.html", "index.html", "handouts/index.html"):
        assert "packs.js" not in (site / other).read_text(encoding="utf-8"), other


# ---------------------------------------------------------------- the data file

def test_an_unknown_pack_item_stops_the_build_with_file_line_and_fix(project, tmp_path):
    path = project / "includes" / "packs.yml"
    text = path.read_text(encoding="utf-8")
    bad = text.replace("      - worksheets~one-real-question", "      - worksheets~one-real-questoin", 1)
    assert bad != text
    path.write_text(bad, encoding="utf-8")
    line = bad[:bad.index("worksheets~one-real-questoin")].count("\n") + 1
    result = mkdocs_build(project, tmp_path / "out")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert f"includes/packs.yml:{line}: pack 'belonging-at-work' names 'worksheets~one-real-questoin'" in out, out[-2000:]
    assert "Fix:" in out and "Traceback" not in out


# ---------------------------------------------------------------- in the browser, through nginx and the CSP

def open_builder(browser, base, width=1280, scheme="light", init: str = ""):
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 400 else 740},
                                  color_scheme=scheme, accept_downloads=True)
    if init:
        context.add_init_script(init)   # run by the browser itself, so the page's CSP does not apply
    page = context.new_page()
    watch = Watch(page, base)
    page.goto(base + PACKS)
    page.wait_for_selector("#pack-choices .pack-group")
    return context, page, watch


def choose(page, ids: list[str]):
    for item in ids:
        box = page.locator(f'input[data-id="{item}"]')
        if not box.is_visible():   # a section: open its page's section list first
            box.locator("xpath=ancestor::details[1]/summary").click()
        box.check()


ROUND_TRIP = ["worksheets~when-rejection-stings", "guide/building-belonging~know-your-values",
              "clinicians/treatment-planning", "guide/why-rejection-hurts"]
NOTE = "See you on Tuesday. Read the first one <b>before</b> then & bring the sheet."


def test_a_pack_round_trips(browser, base, site):
    data = catalogue(site)
    context, page, watch = open_builder(browser, base)
    try:
        choose(page, ROUND_TRIP)
        page.locator("#pack-note").fill(NOTE)
        titles = [squash(t) for t in page.locator("#pack-chosen .pack-chosen__title").all_inner_texts()]
        assert [t.split(": ", 1)[-1] for t in titles] == [data["items"][i]["title"] for i in ROUND_TRIP]
        link = page.input_value("#pack-link")
        assert link.startswith(data["packs_url"] + "#i=")
        fragment = link.split("#", 1)[1]
        assert fragment.split("&")[0] == "i=" + ",".join(ROUND_TRIP)
        assert page.locator("#pack-qr svg[role=img] path").get_attribute("d").count("h1v1") > 200
        assert_nothing_kept(page)

        view = context.new_page()
        view_watch = Watch(view, base)
        view.goto(base + PACKS + "#" + fragment)
        view.wait_for_selector("#pack-view:not([hidden])")
        assert view.locator("h1").evaluate("h => h.firstChild.textContent") == data["cover"]["title"]
        assert view.locator("h1 .headerlink").is_hidden()
        assert view.title().startswith(data["cover"]["title"])
        links = view.locator("#pack-view-list > li > a")
        assert links.count() == len(ROUND_TRIP)
        for index, item in enumerate(ROUND_TRIP):
            expected = data["items"][item]
            assert links.nth(index).inner_text() == expected["title"]
            assert links.nth(index).get_attribute("href") == base + expected["url"]
            assert expected["description"] in view.locator("#pack-view-list > li").nth(index).inner_text()
        assert view.locator("#pack-view-note-text").inner_text() == NOTE
        assert view.locator("#pack-view-note-text b").count() == 0
        assert view.locator("#pack-view .crisis-help").is_visible()
        assert view.locator("#pack-builder").is_hidden() and view.locator("#pack-view-problems").is_hidden()
        assert view.locator(".share-page").is_hidden()
        for y in (600, 1400, 0, 900):   # Material's navigation.tracking rewrites the #fragment on scroll
            view.mouse.wheel(0, y - view.evaluate("scrollY"))
            view.wait_for_timeout(700)
        assert view.evaluate("location.hash") == "#" + fragment
        view.reload()
        view.wait_for_selector("#pack-view:not([hidden])")
        assert view.locator("#pack-view-list > li > a").count() == len(ROUND_TRIP)
        view.locator("#pack-view-list a").first.click()
        view.wait_for_load_state()
        assert view.url == base + data["items"][ROUND_TRIP[0]]["url"]
        assert_nothing_kept(view)
        assert watch.take() == [] and view_watch.take() == []
    finally:
        context.close()


def test_keyboard_builds_a_pack(browser, base):
    context, page, watch = open_builder(browser, base, width=375)
    try:
        page.locator('input[data-id="guide/why-rejection-hurts"]').focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")                      # its worksheet
        page.keyboard.press("Space")
        assert page.locator("#pack-chosen li").count() == 2
        page.locator("#pack-chosen li").nth(1).get_by_role("button", name=re.compile("^Move up")).focus()
        page.keyboard.press("Enter")
        first = page.locator("#pack-chosen .pack-chosen__title").first.inner_text()
        assert first.startswith("Worksheet:"), first
        assert page.evaluate("() => document.activeElement.getAttribute('aria-label')").startswith("Move down")
        assert "now number 1" in page.locator("#pack-status").inner_text(timeout=2000) or True
        page.wait_for_function("() => document.getElementById('pack-status').textContent.includes('now number 1')")
        assert watch.take() == []
    finally:
        context.close()


def crafted_view(browser, base, fragment: str):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    context.add_init_script("""window.__ran = false; window.alert = () => { window.__ran = true; };
      (() => { let kept; Object.defineProperty(window, 'BELONGING_PACKS', { configurable: true,
        get: () => kept, set: v => { v.moved['guide/an-old-name'] = 'guide/why-rejection-hurts'; kept = v; } }); })();""")
    page = context.new_page()
    watch = Watch(page, base)
    page.goto(base + PACKS + "#" + fragment)
    page.wait_for_selector("#pack-view:not([hidden])")
    return context, page, watch


def view_state(page) -> dict:
    return page.evaluate("""() => ({
      titles: [...document.querySelectorAll('#pack-view-list > li > a')].map(a => a.textContent),
      hrefs: [...document.querySelectorAll('#pack-view-list > li > a')].map(a => a.getAttribute('href')),
      note: document.getElementById('pack-view-note-text').textContent,
      noteShown: !document.getElementById('pack-view-note').hidden,
      problems: document.getElementById('pack-view-problems').hidden ? '' : document.getElementById('pack-view-problems').textContent,
      empty: !document.getElementById('pack-view-empty').hidden,
      injected: document.querySelectorAll('#pack-view img, #pack-view script, #pack-view iframe, #pack-view [onerror], #pack-view [onclick]').length,
      ran: window.__ran,
    })""")


def test_crafted_and_stale_links_show_what_they_can(browser, base, site):
    data = catalogue(site)
    title = data["items"]["guide/why-rejection-hurts"]["title"]
    evil = urllib.parse.quote('<img src=x onerror="alert(1)"><script>alert(2)</script>', safe="")
    cases = {
        "unknown": ("i=guide/why-rejection-hurts,guide/no-such-page,worksheets~nope,javascript:alert(1)", ),
        "moved": ("i=guide/an-old-name,guide/an-old-name~a-need-to-belong", ),
        "html-note": ("i=guide/why-rejection-hurts&n=" + evil, ),
        "long-note": ("i=guide/why-rejection-hurts&n=" + "a%20" * 400, ),
        "bad-escape": ("i=guide/why-rejection-hurts&n=100%25%20sure%E0%A4%A", ),
        "too-long": ("i=guide/why-rejection-hurts," + ",".join(f"guide/x{i}" for i in range(900)), ),
        "nothing-known": ("i=guide/gone,%3Cscript%3E", ),
        "gone-heading": ("i=guide/why-rejection-hurts~a-heading-since-renamed", ),
    }
    seen = {}
    for name, (fragment,) in cases.items():
        context, page, watch = crafted_view(browser, base, fragment)
        try:
            seen[name] = view_state(page)
            assert seen[name]["injected"] == 0 and seen[name]["ran"] is False, (name, seen[name])
            assert watch.take() == [], name
        finally:
            context.close()
    # worksheets~nope: no such worksheet, so the worksheets page it would have been on
    assert seen["unknown"]["titles"] == [title, data["items"]["worksheets"]["title"]]
    assert "asked for 2 things we could not find" in seen["unknown"]["problems"]
    assert seen["moved"]["titles"] == [title, data["items"]["guide/why-rejection-hurts~a-need-to-belong"]["title"]]
    assert seen["moved"]["hrefs"][0] == base + "guide/why-rejection-hurts/"
    assert "2 pages or parts of pages have moved" in seen["moved"]["problems"]
    assert seen["gone-heading"]["titles"] == [title] and "1 page or part of a page has moved" in seen["gone-heading"]["problems"]
    assert seen["html-note"]["note"] == '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    assert seen["html-note"]["titles"] == [title] and seen["html-note"]["problems"] == ""
    assert len(seen["long-note"]["note"]) == data["limits"]["note"]
    assert "note was too long" in seen["long-note"]["problems"]
    assert seen["bad-escape"]["titles"] == [title] and seen["bad-escape"]["noteShown"]
    assert seen["too-long"]["titles"] == [title]
    assert "too long" in seen["too-long"]["problems"] and "could not find" in seen["too-long"]["problems"]
    assert seen["nothing-known"]["titles"] == [] and seen["nothing-known"]["empty"]


def test_pack_view_reads_at_grade_six(browser, base, site):
    data = catalogue(site)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        for pack in data["packs"]:
            page.goto(base + PACKS + "#" + pack["fragment"])
            page.wait_for_selector("#pack-view:not([hidden])")
            html = page.evaluate("() => document.getElementById('pack-view').outerHTML")
            result = readability.measure(html)
            assert result["grade"] <= 6.0, (pack["slug"], result)
            assert not result["long_paragraphs"], (pack["slug"], result)
            assert len(pack["note"]) <= data["limits"]["note"]
            texts = page.locator("#pack-view-list > li > a").all_inner_texts()
            assert texts == [data["items"][i]["title"] for i in pack["items"]]
            assert page.locator("#pack-view-note-text").inner_text() == squash(pack["note"])
    finally:
        context.close()


# ---------------------------------------------------------------- offline copy

def test_offline_copy_makes_links_and_says_what_the_pdf_button_does(browser, site, tmp_path):
    with zipfile.ZipFile(site / "downloads" / "belonging-guide-offline.zip") as zf:
        zf.extractall(tmp_path)
    root = tmp_path / "belonging-guide"
    data = catalogue(root)
    assert data["items"]["guide/why-rejection-hurts"]["url"] == "guide/why-rejection-hurts.html"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: r.url.startswith(("file:", "data:", "blob:", "about:")) or errors.append(r.url))
        page.goto((root / "packs.html").as_uri())
        page.wait_for_selector("#pack-choices .pack-group")
        choose(page, ["guide/why-rejection-hurts"])
        assert page.locator("#pack-pdf").is_hidden() and page.locator("#pack-pdf-offline").is_visible()
        fragment = page.input_value("#pack-link").split("#", 1)[1]
        page.goto((root / "packs.html").as_uri() + "#" + fragment)
        page.wait_for_selector("#pack-view:not([hidden])")
        href = page.locator("#pack-view-list a").first.get_attribute("href")
        assert href == (root / "guide/why-rejection-hurts.html").as_uri()
        assert errors == []
    finally:
        context.close()


# ---------------------------------------------------------------- accessibility and screenshots

def test_packs_axe_clean_in_both_schemes_at_both_widths(browser, base):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    from browsing import SHOTS
    from test_browser import AXE_TAGS, START_AXE
    import os
    shots = Path(os.environ.get("PACKS_SHOTS") or SHOTS)
    if not os.environ.get("CI"):
        shots.mkdir(parents=True, exist_ok=True)
    opts = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    violations = []
    for scheme in ("light", "dark"):
        for width in (375, 1280):
            context, page, watch = open_builder(browser, base, width=width, scheme=scheme, init=axe_module.Axe().axe_script)
            try:
                choose(page, ["guide/why-rejection-hurts", "worksheets~when-rejection-stings",
                              "guide/building-belonging~know-your-values"])
                page.locator("#pack-note").fill("Read these before we meet again.")
                views = {"builder": None, "view": page.input_value("#pack-link").split("#", 1)[1]}
                for name, fragment in views.items():
                    if fragment:
                        page.goto(base + PACKS + "#" + fragment)
                        page.wait_for_selector("#pack-view:not([hidden])")
                    page.wait_for_timeout(400)   # Material fades the header title in: measure what stays, not the fade
                    page.evaluate("() => document.getAnimations().forEach(a => { try { a.finish(); } catch (e) {} })")
                    page.evaluate(START_AXE, opts)
                    for v in page.evaluate("() => window.__axe"):
                        violations.append(f"{name} {scheme} {width}px: {v['id']}: {v['help']} {v['nodes']}")
                    if not os.environ.get("CI"):
                        page.screenshot(path=str(shots / f"packs-{name}--{width}--{scheme}.png"), full_page=name == "view")
                assert watch.take() == []
            finally:
                context.close()
    assert violations == []
