"""Reading packs, the MkDocs hook half: the catalogue /packs/ chooses from, and the ready-made packs.

- The catalogue: every page of the nav's "For you" and "For clinicians" sections and the other pages
  (not the home page or /packs/ itself), each page's H2 sections (their ids and titles, from the page's
  table of contents), and each worksheet (includes/worksheets.yml, under its page). It is written after
  the build as SITE_DIR/javascripts/packs-catalogue.js (a script, not JSON, so the offline copy reads
  it from file:// too), with the redirects of mkdocs.yml (a moved page's old id opens the new one),
  the ready-made packs and the limits docs/javascripts/packs.js enforces. One fact, one home: titles
  and descriptions come from the pages' front matter, handout names from scripts/hooks/qr.py, worksheet
  PDFs from scripts/hooks/worksheets.py.
- Item ids are site paths: a page's URL without the trailing slash (guide/why-rejection-hurts), a
  section page~heading-id, a worksheet worksheets~slug (its anchor on /worksheets/).
- includes/packs.yml: the ready-made packs. Each item must be in the catalogue; a wrong one stops the
  build with the file, the line and the fix. <!-- packs:list --> (on /packs/ and /handouts/) becomes
  their list: each pack's link and its PDF (scripts/build/packs.py makes the PDFs after the build).
- On /packs/, <!-- packs:crisis --> becomes the crisis box client pages carry (scripts/hooks/helplines.py),
  and page.meta["packs_scripts"] / ["packs_styles"] tell overrides/main.html what the page loads.
"""
from __future__ import annotations

import html as htmllib
import json
import posixpath
import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError

from scripts.checks import readability
from scripts.hooks import helplines, pages, qr, worksheets

DATA = Path("includes") / "packs.yml"
PACKS_PAGE = "packs.md"
CATALOGUE = "javascripts/packs-catalogue.js"
PDF_DIR = "pdf/packs"
LIST_MARKER = "<!-- packs:list -->"
CRISIS_MARKER = "<!-- packs:crisis -->"
LIMITS = {"note": 300, "items": 40, "fragment": 2000}
# The vendored libraries (overrides/assets/javascripts/vendor/README.txt says where they come from). pdf-lib is
# loaded only when "Make the PDF" is pressed, so a client opening a pack never downloads it.
QR_LIB = "assets/javascripts/vendor/qrcode-generator-2.0.4.js"
PDF_LIB = "assets/javascripts/vendor/pdf-lib-1.17.1.min.js"
SCRIPTS = (CATALOGUE, QR_LIB, "javascripts/packs-pdf.js", "javascripts/packs.js")
STYLES = ("stylesheets/packs.css",)
# The pack page's title and the cover's words: the browser's cover (docs/javascripts/packs.js) and the
# ready-made packs' covers (scripts/build/packs.py) both read them from the catalogue.
COVER = {
    "title": "Pages picked for you",
    "note": "A note from the person who gave you this pack",
    "contents": "In this pack",
    "qr": "Scan this code to open the pack online, with links to every page.",
}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
GROUPS = ("For you", "For clinicians")
OTHER = "Other pages"
SKIP = ("index.md", PACKS_PAGE)

_STATE: dict = {}


class PackError(Exception):
    pass


def page_id(src: str) -> str:
    """guide/why-rejection-hurts.md -> guide/why-rejection-hurts; guide/index.md -> guide."""
    path = src.removesuffix(".md")
    return path.removesuffix("/index") if path.endswith("/index") else path


def worksheet_id(sheet: dict) -> str:
    return f"worksheets~{sheet['slug']}"


def _line(text: str, needle: str, after: str = "") -> int:
    pos = text.find(needle, max(0, text.find(after)) if after else 0)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def load(root: Path) -> tuple[dict, str]:
    """includes/packs.yml, its shape checked (its items are checked against the catalogue later)."""
    path = root / DATA
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}

    def fail(needle: str, message: str):
        raise PackError(f"{DATA}:{_line(text, needle)}: {message}")

    seen: set[str] = set()
    packs = data.get("packs")
    if not isinstance(packs, list) or not packs:
        fail("packs:", "no packs. Fix: add at least one under 'packs:' (see the top of the file).")
    for pack in packs:
        slug = str(pack.get("slug", ""))
        if not SLUG.match(slug) or slug in seen:
            fail(f"slug: {slug}", f"slug '{slug}' is empty, used twice or not lowercase-words-with-hyphens. Fix: give the pack its own slug.")
        seen.add(slug)
        for key in ("title", "description", "note", "items"):
            if not pack.get(key):
                fail(f"slug: {slug}", f"pack '{slug}' has no '{key}'. Fix: add it (see the top of the file).")
        if len(str(pack["note"])) > LIMITS["note"]:
            fail(f"slug: {slug}", f"pack '{slug}': the note is over {LIMITS['note']} characters. Fix: shorten it.")
        plain = readability.measure(f"<p>{htmllib.escape(str(pack['note']))}</p>")   # clients read it
        if plain["grade"] > pages.MAX_GRADE or plain["long_paragraphs"]:
            fail(f"slug: {slug}", f"pack '{slug}': the note reads at grade {plain['grade']:.1f} in "
                 f"{plain['sentences']} sentences. Fix: at most three short sentences in plain words "
                 f"(grade {pages.MAX_GRADE:.0f} or lower).")
        if not isinstance(pack["items"], list) or len(pack["items"]) > LIMITS["items"]:
            fail(f"slug: {slug}", f"pack '{slug}': 'items' must be a list of at most {LIMITS['items']}. Fix: list the ids.")
    return data, text


