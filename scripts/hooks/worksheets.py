"""Fillable PDF worksheets, the MkDocs hook half: reads and checks includes/worksheets.yml, and links
each worksheet from its page. scripts/build/worksheets.py (a build step) renders the PDFs.

The worksheets are data, in includes/worksheets.yml (what each field is is written there).

- As a hook (mkdocs.yml `hooks:`): each page a worksheet belongs to gets page.meta["worksheets"],
  which overrides/partials/print-extras.html links beside the handout; on docs/worksheets.md the
  marker <!-- worksheets:list --> becomes the list of every worksheet (raw HTML links: the PDFs do
  not exist yet when MkDocs checks links). Bad data stops the build with file, line and fix.
- As a build step (scripts/build/worksheets.py, after `mkdocs build` and scripts/build/pdf.py, before
  scripts/build/offline.py): one
  SITE_DIR/pdf/worksheets/<slug>.pdf each, rendered by WeasyPrint with PDF form fields (text,
  multi-line text, checkboxes; each field's tooltip, /TU, is its label from the data, given as its
  title: the fields sit in no <form>, so WeasyPrint does not rebuild it from the wrapped label's
  text), tagged PDF/UA-1, fonts embedded.
  Each carries its citation (APA, from the built /references/ page), the crisis lines (from
  includes/helplines.yml through scripts/hooks/helplines.py, as on the client pages), its page's QR code and URL
  (scripts/hooks/qr.py) and the review date. One A4 page body that also fits US Letter: the margins keep
  everything inside the part of the page both sizes share.

Nothing a reader types leaves their device: no submit button, no JavaScript.
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import posixpath
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

DATA = Path("includes") / "worksheets.yml"
OUT_DIR = "pdf/worksheets"
LIST_MARKER = "<!-- worksheets:list -->"
PRIVACY = "What you type into a worksheet stays on your device: the PDFs have no send button and no scripts."
KINDS = ("text", "lines", "check", "table", "helplines")  # helplines: a tick-box per region, its crisis lines
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class WorksheetError(Exception):
    pass


def _line(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def load(root: Path = ROOT) -> dict:
    """includes/worksheets.yml, checked: every problem names the file, the line and the fix."""
    path = root / DATA
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}

    def fail(needle: str, message: str):
        raise WorksheetError(f"{DATA}:{_line(text, needle)}: {message}")

    bib = (root / "references.bib").read_text(encoding="utf-8")
    for field in ("reviewed", "next_review"):
        if not isinstance(data.get(field), dt.date):
            fail(f"{field}:", f"'{field}' is missing or not a date. Fix: write it as YYYY-MM-DD.")
    if not data["reviewed"] < data["next_review"] <= data["reviewed"].replace(year=data["reviewed"].year + 3):
        fail("next_review:", "next_review must fall after reviewed and at most three years later. Fix: set a date in that range.")
    seen: set[str] = set()
    for sheet in data.get("worksheets") or []:
        slug = str(sheet.get("slug", ""))
        where = f"slug: {slug}"
        if not NAME.match(slug) or slug in seen:
            fail(where, f"slug '{slug}' is empty, used twice or not lowercase-words-with-hyphens. Fix: give it its own slug.")
        seen.add(slug)
        for key in ("title", "page", "cite", "why", "steps", "fields"):
            if not sheet.get(key):
                fail(where, f"worksheet '{slug}' has no '{key}'. Fix: add it (see the top of the file).")
        if not (root / "docs" / sheet["page"]).is_file():
            fail(f"page: {sheet['page']}", f"page docs/{sheet['page']} does not exist. Fix: name a page under docs/.")
        if not re.search(r"@\w+\{" + re.escape(sheet["cite"]) + ",", bib):
            fail(f"cite: {sheet['cite']}", f"'{sheet['cite']}' is not a key in references.bib. Fix: cite an existing key.")
        if not isinstance(sheet["why"], list) or len(sheet["why"]) != 2:
            fail(where, f"worksheet '{slug}': 'why' must be a list of two sentences. Fix: the cited claim, then what the sheet does.")
        if sheet.get("figure") and not (root / "docs" / "figures" / sheet["figure"]).is_file():
            fail(f"figure: {sheet['figure']}", f"docs/figures/{sheet['figure']} does not exist. Fix: name a file there.")
        names: set[str] = set()
        for field in sheet["fields"]:
            name, kind = str(field.get("name", "")), field.get("kind")
            if kind not in KINDS:
                fail(f"name: {name}", f"field '{name}' has kind '{kind}'. Fix: use one of {', '.join(KINDS)}.")
            if not NAME.match(name) or name in names:
                fail(f"name: {name}", f"field name '{name}' is empty, used twice in '{slug}' or not lowercase-words-with-hyphens. Fix: rename it.")
            names.add(name)
            if len(str(field.get("label", "")).strip()) < 3:
                fail(f"name: {name}", f"field '{name}' has no label. Fix: say what to write; screen readers read it.")
            if kind == "lines" and not 2 <= int(field.get("rows", 0)) <= 8:
                fail(f"name: {name}", f"field '{name}' needs rows: 2 to 8. Fix: set rows.")
            if kind == "table" and not (field.get("rows") and field.get("columns")):
                fail(f"name: {name}", f"table '{name}' needs rows: and columns: lists. Fix: add them.")
    if not seen:
        fail("worksheets:", "no worksheets. Fix: add at least one under 'worksheets:'.")
    return data


def pdf_name(sheet: dict) -> str:
    return f"{sheet['slug']}.pdf"


_DATA: dict = {}


def on_config(config):
    from mkdocs.exceptions import PluginError
    try:
        _DATA["data"] = load(Path(config.config_file_path).parent)
    except WorksheetError as error:
        raise PluginError(str(error)) from None


def worksheets_list(page, files) -> str:
    """Markdown for /worksheets/: a heading (the anchor clinicians link to), what it does, the PDF, its page."""
    from mkdocs.utils.meta import get_data
    pages = {f.src_uri: f for f in files.documentation_pages()}
    here = posixpath.dirname(page.file.src_uri) or "."
    rows = []
    for sheet in _DATA["data"]["worksheets"]:
        href = posixpath.relpath(f"{OUT_DIR}/{pdf_name(sheet)}", page.url.rstrip("/") or ".")
        title = get_data(pages[sheet["page"]].content_string)[1].get("title", sheet["page"])
        rows.append(f"### {sheet['title']} {{#{sheet['slug']}}}\n\n{sheet['why'][1]}\n\n"
                    f'<a class="worksheet-pdf" href="{href}" type="application/pdf" download>'
                    f"{htmllib.escape(sheet['title'])} (fillable PDF)</a>. Goes with the page "
                    f"[{title}]({posixpath.relpath(sheet['page'], here)}).\n")
    return "\n".join(rows)


def on_page_markdown(markdown, page, config, files):
    sheets = [s for s in _DATA["data"]["worksheets"] if s["page"] == page.file.src_uri]
    if sheets:
        page.meta["worksheets"] = [{"title": s["title"], "href": f"{OUT_DIR}/{pdf_name(s)}"} for s in sheets]
    if LIST_MARKER in markdown:
        markdown = markdown.replace(LIST_MARKER, worksheets_list(page, files))
        markdown = markdown.replace("{privacy}", PRIVACY)
    return markdown
