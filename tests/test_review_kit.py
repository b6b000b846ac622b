"""The clinical review kit (`make review-kit`, scripts/tools/review_kit.py): a fillable PDF per page and an
index, built from the real site, never inside it."""
from __future__ import annotations

import re
import subprocess

import pytest

from conftest import ENV, PY, ROOT, soup


@pytest.fixture(scope="module")
def kit(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("review-kit")
    done = subprocess.run([PY, "-m", "scripts.tools.review_kit", str(site), str(out)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def text(pdf, layout: bool = True) -> str:
    args = ["pdftotext", "-layout"] if layout else ["pdftotext"]
    return " ".join(subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())


def fields(pdf) -> dict:
    from pypdf import PdfReader

    return PdfReader(str(pdf)).get_fields() or {}


def cited_blocks(page) -> int:
    """Paragraphs, items and cells of the built page that cite a source and carry no inference marker."""
    article = soup(page).select_one("article")
    for junk in article.select(".page-review, .cite-this-page, div.footnote, .print-qr, .handout-download"):
        junk.decompose()
    blocks = [b for b in article.find_all(("p", "li", "td", "th", "dd", "dt", "figcaption"))
              if not b.find(("p", "li", "td", "th", "dd", "dt", "figcaption"))]
    return sum(1 for b in blocks if b.select_one("sup[id^='fnref']") and not b.select_one("a.evidence-inference"))


def test_one_pdf_per_page_and_an_index(kit, site):
    pdfs = sorted(p.name for p in kit.glob("review-*.pdf"))
    guide = len(list((ROOT / "docs" / "guide").glob("*.md")))
    clinicians = len(list((ROOT / "docs" / "clinicians").glob("*.md")))
    assert len(pdfs) == guide + clinicians + 2, pdfs  # with the home page and Get help now
    assert "review-get-help-now.pdf" in pdfs and "review-home.pdf" in pdfs
    index = text(kit / "index.pdf")
    assert "Review kit: the pages" in index and "Why rejection hurts" in index and "Get help now" in index
    row = re.search(r"Why rejection hurts (\d+) (\d+) (\d+) (\d+)", index)  # words, claims, our view, safety
    assert row, index[:2000]
    claims = int(row.group(2))
    assert claims == cited_blocks(site / "guide" / "why-rejection-hurts" / "index.html") and claims > 0
    assert not list(site.rglob("review-*.pdf")), "the kit must not land in the published site"


def test_page_kit_numbers_claims_beside_full_references_and_is_fillable(kit, site):
    pdf = kit / "review-guide-why-rejection-hurts.pdf"
    body = text(pdf)
    page = site / "guide" / "why-rejection-hurts" / "index.html"
    claims = cited_blocks(page)
    assert f"C{claims}" in body and f"C{claims + 1} " not in body
    first = " ".join(soup(page).select_one("div.footnote li[id^='fn:ref-']").get_text(" ").split())[:25]
    assert first in text(pdf, layout=False), first  # the full reference beside the claim
    assert "SAFETY CONTENT" in body.upper() and "If you are in crisis or might harm yourself" in body
    names = fields(pdf)
    for n in range(1, claims + 1):
        assert f"c{n}-ok" in names and f"c{n}-comment" in names, n
    for name in ("signoff-name", "signoff-profession", "signoff-body", "signoff-number", "signoff-date",
                 "scope-clinical-accuracy", "scope-safety", "scope-plain-language", "signoff-changes"):
        assert name in names, name
    assert "Sign-off" in body and "includes/reviews.yml" in body


def test_our_view_statements_are_marked(kit, site):
    for pdf in kit.glob("review-clinicians-*.pdf"):
        page = site / "clinicians" / pdf.stem.removeprefix("review-clinicians-") / "index.html"
        views = len(soup(page).select("article a.evidence-inference"))
        if views:
            body = text(pdf)
            assert "OUR VIEW / INFERENCE" in body.upper() and "v1-ok" in fields(pdf), pdf
            return
    pytest.fail("no clinician page carries an inference marker")
