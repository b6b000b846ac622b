"""The fillable PDF worksheets (scripts/hooks/worksheets.py and scripts/build/worksheets.py, includes/worksheets.yml), on a real build.

Each worksheet must be a real form (AcroForm fields that a PDF library can fill and read back, each
with a name and a tooltip), tagged, with embedded fonts, fit A4 and US Letter, carry its citation,
the crisis lines, its page's address as text and as a QR code that zbarimg reads back, and be linked
from its page and from /worksheets/.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT, mkdocs_build

pypdf = pytest.importorskip("pypdf")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "zbarimg")),
    reason="needs poppler-utils and zbar-tools (make setup-test installs them)",
)

SITE_URL = "https://belonging-guide.example.org/"
DATA = yaml.safe_load((ROOT / "includes" / "worksheets.yml").read_text(encoding="utf-8"))
SHEETS = DATA["worksheets"]
TOOLS = ("My circles of closeness", "My reconnection plan", "Fitting in or belonging?",
         "Groups that fit my values", "A week of connection")
A4 = (595.28, 841.89)                  # points
MM = 72 / 25.4
# Printed at actual size on US Letter (215.9 x 279.4 mm), an A4 page loses 8.8 mm top and bottom;
# printers cannot print the outer ~5 mm. So everything must lie 14 mm from the top and bottom, 6 mm
# from the sides of the A4 page (Letter is 3 mm wider on each side).
SAFE_MM = {"top": 14.0, "bottom": 14.0, "side": 6.0}


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr}"
    return result.stdout


def page_dir(src: str) -> str:
    path = src.removesuffix(".md")
    return path.removesuffix("index") if path == "index" or path.endswith("/index") else path + "/"


def pdf_of(site: Path, sheet: dict) -> Path:
    return site / "pdf" / "worksheets" / f"{sheet['slug']}.pdf"


def ids(sheet):
    return sheet["slug"]


def test_at_least_ten_worksheets_including_the_five_tools(site):
    assert len(SHEETS) >= 10
    titles = [s["title"] for s in SHEETS]
    for tool in TOOLS:
        assert tool in titles, f"no worksheet '{tool}'"
    built = {p.name for p in (site / "pdf" / "worksheets").glob("*.pdf")}
    assert built == {f"{s['slug']}.pdf" for s in SHEETS}, built


def test_every_try_this_that_asks_for_action_has_a_worksheet():
    """Every client page whose "Try this" asks the reader to write, send, pick or plan has a worksheet."""
    with_sheet = {s["page"] for s in SHEETS}
    missing = []
    for page in sorted((ROOT / "docs" / "guide").glob("*.md")):
        box = re.search(r'!!! tip "Try this"\n((?:\n|    .*\n)+)', page.read_text(encoding="utf-8"))
        if box and re.search(r"\b(write|send|pick|choose|plan|note|list|ask)\b", box.group(1), re.I):
            if f"guide/{page.name}" not in with_sheet:
                missing.append(f"docs/guide/{page.name}")
    assert not missing, f"a Try this box asks for action but has no worksheet: {missing}"


@pytest.mark.parametrize("sheet", SHEETS, ids=ids)
def test_worksheet_is_a_form_with_named_labelled_fields(site, sheet):
    reader = pypdf.PdfReader(pdf_of(site, sheet))
    fields = reader.get_fields() or {}
    kinds = [f.get("/FT") for f in fields.values()]
    assert len(fields) >= 3, f"{sheet['slug']}: {len(fields)} fields"
    assert "/Tx" in kinds, f"{sheet['slug']}: no text field"
    expected = {f["name"] for f in sheet["fields"] if f["kind"] not in ("table", "helplines")}
    assert expected <= set(fields), f"{sheet['slug']}: fields missing from the PDF: {expected - set(fields)}"
    for name, field in fields.items():
        assert name and field.get("/T"), f"{sheet['slug']}: a field has no name"
        tip = str(field.get("/TU") or "").strip()
        assert len(tip) >= 3, f"{sheet['slug']}: field {name} has no tooltip (/TU) for screen readers"
    for spec in sheet["fields"]:
        if spec["kind"] not in ("table", "helplines"):  # a grid or a box per region: named <name>-<row or region>
            assert str(fields[spec["name"]]["/TU"]) == spec["label"], f"{sheet['slug']}: {spec['name']} tooltip"
    assert not any(f.get("/FT") == "/Btn" and f.get("/A") for f in fields.values()), "a submit button"


@pytest.mark.parametrize("sheet", SHEETS, ids=ids)
def test_a_field_filled_with_pypdf_reads_back(site, sheet, tmp_path):
    reader = pypdf.PdfReader(pdf_of(site, sheet))
    fields = reader.get_fields()
    text = next(n for n, f in fields.items() if f.get("/FT") == "/Tx")
    checks = [n for n, f in fields.items() if f.get("/FT") == "/Btn"]
    writer = pypdf.PdfWriter(clone_from=reader)
    value = "Sam — met for coffee, felt calmer"
    for page in writer.pages:
        writer.update_page_form_field_values(page, {text: value}, auto_regenerate=False)
        if checks:
            writer.update_page_form_field_values(page, {checks[0]: "/on"}, auto_regenerate=False)
    out = tmp_path / "filled.pdf"
    with open(out, "wb") as f:
        writer.write(f)
    back = pypdf.PdfReader(out).get_fields()
    assert back[text].get("/V") == value
    if checks:
        assert back[checks[0]].get("/V") == "/on"
    assert fields[text].get("/V") in ("", None), "the published worksheet is not blank"


@pytest.mark.parametrize("sheet", SHEETS, ids=ids)
def test_worksheet_pdf_is_tagged_titled_with_fonts_embedded(site, sheet):
    pdf = pdf_of(site, sheet)
    meta = dict(line.split(":", 1) for line in run("pdfinfo", str(pdf)).splitlines() if ":" in line)
    assert meta["Tagged"].strip() == "yes"
    assert meta["Form"].strip() == "AcroForm"
    assert meta["Title"].strip() == sheet["title"]
    assert 1 <= int(meta["Pages"]) <= 2, f"{pdf.name}: {meta['Pages']} pages"
    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts


def ink_box(pgm: Path) -> tuple[int, int, int, int, int, int] | None:
    """(width, height, left, top, right, bottom) of the non-white pixels of a binary PGM, or None."""
    data = pgm.read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h = int(header.group(1)), int(header.group(2))
    pixels = data[header.end():]
    rows = [y for y in range(h) if min(pixels[y * w:(y + 1) * w]) < 200]
    if not rows:
        return None
    cols = [x for x in range(w) if min(pixels[x::w][rows[0]:rows[-1] + 1]) < 200]
    return w, h, cols[0], rows[0], cols[-1], rows[-1]


@pytest.mark.parametrize("sheet", SHEETS, ids=ids)
def test_worksheet_fits_a4_and_us_letter(site, sheet, tmp_path):
    pdf = pdf_of(site, sheet)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", str(pdf)))
    assert abs(float(size.group(1)) - A4[0]) < 1 and abs(float(size.group(2)) - A4[1]) < 1, size.group(0)
    dpi = 50
    run("pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(tmp_path / "p"))
    pages = sorted(tmp_path.glob("p*.pgm"))
    assert pages
    per_mm = dpi / 25.4
    for pgm in pages:
        box = ink_box(pgm)
        assert box, f"{pdf.name}: a blank page"
        w, h, left, top, right, bottom = box
        where = f"{pdf.name} {pgm.stem}: ink from ({left / per_mm:.0f}, {top / per_mm:.0f}) to " \
                f"({right / per_mm:.0f}, {bottom / per_mm:.0f}) mm on {w / per_mm:.0f} x {h / per_mm:.0f} mm"
        assert top >= SAFE_MM["top"] * per_mm and h - bottom >= SAFE_MM["bottom"] * per_mm, where + ": cut off on Letter"
        assert left >= SAFE_MM["side"] * per_mm and w - right >= SAFE_MM["side"] * per_mm, where


@pytest.mark.parametrize("sheet", SHEETS, ids=ids)
def test_worksheet_says_why_with_its_citation_crisis_lines_address_and_review_date(site, sheet, tmp_path):
    pdf = pdf_of(site, sheet)
    text = " ".join(run("pdftotext", str(pdf), "-").split())
    url = SITE_URL + page_dir(sheet["page"])
    assert sheet["title"] in text
    assert "Why this helps" in text and "What to do" in text
    cited = re.search(r"\(([A-Z][\w-]+(?: & [A-Z][\w-]+| et al\.)?), (\d{4})\)", text)
    assert cited, f"{pdf.name}: no APA in-text citation"
    reference = BeautifulSoup((site / "references" / "index.html").read_text(encoding="utf-8"), "lxml") \
        .find("li", id=f"ref-{sheet['cite']}").get_text(" ", strip=True)
    assert " ".join(reference.split())[:60] in text, f"{pdf.name}: the reference is not printed"
    assert cited.group(1).split()[0] in reference and f"({cited.group(2)})" in reference
    for line in ("988", "116 123"):
        assert line in text, f"{pdf.name}: crisis line {line} missing"
    assert f"Online version: {url}" in text
    assert re.search(r"Last reviewed \d{1,2} [A-Z][a-z]+ \d{4}", text)
    assert "What you type stays on your" in text
    assert all(spec["label"].split(":")[0] in text for spec in sheet["fields"] if spec["kind"] != "table")
    run("pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "q"))
    decoded = subprocess.run(["zbarimg", "-q", "--raw", *map(str, sorted(tmp_path.glob("q*.png")))],
                             capture_output=True, text=True).stdout.split()
    assert decoded == [url], f"{pdf.name}: QR code reads {decoded}, not {url}"


def test_each_worksheet_is_linked_from_its_page_and_from_the_worksheets_page(site):
    listing = BeautifulSoup((site / "worksheets" / "index.html").read_text(encoding="utf-8"), "lxml")
    article = listing.select_one("article")
    assert "What you type into a worksheet stays on your device" in article.get_text(" ", strip=True)
    hrefs = {(site / "worksheets" / a["href"]).resolve() for a in article.select("a[href$='.pdf']")}
    nav = {a["href"] for a in listing.select("nav a[href]")}
    assert any(h.rstrip("/").endswith("worksheets") or h in ("./", ".") for h in nav), "worksheets page not in nav"
    for sheet in SHEETS:
        pdf = pdf_of(site, sheet).resolve()
        assert pdf in hrefs, f"/worksheets/ does not link {pdf.name}"
        assert article.find(id=sheet["slug"]) is not None, f"/worksheets/ has no #{sheet['slug']}"
        page = BeautifulSoup((site / page_dir(sheet["page"]) / "index.html").read_text(encoding="utf-8"), "lxml")
        links = {(site / page_dir(sheet["page"]) / a["href"]).resolve(): a.get_text(" ", strip=True)
                 for a in page.select("p.handout-download a.worksheet-link")}
        assert pdf in links, f"docs/{sheet['page']} does not link its worksheet {pdf.name}"
        assert sheet["title"] in links[pdf]


def test_clinician_pages_link_the_worksheets_to_assign(site):
    for page in ("clinicians/treatment-planning/", "clinicians/assessment-and-interventions/"):
        soup = BeautifulSoup((site / page / "index.html").read_text(encoding="utf-8"), "lxml")
        targets = [a["href"] for a in soup.select("article a[href*='worksheets/']")]
        assert len(targets) >= 3, f"/{page} links {len(targets)} worksheets"
        for href in targets:
            anchor = href.split("#", 1)[1] if "#" in href else None
            assert anchor is None or anchor in {s["slug"] for s in SHEETS}, f"/{page}: {href}"


def test_bad_worksheet_data_stops_the_build_naming_file_and_line(project, tmp_path):
    path = project / "includes" / "worksheets.yml"
    text = path.read_text(encoding="utf-8")
    first = SHEETS[0]
    broken = text.replace(f"cite: {first['cite']}", "cite: nobody2099invented", 1)
    line = broken[:broken.index("nobody2099invented")].count("\n") + 1
    path.write_text(broken, encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "out")
    assert result.returncode != 0
    assert f"includes/worksheets.yml:{line}: 'nobody2099invented' is not a key in references.bib" in result.stdout + result.stderr


def test_every_client_page_has_a_worksheet():
    # /guide/where-to-start/ only routes a reader to the other pages, each with its sheets.
    pages = {f"guide/{p.name}" for p in (ROOT / "docs" / "guide").glob("*.md")} - {"guide/where-to-start.md"}
    missing = sorted(pages - {s["page"] for s in SHEETS})
    assert not missing, f"client pages without a worksheet: {missing}"
