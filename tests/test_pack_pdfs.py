"""Pack PDFs on a real build: a pack made in the browser through nginx and merged into one PDF (cover,
every page, fields that still fill), and the ready-made packs `make site` prints (issue 26)."""
from __future__ import annotations

import io
import re
import subprocess
import time
import urllib.parse
from pathlib import Path

import yaml
from pypdf import PdfReader, PdfWriter

from conftest import ROOT, soup
from scripts.build.packs import catalogue, parts as expected_parts
from test_packs import assert_nothing_kept, choose, open_builder, squash

BENCH = Path("/tmp/team/packs/bench.txt")


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(path: Path, first: int, last: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


TEN = ["guide/why-rejection-hurts", "worksheets~when-rejection-stings", "guide/reconnecting-after-rejection",
       "worksheets~my-reconnection-plan", "guide/building-belonging", "worksheets~one-small-step",
       "guide/starting-somewhere-new", "worksheets~a-hard-moment-when-new", "guide/getting-support",
       "clinicians/treatment-planning"]


def make_pdf(page, tmp_path: Path) -> Path:
    page.locator("#pack-pdf").click()
    page.wait_for_selector("#pack-pdf-download:not([hidden])", timeout=120_000)
    with page.expect_download() as download:
        page.locator("#pack-pdf-download").click()
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    return target


def test_the_merged_pdf_has_the_cover_and_every_page_and_fields_still_fill(browser, base, site, tmp_path):
    data = catalogue(site)
    context, page, watch = open_builder(browser, base, width=375)
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})   # a mid-range phone
        choose(page, TEN)
        note = "Bring the reconnection plan next week."
        page.locator("#pack-note").fill(note)
        started = time.monotonic()
        target = make_pdf(page, tmp_path)
        wall = time.monotonic() - started
        in_page_ms = int(page.get_attribute("#packs", "data-pdf-ms"))
        assert target.name.startswith("belonging-guide-pack-") and target.suffix == ".pdf"
        assert watch.take() == []
        assert_nothing_kept(page)
    finally:
        context.close()
    parts = expected_parts(data, TEN)
    assert len(parts) == 10
    counts = [pdf_pages(site / p) for p in parts]
    assert pdf_pages(target) == 1 + sum(counts)
    cover = squash(pdf_text(target, 1, 1))
    assert data["cover"]["title"] in cover and note in cover and data["cover"]["contents"] in cover
    start = 2
    for item, part, count in zip(TEN, parts, counts):
        title = data["items"][item]["title"]
        assert f"{title} (page {start})" in cover, (title, start, cover)
        own = squash(pdf_text(site / part, 1, 1))[:120]
        assert squash(pdf_text(target, start, start))[:120] == own, part
        start += count
    assert "If you are in crisis" in cover and "116 123" in cover   # the crisis box, from helplines.yml
    reader = PdfReader(target)
    fields = reader.get_fields()
    sheets = [i for i in TEN if i.startswith("worksheets~")]
    assert len({name.split("-", 1)[0] for name in fields}) == len(sheets), sorted(fields)
    name = next(n for n in fields if n.endswith("-what-happened"))
    writer = PdfWriter(clone_from=reader)
    writer.update_page_form_field_values(None, {name: "Filled in after the merge"}, auto_regenerate=False)
    filled = io.BytesIO()
    writer.write(filled)
    assert PdfReader(filled).get_fields()[name]["/V"] == "Filled in after the merge"
    size = target.stat().st_size
    BENCH.parent.mkdir(parents=True, exist_ok=True)
    with BENCH.open("a", encoding="utf-8") as out:
        out.write(f"{time.strftime('%H:%M:%S')} 10-item pack PDF, 375 px Chromium, CPU throttled x4: "
                  f"{in_page_ms} ms in page ({wall:.1f} s click to download), {pdf_pages(target)} pages, "
                  f"{size / 1024:.0f} KB\n")
    assert size < 20 * 1024 * 1024


# ---------------------------------------------------------------- ready-made packs

def test_ready_made_packs_have_pdfs_with_the_right_pages(site):
    data = catalogue(site)
    listed = yaml.safe_load((ROOT / "includes" / "packs.yml").read_text(encoding="utf-8"))["packs"]
    assert len(listed) == 5 and [p["slug"] for p in data["packs"]] == [p["slug"] for p in listed]
    for pack in data["packs"]:
        target = site / pack["pdf"]
        parts = expected_parts(data, pack["items"])
        counts = [pdf_pages(site / p) for p in parts]
        assert pdf_pages(target) == 1 + sum(counts), pack["slug"]
        cover = squash(pdf_text(target, 1, 1))
        assert squash(pack["note"]) in cover and "If you are in crisis" in cover
        start = 2
        for item in pack["items"]:
            assert data["items"][item]["title"] in cover
        for part, count in zip(parts, counts):
            assert squash(pdf_text(target, start, start))[:120] == squash(pdf_text(site / part, 1, 1))[:120]
            start += count
        fields = PdfReader(target).get_fields() or {}
        sheets = sum(1 for i in pack["items"] if i.startswith("worksheets~"))
        assert len({n.split("-", 1)[0] for n in fields}) == sheets, (pack["slug"], sorted(fields))


def test_ready_made_packs_are_listed_on_packs_and_handouts(site):
    data = catalogue(site)
    for where in ("packs/", "handouts/"):
        page = soup(site / where / "index.html")
        links = page.select("a.pack-ready")
        assert [a.get_text() for a in links] == [p["title"] for p in data["packs"]], where
        for a, pack in zip(links, data["packs"]):
            assert urllib.parse.urljoin("/" + where, a["href"]) == "/packs/#" + pack["fragment"], (where, a["href"])
            pdf = a.find_next("a", type="application/pdf")["href"]
            assert urllib.parse.urljoin("/" + where, pdf) == "/" + pack["pdf"], (where, pdf)
