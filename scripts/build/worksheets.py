"""Fillable PDF worksheets, the build step. Usage: python -m scripts.build.worksheets SITE_DIR

Runs after `mkdocs build` and scripts/build/pdf.py, before scripts/build/offline.py. Reads and checks
includes/worksheets.yml as the hook does (scripts/hooks/worksheets.py), then renders one
SITE_DIR/pdf/worksheets/<slug>.pdf each with WeasyPrint, with PDF form fields; see the hook's docstring.

Nothing a reader types leaves their device: no submit button, no JavaScript.
"""
from __future__ import annotations

import html as htmllib
import re
import sys
from pathlib import Path

from scripts.hooks import helplines, qr
from scripts.hooks.worksheets import OUT_DIR, ROOT, WorksheetError, load, pdf_name

FOOT_LINE = "In crisis? Call your local emergency number now. The crisis lines are in the box on this sheet."

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
.helplines .caption { font-weight: 700; font-size: 9.5pt; margin-bottom: 1mm; }
.helplines .region { break-inside: avoid; margin: 0 0 1.4mm; }
.helplines .region .check { margin: 0; }
.helplines .region p { margin: 0.3mm 0 0 7.5mm; font-size: 8.5pt; line-height: 1.3; }
.helplines a { color: inherit; text-decoration: none; }
.foot { break-inside: avoid; margin-top: 3mm; font-size: 8pt; line-height: 1.3; }
.foot a { color: inherit; text-decoration: none; }
.foot-row { display: flex; gap: 4mm; align-items: stretch; margin-bottom: 1.5mm; }
.crisis { flex: 1; border: 0.8pt solid #b45309; border-left-width: 3pt; padding: 1.2mm 2.5mm; }
.crisis p { margin: 0 0 0.5mm; }
.foot-row svg { flex: none; width: 20mm; height: 20mm; }
.foot p { margin: 0 0 0.8mm; }
.url { word-break: break-all; }
""".replace("FONTS", FONTS)


# A sheet that spills onto a second page gets one more try, tighter (as scripts/build/pdf.py does for handouts).
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
    """The crisis box: the client pages' title and short list, from includes/helplines.yml (scripts/hooks/helplines.py)."""
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
    if field["kind"] == "helplines":
        return helplines_html(sheet, field)
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in field["columns"])
    body = []
    for row in field["rows"]:
        cells = []
        for column in field["columns"]:
            cname = f"{field['name']}-{slug(str(row))}-{slug(column)}"
            tip = f"{column}, row {row}" if str(row).isdigit() else f"{row}: {column}"
            cells.append(f'<td><input type="text" name="{esc(cname)}" title="{esc(tip)}"></td>')
        body.append(f'<tr><th scope="row">{esc(str(row))}</th>{"".join(cells)}</tr>')
    # In a block that does not break, so the caption never stays behind at the foot of a page.
    return (f'<div class="field"><table><caption>{label}</caption><thead><tr><td></td>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def helplines_html(sheet: dict, field: dict) -> str:
    """A tick-box for each region (named <field name>-<region id>), and beside it that region's emergency
    number and crisis lines as includes/helplines.yml has them (scripts/hooks/helplines.py writes them)."""
    esc = htmllib.escape
    data = helplines.load(ROOT)
    blocks = []
    for rid, region in data["regions"].items():
        if rid == "anywhere":
            continue
        lines = []
        for service in data["services"].values():
            if rid not in service["regions"] or service["kind"] not in ("emergency", "crisis"):
                continue
            phrase = helplines.actions(service, rid, ("call", "text"))
            if not phrase:
                continue
            if service["kind"] == "emergency":
                lines.insert(0, f"Emergency: {phrase}")
                continue
            hours = service["hours"].strip()
            when = "" if hours == "unknown" or hours.startswith("24 hours") else f" ({esc(hours)})"
            lines.append(f"{esc(service['name'])}: {phrase}{when}")
        name = f"the {region['name']}" if region["name"].startswith("United ") else region["name"]
        fid, label = f"{sheet['slug']}--{field['name']}-{rid}", f"I live in {name}"
        blocks.append(f'<div class="region"><div class="check"><input type="checkbox" id="{fid}" '
                      f'name="{esc(field["name"])}-{rid}" value="Yes" title="{esc(label)}"><label for="{fid}">'
                      f'{esc(label)}</label></div><p>{". ".join(lines)}.</p></div>')
    return f'<div class="field helplines"><p class="caption">{esc(field["label"])}</p>{"".join(blocks)}</div>'


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
        print(f"worksheets: {site} is not a built site; run mkdocs build first", file=sys.stderr)
        return 2
    try:
        results = build(site)
    except WorksheetError as error:
        print(f"worksheets: {error}", file=sys.stderr)
        return 1
    print(f"worksheets: {len(results)} in {OUT_DIR}/ (pages: " + ", ".join(f"{p.stem} {n}" for p, n in results) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
