"""'My safety plan' (issue 22 C6): a fillable worksheet with Stanley & Brown's six steps, its crisis lines
for each region printed from includes/helplines.yml, linked from the pages that need it. Real PDFs (pypdf,
pdftotext) from a real build."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT, article

pypdf = pytest.importorskip("pypdf")
pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")

SHEETS = yaml.safe_load((ROOT / "includes" / "worksheets.yml").read_text(encoding="utf-8"))["worksheets"]
SHEET = next(s for s in SHEETS if s["slug"] == "my-safety-plan")
HELPLINES = yaml.safe_load((ROOT / "includes" / "helplines.yml").read_text(encoding="utf-8"))
STEPS = ("warning signs", "on my own", "take my mind off it", "ask for help", "Professionals", "space safer")


def pdf(site):
    return site / "pdf" / "worksheets" / "my-safety-plan.pdf"


def text_of(path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def crisis_contacts(region: str) -> list[dict]:
    return [c for s in HELPLINES["services"] if s["kind"] == "crisis" and region in s["regions"]
            for c in s["contacts"] if c["type"] in ("call", "text") and region in c.get("regions", s["regions"])]


def test_the_six_steps_in_order_with_a_line_on_making_it_with_someone(site):
    labels = [f["label"] for f in SHEET["fields"]]
    at = [next(i for i, label in enumerate(labels) if step in label) for step in STEPS]
    assert at == sorted(at), f"the six steps are out of order: {labels}"
    assert SHEET["cite"] == "stanley2012safety"
    text = text_of(pdf(site))
    assert re.search(r"with a (doctor|clinician|therapist)[^.]*someone you trust", text), "no 'best made with...' line"
    assert "Stanley & Brown, 2012" in text


def test_every_region_gets_its_crisis_lines_from_the_data_file(site):
    """One tick-box per region, and below it every crisis line of that region, as helplines.yml has it."""
    text = text_of(pdf(site))
    fields = pypdf.PdfReader(pdf(site)).get_fields()
    for region in HELPLINES["regions"]:
        if region["id"] == "anywhere":
            continue
        box = fields.get(f"region-{region['id']}")
        assert box is not None and box.get("/FT") == "/Btn", f"no tick-box for {region['name']}"
        contacts = crisis_contacts(region["id"])
        assert contacts, region["id"]
        found = re.search(rf"I live in (the )?{re.escape(region['name'])}", text)
        start = found.start() if found else -1
        assert start >= 0, f"no region section for {region['name']}"
        section = text[start:start + 900]
        for contact in contacts:
            assert contact["display"] in section, f"{region['name']}: {contact['display']} missing from the plan"


def test_the_plan_fills_and_reads_back(site, tmp_path):
    reader = pypdf.PdfReader(pdf(site))
    fields = reader.get_fields()
    for spec in SHEET["fields"]:
        grid = spec["kind"] in ("table", "helplines")  # named <name>-<row>-<column> or <name>-<region id>
        names = [n for n in fields if n.startswith(spec["name"] + "-")] if grid else [spec["name"]]
        assert names and all(n in fields for n in names), spec["name"]
    values = {"warning-signs": "Not sleeping, pulling away from Sam", "safer-space": "Tablets to Mum to keep",
              "ask-for-help-1-name": "Sam", "ask-for-help-1-phone-number": "07700 900123"}
    writer = pypdf.PdfWriter(clone_from=reader)
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
        writer.update_page_form_field_values(page, {"region-scotland": "/on"}, auto_regenerate=False)
    out = tmp_path / "filled.pdf"
    with open(out, "wb") as f:
        writer.write(f)
    back = pypdf.PdfReader(out).get_fields()
    for name, value in values.items():
        assert back[name].get("/V") == value, name
    assert back["region-scotland"].get("/V") == "/on"
    assert all(fields[n].get("/V") in ("", None, "/Off") for n in values), "the published plan is not blank"


@pytest.mark.parametrize("page", ["get-help-now/index.html", "guide/grief-and-belonging/index.html",
                                  "guide/helping-someone-who-feels-left-out/index.html",
                                  "guide/why-rejection-hurts/index.html"])
def test_linked_from_the_pages_that_need_it(site, page):
    links = [a["href"] for a in article(site / page).select("a[href]")]
    assert any("worksheets/#my-safety-plan" in h for h in links), f"{page} does not link My safety plan"
