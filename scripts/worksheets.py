"""Fillable PDF worksheets: a MkDocs hook and a build step. Usage: python scripts/worksheets.py SITE_DIR

The worksheets are data, in includes/worksheets.yml (what each field is is written there).

- As a hook (mkdocs.yml `hooks:`): each page a worksheet belongs to gets page.meta["worksheets"],
  which overrides/partials/print-extras.html links beside the handout; on docs/worksheets.md the
  marker <!-- worksheets:list --> becomes the list of every worksheet (raw HTML links: the PDFs do
  not exist yet when MkDocs checks links). Bad data stops the build with file, line and fix.
- As a build step (after `mkdocs build` and scripts/pdf.py, before scripts/offline.py): one
  SITE_DIR/pdf/worksheets/<slug>.pdf each, rendered by WeasyPrint with PDF form fields (text,
  multi-line text, checkboxes; each field's tooltip, /TU, is its label from the data, given as its
  title: the fields sit in no <form>, so WeasyPrint does not rebuild it from the wrapped label's
  text), tagged PDF/UA-1, fonts embedded.
  Each carries its citation (APA, from the built /references/ page), the crisis lines (from
  includes/helplines.yml through scripts/helplines.py, as on the client pages), its page's QR code and URL
  (scripts/qr.py) and the review date. One A4 page body that also fits US Letter: the margins keep
  everything inside the part of the page both sizes share.

Nothing a reader types leaves their device: no submit button, no JavaScript.
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import posixpath
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import qr  # noqa: E402

DATA = Path("includes") / "worksheets.yml"
OUT_DIR = "pdf/worksheets"
LIST_MARKER = "<!-- worksheets:list -->"
FOOT_LINE = "In crisis? Call your local emergency number now. The crisis lines are in the box on this sheet."
PRIVACY = "What you type into a worksheet stays on your device: the PDFs have no send button and no scripts."
KINDS = ("text", "lines", "check", "table")
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


# ---------------------------------------------------------------- hook

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


# ---------------------------------------------------------------- build

FONTS = '"Noto Sans", "DejaVu Sans", sans-serif'
SHEET_CSS = """
@page { size: A4; margin: 16mm 19mm 24mm;
  @bottom-left { content: string(crisis); font: 7.5pt FONTS; color: #333; vertical-align: top; padding-top: 3mm; width: 85%; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7.5pt FONTS; color: #333; vertical-align: top; padding-top: 3mm; } }
html { font-family: FONTS; font-size: 10pt; line-height: 1.35; color: #000; font-variant-ligatures: none; }
body { margin: 0; }
.kicker { string-set: crisis attr(data-crisis); margin: 0; font-size: 8pt; letter-spacing: 0.04em; text-transform: uppercase; color: #00695c; font-weight: 700; }
h1 { font-size: 19pt; margin: 0.5mm 0 2.5mm; line-height: 1.15; }
h2 { font-size: 10.5pt; margin: 0 0 1mm; }
.intro { display: flex; gap: 6mm; margin-bottom: 2mm; }
.intro section { flex: 1; }
.why { border-left: 3pt solid #00695c; padding-left: 3mm; }
p { margin: 0 0 1.5mm; }
ol { margin: 0 0 1.5mm; padding-left: 5mm; }
li { margin: 0 0 0.5mm; }
.safety, .private { font-size: 9pt; }
.private { margin: 0 0 2.5mm; padding: 1.5mm 3mm; background: #f1f5f4; border-radius: 1.5mm; }
.beside { display: flex; gap: 5mm; align-items: flex-start; }
.beside > div { flex: 1; }
.figure { flex: none; width: 56mm; margin-top: 3mm; }
.field { margin: 0 0 3mm; break-inside: avoid; }
label { display: block; font-weight: 700; font-size: 9.5pt; margin-bottom: 0.8mm; }
input[type=text] { display: block; width: 100%; height: 8mm; box-sizing: border-box; border: 0; border-bottom: 0.7pt solid #444; font: 12pt FONTS; }
.ruled { border: 0.7pt solid #444; border-radius: 1mm; }
textarea { display: block; width: 100%; height: 100%; box-sizing: border-box; border: 0; background: transparent; font: 12pt FONTS; }
.checks { margin: 0 0 3mm; }
.check { display: flex; align-items: center; gap: 2.5mm; margin: 0 0 1.8mm; break-inside: avoid; }
.check input { flex: none; width: 5mm; height: 5mm; border: 0.8pt solid #222; margin: 0; }
.check label { display: inline; font-weight: 400; margin: 0; font-size: 10pt; }
table { width: 100%; border-collapse: collapse; margin: 0 0 3mm; break-inside: avoid; table-layout: fixed; }
caption { text-align: left; font-weight: 700; font-size: 9.5pt; margin-bottom: 1mm; }
th, td { border: 0.7pt solid #444; padding: 0 1.5mm; text-align: left; font-size: 9pt; }
thead th { background: #f1f5f4; padding: 1mm 1.5mm; }
tbody th, thead td { width: 21mm; font-weight: 700; }
td input[type=text] { border: 0; height: 10mm; font-size: 11pt; }
.foot { break-inside: avoid; margin-top: 3mm; font-size: 8pt; line-height: 1.3; }
.foot a { color: inherit; text-decoration: none; }
.foot-row { display: flex; gap: 4mm; align-items: stretch; margin-bottom: 1.5mm; }
.crisis { flex: 1; border: 0.8pt solid #b45309; border-left-width: 3pt; padding: 1.2mm 2.5mm; }
.crisis p { margin: 0 0 0.5mm; }
.foot-row svg { flex: none; width: 20mm; height: 20mm; }
.foot p { margin: 0 0 0.8mm; }
.url { word-break: break-all; }
""".replace("FONTS", FONTS)


# A sheet that spills onto a second page gets one more try, tighter (as scripts/pdf.py does for handouts).
COMPACT_CSS = """
html { font-size: 9pt; }
h1 { font-size: 17pt; }
.field { margin-bottom: 2mm; }
.check { margin-bottom: 1.2mm; }
.foot { font-size: 7.2pt; line-height: 1.25; }
.foot-row svg { width: 18mm; height: 18mm; }
"""




def rows_css(row_mm: float) -> str:
    """Writing lines row_mm apart: ruled boxes of 2 to 8 lines, one-line fields as tall as a line."""
    rule = f"repeating-linear-gradient(to bottom, #fff 0, #fff {row_mm - 0.3:.2f}mm, #b8b8b8 {row_mm - 0.3:.2f}mm, #b8b8b8 {row_mm:.2f}mm)"
    boxes = "".join(f".r{n} {{ height: {n * row_mm - 0.35:.2f}mm; }}\n" for n in range(2, 9))
    return (f".ruled {{ background: {rule}; }}\n{boxes}input[type=text] {{ height: {row_mm - 0.6:.2f}mm; }}\n"
            f"td input[type=text] {{ height: {row_mm + 1.4:.2f}mm; }}\n")


def _surnames(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(p.prelast_names + p.last_names).replace("{", "").replace("}", "") for p in people]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} & {names[1]}"
    return f"{names[0]} et al."


def citations(root: Path, site: Path, keys: set[str]) -> dict[str, tuple[str, str]]:
    """key -> (APA in-text citation, APA reference as HTML from the built /references/ page)."""
    from bs4 import BeautifulSoup
    from pybtex.database import parse_file
    bib = parse_file(str(root / "references.bib"))
    refs = BeautifulSoup((site / "references" / "index.html").read_text(encoding="utf-8"), "lxml")
    out = {}
    for key in keys:
        item = refs.find("li", id=f"ref-{key}")
        if item is None:
            raise WorksheetError(f"{site}/references/index.html has no reference {key}; was the site built from this references.bib?")
        entry = bib.entries[key]
        out[key] = (f"({_surnames(entry)}, {entry.fields['year']})", item.decode_contents().strip())
    return out


def crisis(root: Path) -> str:
    """The crisis box: the client pages' title and short list, from includes/helplines.yml (scripts/helplines.py)."""
    import helplines
    items = re.findall(r"<li>(.*?)</li>", helplines.short_html(root), re.S)
    return f"<p><strong>{htmllib.escape(helplines.CRISIS_TITLE)}</strong> " + " ".join(items) + "</p>"


def qr_page_dir(src: str) -> str:
    path = src.removesuffix(".md")
    return path.removesuffix("index") if path == "index" or path.endswith("/index") else path + "/"


def field_html(sheet: dict, field: dict) -> str:
    esc = htmllib.escape
    fid = f"{sheet['slug']}--{field['name']}"
    label, name = esc(field["label"]), esc(field["name"])
    if field["kind"] == "text":
        return (f'<div class="field"><label for="{fid}">{label}</label>'
                f'<input type="text" id="{fid}" name="{name}" title="{label}"></div>')
    if field["kind"] == "lines":
        return (f'<div class="field"><label for="{fid}">{label}</label><div class="ruled r{field["rows"]}">'
                f'<textarea id="{fid}" name="{name}" title="{label}"></textarea></div></div>')
    if field["kind"] == "check":
        return (f'<div class="check"><input type="checkbox" id="{fid}" name="{name}" value="Yes" title="{label}">'
                f'<label for="{fid}">{label}</label></div>')
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in field["columns"])
    body = []
    for row in field["rows"]:
        cells = []
        for column in field["columns"]:
            cname = f"{field['name']}-{slug(str(row))}-{slug(column)}"
            tip = f"{column}, row {row}" if str(row).isdigit() else f"{row}: {column}"
            cells.append(f'<td><input type="text" name="{esc(cname)}" title="{esc(tip)}"></td>')
        body.append(f'<tr><th scope="row">{esc(str(row))}</th>{"".join(cells)}</tr>')
    return (f'<table><caption>{label}</caption><thead><tr><td></td>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def fields_html(sheet: dict, figure: str = "") -> str:
    """The fields in order; runs of checkboxes grouped; a figure goes beside the fields before the first box."""
    parts, checks = [], []
    for field in sheet["fields"]:
        if field["kind"] == "check":
            checks.append(field_html(sheet, field))
            continue
        if checks:
            parts.append(f'<div class="checks">{"".join(checks)}</div>')
            checks = []
        parts.append(field_html(sheet, field))
    if checks:
        parts.append(f'<div class="checks">{"".join(checks)}</div>')
    if figure:
        lead = next((i for i, p in enumerate(parts) if p.startswith('<div class="checks">')), len(parts))
        parts[:lead] = [f'<div class="beside"><div>{"".join(parts[:lead])}</div>{figure}</div>']
    return "\n".join(parts)


def sheet_html(sheet: dict, data: dict, cite: tuple[str, str], crisis_box: str, url: str, help_url: str) -> str:
    esc = htmllib.escape
    in_text, reference = cite
    first = sheet["why"][0].rstrip(".")
    steps = "".join(f"<li>{esc(s)}</li>" for s in sheet["steps"])
    safety = f'<p class="safety"><strong>Keeping safe:</strong> {esc(sheet["safety"])}</p>' if sheet.get("safety") else ""
    figure = ""
    if sheet.get("figure"):
        svg = (ROOT / "docs" / "figures" / sheet["figure"]).resolve()
        figure = f'<img class="figure" src="{svg.as_uri()}" alt="">'  # a picture of the circles; the fields say it all
    reviewed, next_review = data["reviewed"], data["next_review"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(sheet['title'])}</title>
<meta name="author" content="The Belonging Guide">
<meta name="description" content="{esc(sheet['why'][1])}">
<meta name="dcterms.modified" content="{reviewed.isoformat()}"></head>
<body>
<p class="kicker" data-crisis="{esc(FOOT_LINE)}">The Belonging Guide · Worksheet</p>
<h1>{esc(sheet['title'])}</h1>
<div class="intro">
<section class="why"><h2>Why this helps</h2><p>{esc(first)} {esc(in_text)}. {esc(sheet['why'][1])}</p></section>
<section class="how"><h2>What to do</h2><ol>{steps}</ol>{safety}</section>
</div>
<p class="private">Type into this PDF on your device, or print it and write by hand. What you type stays on your
device: this PDF has no send button and no scripts.</p>
<div class="fields">
{fields_html(sheet, figure)}
</div>
<div class="foot">
<div class="foot-row">
<aside class="crisis" aria-label="Crisis help">{crisis_box}<p>More help: {esc(help_url)}</p></aside>
{qr.qr_svg(url)}
</div>
<p>Online version: <span class="url">{esc(url)}</span></p>
<p>Source: {reference}</p>
<p>Last reviewed {reviewed.strftime('%-d %B %Y')} · Next review due {next_review.strftime('%-d %B %Y')}</p>
</div>
</body></html>"""


def build(site: Path, root: Path = ROOT, only: list[str] | None = None) -> list[tuple[Path, int]]:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher
    from mkdocs.utils.yaml import yaml_load
    with open(root / "mkdocs.yml", encoding="utf-8") as f:
        config = yaml_load(f)  # !ENV resolved, so SITE_URL counts as in the site itself
    site_url = str(config.get("site_url") or "").rstrip("/") + "/"
    data = load(root)
    sheets = [s for s in data["worksheets"] if not only or s["slug"] in only]
    cites = citations(root, site, {s["cite"] for s in sheets})
    out = site / OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    css, compact_css = CSS(string=SHEET_CSS), CSS(string=COMPACT_CSS)
    roomy, standard = CSS(string=rows_css(10.4)), CSS(string=rows_css(8.6))
    results = []
    for sheet in sheets:
        url = site_url + qr_page_dir(sheet["page"])
        html = sheet_html(sheet, data, cites[sheet["cite"]], crisis(root), url, site_url + "get-help-now/")
        page = HTML(string=html, base_url=str(site), url_fetcher=URLFetcher(allowed_protocols={"file", "data"}))
        # Roomiest first: wider writing lines if they still fit one page, then standard, then tighter.
        doc = None
        for extra in ([roomy], [standard], [standard, compact_css]):
            attempt = page.render(stylesheets=[css, *extra], pdf_forms=True)
            if doc is None or len(attempt.pages) < len(doc.pages):
                doc = attempt
            if len(doc.pages) == 1:
                break
        target = out / pdf_name(sheet)
        doc.write_pdf(target, pdf_variant="pdf/ua-1", pdf_tags=True, pdf_forms=True)
        results.append((target, len(doc.pages)))
    return results


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    site = Path(argv[1]).resolve()
    if not (site / "references" / "index.html").exists():
        print(f"worksheets.py: {site} is not a built site; run mkdocs build first", file=sys.stderr)
        return 2
    try:
        results = build(site)
    except WorksheetError as error:
        print(f"worksheets.py: {error}", file=sys.stderr)
        return 1
    print(f"worksheets: {len(results)} in {OUT_DIR}/ (pages: " + ", ".join(f"{p.stem} {n}" for p, n in results) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