def check(data: dict, text: str, known) -> None:
    """Every item of every ready-made pack is something the guide has (known: a set of ids, or a
    function saying whether an id is known)."""
    has = known if callable(known) else known.__contains__
    for pack in data["packs"]:
        for item in pack["items"]:
            if not has(str(item)):
                line = _line(text, f"- {item}", f"slug: {pack['slug']}")
                raise PackError(
                    f"{DATA}:{line}: pack '{pack['slug']}' names '{item}', which is not a page, "
                    f"section or worksheet of the guide. Fix: use a page's path (guide/why-rejection-hurts), a section "
                    f"(guide/why-rejection-hurts~a-need-to-belong, the heading's id) or a worksheet "
                    f"(worksheets~one-small-step, its slug in includes/worksheets.yml).")


def moved_ids(redirect_maps: dict, items: dict) -> dict[str, str]:
    """mkdocs.yml's redirects (old.md: new.md) as ids: a link naming a moved page opens the new one."""
    return {page_id(old): page_id(new) for old, new in (redirect_maps or {}).items()
            if str(new).endswith(".md") and page_id(new) in items}


def pack_fragment(ids: list[str], note: str) -> str:
    from urllib.parse import quote_plus
    return "i=" + ",".join(ids) + ("&n=" + quote_plus(note, safe="") if note else "")   # as packs.js writes it


def pdf_name(pack: dict) -> str:
    return f"{pack['slug']}.pdf"


# ---------------------------------------------------------------- the hook

def _root(config) -> Path:
    return Path(config.config_file_path).parent


def on_config(config):
    try:
        _STATE["data"], _STATE["text"] = load(_root(config))
    except PackError as error:
        raise PluginError(str(error)) from None
    _STATE.setdefault("pages", {})  # kept across `mkdocs serve --dirty` rebuilds, which render changed pages only


def on_nav(nav, config, files):
    """Pages and worksheets are known now: a wrong one stops the build before any page is rendered.
    Sections (known once pages are rendered) are checked in on_post_build."""
    pages = {page_id(src) for _s, _t, src in qr.nav_pages(config.nav) if src not in SKIP}
    sheets = {worksheet_id(s) for s in worksheets.load(_root(config))["worksheets"]}
    try:
        check(_STATE["data"], _STATE["text"], lambda item: item in pages or item in sheets or
              ("~" in item and item.split("~", 1)[0] in pages))
    except PackError as error:
        raise PluginError(str(error)) from None
    return nav


def _relative(page, target: str) -> str:
    """target (a site path; a trailing slash kept) relative to page."""
    base = page.url.rstrip("/") if page.url.endswith("/") or not page.url else posixpath.dirname(page.url)
    rel = posixpath.relpath(target, base or ".")
    return rel + "/" if target.endswith("/") and not rel.endswith("/") else rel


def _url(files, src: str) -> str:
    """A page's URL as this build writes it: packs/ on the site, packs.html in the offline copy."""
    return files.get_file_from_path(src).url


def packs_list(page, files) -> str:
    rows = []
    for pack in _STATE["data"]["packs"]:
        link = _relative(page, _url(files, PACKS_PAGE)) + "#" + pack_fragment(pack["items"], pack["note"])
        pdf = _relative(page, f"{PDF_DIR}/{pdf_name(pack)}")
        rows.append(f'<li><a class="pack-ready" href="{htmllib.escape(link)}">{htmllib.escape(pack["title"])}</a>'
                    f' ({len(pack["items"])} items) · <a href="{htmllib.escape(pdf)}" type="application/pdf">PDF'
                    f'<span class="visually-hidden">: {htmllib.escape(pack["title"])}</span></a>'
                    f'<br><span class="pack-ready__desc">{htmllib.escape(pack["description"])}</span></li>')
    return '<ul class="pack-ready-list">\n' + "\n".join(rows) + "\n</ul>"


