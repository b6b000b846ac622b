"""Builds the ready-made packs' PDFs. Usage: python -m scripts.build.packs SITE_DIR

Runs after `mkdocs build`, scripts/build/pdf.py and scripts/build/worksheets.py (it merges their PDFs),
before scripts/build/offline.py. For each pack in includes/packs.yml, SITE_DIR/pdf/packs/<slug>.pdf:
a cover (the pack page's title, the date, the pack's note, the contents with each item's first page,
the crisis box of the client pages, the pack link as a QR code) rendered by WeasyPrint, then each
handout and worksheet in order (a section brings its page's handout; each PDF once), merged with
pypdf. Worksheet fields stay fillable: each sheet's fields get a prefix (p5-what-happened), since two
sheets may both have a field of the same name.

What the packs hold, the titles and the PDFs come from the catalogue scripts/hooks/packs.py wrote at
build time (SITE_DIR/javascripts/packs-catalogue.js), the same one /packs/ uses in the browser.
"""
from __future__ import annotations

import html as htmllib
import json
import sys
from pathlib import Path

from scripts.build import pdf as pdfbuild
from scripts.hooks import helplines, qr
from scripts.hooks.packs import CATALOGUE, PDF_DIR

ROOT = Path(__file__).resolve().parents[2]

COVER_CSS = f"""
@page {{ size: A4; margin: 20mm 22mm 20mm; }}
html, body {{ font-family: {pdfbuild.FONTS}; font-size: 10.5pt; line-height: 1.4; color: #000; margin: 0; }}
h1 {{ font-size: 22pt; color: #00695c; margin: 0 0 0.2em; }}
h2 {{ font-size: 12.5pt; margin: 1.1em 0 0.3em; }}
.meta {{ color: #444; font-size: 9.5pt; margin: 0; }}
.qr {{ float: right; width: 38mm; margin: 0 0 4mm 6mm; }}
.qr svg {{ width: 38mm; height: 38mm; display: block; }}
.qr p {{ font-size: 7.5pt; color: #444; margin: 1mm 0 0; }}
.note p {{ margin: 0; white-space: pre-line; }}
ol {{ margin: 0; padding-left: 1.4em; }} li {{ margin: 0.15em 0; }}
.crisis-help {{ clear: both; margin-top: 8mm; border-left: 3pt solid #b45309; padding: 0.2em 0 0.2em 0.8em;
               font-size: 9pt; line-height: 1.3; break-inside: avoid; }}
.crisis-help p, .crisis-help ul {{ margin: 0.2em 0; }} .crisis-help ul {{ padding-left: 1.1em; }}
.crisis-help a {{ color: inherit; }}
"""


def catalogue(site: Path) -> dict:
    text = (site / CATALOGUE).read_text(encoding="utf-8")
    return json.loads(text.split("=", 1)[1].strip().rstrip(";"))


def parts(data: dict, ids: list[str]) -> list[str]:
    """The PDFs a pack prints, in order, each once (as docs/javascripts/packs.js does)."""
    out: list[str] = []
    for item in ids:
        path = data["items"][item]["pdf"]
        if path and path not in out:
            out.append(path)
    return out


def cover_html(data: dict, pack: dict, first_pages: dict[str, int], root: Path) -> str:
    e = htmllib.escape
    link = data["packs_url"] + "#" + pack["fragment"]
    rows = []
    for item_id in pack["items"]:
        item = data["items"][item_id]
        kind = {"worksheet": "Worksheet: ", "section": "Section: "}.get(item["kind"], "")
        where = f"page {first_pages[item['pdf']]}" if item["pdf"] else "online only"
        rows.append(f"<li>{e(kind + item['title'])} ({where})</li>")
    help_link = f'<a href="{e(data["help_url"])}">{e(data["help_url"])}</a>'
    date = pdfbuild.build_date()
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{e(pack['title'])} - {e(data['site_name'])}</title></head><body>
<div class="qr">{qr.qr_svg(link)}<p>{e(data['cover']['qr'])}</p></div>
<h1>{e(data['cover']['title'])}</h1>
<p class="meta">{e(data['site_name'])} · {e(pack['title'])} · {date.day} {date.strftime('%B %Y')}</p>
<div class="note"><h2>{e(data['cover']['note'])}</h2><p>{e(pack['note'])}</p></div>
<h2>{e(data['cover']['contents'])}</h2>
<ol>{''.join(rows)}</ol>
{helplines.crisis_box_html(root, help_link)}
</body></html>"""


def build(site: Path, root: Path = ROOT) -> list[tuple[Path, int]]:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject
    from weasyprint import CSS, HTML

    data = catalogue(site)
    out_dir = site / PDF_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for pack in data["packs"]:
        files = parts(data, pack["items"])
        missing = [f for f in files if not (site / f).is_file()]
        if missing:
            raise SystemExit(f"packs.py: pack '{pack['slug']}' needs {', '.join(missing)}, which the build did not make. "
                             "Fix: run scripts/build/pdf.py and scripts/build/worksheets.py first (make site does).")
        readers = [PdfReader(site / f) for f in files]
        first_pages, page = {}, 2
        for name, reader in zip(files, readers):
            first_pages[name], page = page, page + len(reader.pages)
        doc = HTML(string=cover_html(data, pack, first_pages, root), base_url=str(site),
                   url_fetcher=pdfbuild.fetcher()).render(stylesheets=[CSS(string=COVER_CSS)])
        if len(doc.pages) != 1:
            raise SystemExit(f"packs.py: the cover of pack '{pack['slug']}' takes {len(doc.pages)} pages. "
                             f"Fix: shorten its note or list fewer items in includes/packs.yml.")
        writer = PdfWriter()
        writer.append(PdfReader(__import__("io").BytesIO(doc.write_pdf())))
        for index, reader in enumerate(readers):
            form = reader.trailer["/Root"].get("/AcroForm")
            for field in (form.get_object().get("/Fields", []) if form else []):
                field = field.get_object()
                if "/T" in field and "/Parent" not in field:
                    field[NameObject("/T")] = TextStringObject(f"p{first_pages[files[index]]}-{field['/T']}")
            writer.append(reader)
        writer.add_metadata({"/Title": f"{pack['title']} - {data['site_name']}", "/Author": data["site_name"]})
        writer._root_object[NameObject("/Lang")] = TextStringObject("en")
        target = out_dir / f"{pack['slug']}.pdf"
        with open(target, "wb") as handle:
            writer.write(handle)
        made.append((target, len(writer.pages)))
    return made


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    site = Path(argv[1]).resolve()
    if not (site / CATALOGUE).is_file():
        print(f"packs.py: {site / CATALOGUE} is missing. Fix: build the site first (mkdocs build).", file=sys.stderr)
        return 2
    for target, pages in build(site):
        print(f"packs.py: wrote {target.relative_to(site)} ({pages} pages, {target.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