def on_page_markdown(markdown, page, config, files):
    if LIST_MARKER in markdown:
        markdown = markdown.replace(LIST_MARKER, packs_list(page, files))
    for key in ("packs_scripts", "packs_styles"):
        if key in page.meta:
            raise PluginError(f"docs/{page.file.src_uri}: front matter sets '{key}', which only the build may set. "
                              "Fix: remove it (pages load no scripts of their own).")
    if page.file.src_uri == PACKS_PAGE:
        page.meta["packs_scripts"], page.meta["packs_styles"] = list(SCRIPTS), list(STYLES)
        link = f'<a href="{_relative(page, _url(files, "get-help-now.md"))}">Get help now</a>'
        markdown = markdown.replace(CRISIS_MARKER, helplines.crisis_box_html(_root(config), link))
        # Links in the page's own HTML blocks, {packs:SRC.md}, written as this build's URLs (the offline
        # copy has no directory URLs, and MkDocs does not rewrite links inside raw HTML).
        markdown = re.sub(r"\{packs:([\w/.-]+\.md)\}", lambda m: _relative(page, _url(files, m.group(1))), markdown)
        markdown = markdown.replace("{packs:note-limit}", str(LIMITS["note"]))
    return markdown


def _sections(toc) -> list[tuple[str, str]]:
    out = []
    for top in toc:
        for item in (top.children if top.level == 1 else [top]):
            if item.level == 2 and item.id:
                out.append((item.id, re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", item.title))).strip()))
    return out


def on_page_content(html, page, config, files):
    _STATE["pages"][page.file.src_uri] = {
        "url": page.url,   # guide/x/ on the site; guide/x.html in the offline copy (no directory URLs)
        "title": str(page.meta.get("title") or page.title),
        "description": str(page.meta.get("description") or ""),
        "audience": page.meta.get("audience"),
        "sections": _sections(page.toc),
    }
    return html


def catalogue(config) -> dict:
    pages = _STATE["pages"]
    sheets = worksheets.load(_root(config))["worksheets"]
    items: dict[str, dict] = {}
    groups: list[dict] = []
    by_group: dict[str, list[str]] = {}
    sheets_url = pages.get("worksheets.md", {}).get("url", "worksheets/")
    for section, _title, src in qr.nav_pages(config.nav):
        if src in SKIP or src not in pages:
            continue
        group = section if section in GROUPS else OTHER
        info, pid = pages[src], page_id(src)
        handout = f"{qr.HANDOUT_DIR}/{qr.handout_name(src)}" if qr.has_handout(src) else None
        entry = {"kind": "page", "title": info["title"], "description": info["description"], "url": info["url"],
                 "pdf": handout, "audience": info["audience"], "sections": [], "worksheets": []}
        items[pid] = entry
        for anchor, heading in info["sections"]:
            sid = f"{pid}~{anchor}"
            items[sid] = {"kind": "section", "title": heading, "description": f"Part of the page: {info['title']}.",
                          "url": f"{info['url']}#{anchor}", "pdf": handout, "page": pid}
            entry["sections"].append(sid)
        for sheet in sheets:
            if sheet["page"] == src:
                wid = worksheet_id(sheet)
                items[wid] = {"kind": "worksheet", "title": sheet["title"], "description": sheet["why"][1],
                              "url": f"{sheets_url}#{sheet['slug']}",
                              "pdf": f"{worksheets.OUT_DIR}/{worksheets.pdf_name(sheet)}", "page": pid}
                entry["worksheets"].append(wid)
        by_group.setdefault(group, []).append(pid)
    for name in (*GROUPS, OTHER):
        if by_group.get(name):
            groups.append({"title": name, "pages": by_group[name]})
    plugin = config.plugins.get("redirects")
    moved = moved_ids(plugin.config.get("redirect_maps") if plugin else {}, items)
    site_url = (config.site_url or "").rstrip("/") + "/"
    ready = [{"slug": p["slug"], "title": p["title"], "items": p["items"], "note": p["note"],
              "fragment": pack_fragment(p["items"], p["note"]), "pdf": f"{PDF_DIR}/{pdf_name(p)}"}
             for p in _STATE["data"]["packs"]]
    return {"site_name": config.site_name, "packs_url": site_url + "packs/", "help_url": site_url + "get-help-now/",
            "limits": LIMITS, "pdf_lib": PDF_LIB, "cover": COVER, "groups": groups, "items": items, "moved": moved, "packs": ready}


def on_post_build(config):
    data = catalogue(config)
    try:
        check(_STATE["data"], _STATE["text"], data["items"])
    except PackError as error:
        raise PluginError(str(error)) from None
    target = Path(config.site_dir) / CATALOGUE
    target.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(data, ensure_ascii=True, separators=(",", ":"), sort_keys=True).replace("</", "<\\/")
    target.write_text("// Written by scripts/hooks/packs.py at build time. Do not edit.\n"
                      f"window.BELONGING_PACKS = {body};\n", encoding="utf-8")
