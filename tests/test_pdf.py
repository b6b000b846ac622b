"""The PDFs that scripts/build/pdf.py builds from the site: the book and the per-page handouts.

Each PDF must open, carry its title, be tagged and embed every font. The book must hold every
page, complete (the last sentence of every page is a sentinel against silent truncation), and the
full APA bibliography. Each handout must be short, carry the crisis lines (client pages) and its
own address, as text and as a QR code that a real decoder (zbarimg) reads back.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "zbarimg")),
    reason="needs poppler-utils and zbar-tools (make setup-test installs them)",
)

DOCS = ROOT / "docs"
SITE_URL = "https://belonging-guide.example.org/"  # mkdocs.yml default; the fixture builds without SITE_URL
CRISIS = ("988", "116 123")
# Handouts: every guide page plus two clinician pages. Names written out, not derived from scripts/hooks/qr.py.
HANDOUTS = {
    "guide/index.md": "guide-start-here.pdf",
    **{f"guide/{p.name}": f"guide-{p.stem}.pdf" for p in sorted((DOCS / "guide").glob("*.md")) if p.stem != "index"},
    "clinicians/supervision-questions.md": "clinicians-supervision-questions.pdf",
    "clinicians/treatment-planning.md": "clinicians-treatment-planning.pdf",
}
BAUMEISTER_APA = ("Baumeister, R. F., & Leary, M. R. (1995). The need to belong: Desire for interpersonal "
                  "attachments as a fundamental human motivation. Psychological Bulletin, 117(3), 497–529.")


def front_matter(src: str) -> dict:
    import yaml
    text = (DOCS / src).read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1])


def page_dir(src: str) -> str:
    path = src.removesuffix(".md")
    return path.removesuffix("index") if path == "index" or path.endswith("/index") else path + "/"


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr}"
    return result.stdout


def info(pdf: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in run("pdfinfo", str(pdf)).splitlines() if ":" in line)


def squash(text: str) -> str:
    """Compare text, not layout: one Unicode form, no whitespace, no case, dashes/hyphens and quotes unified."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"[\u2010\u2011]", "-", text)
    text = re.sub(r"[\u2018\u2019]", "'", re.sub(r"[\u201c\u201d]", '"', text))  # smarty curls a title's quotes
    return re.sub(r"\s+", "", text).casefold()


def nav_sources() -> list[str]:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!ENV", lambda loader, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    out: list[str] = []

    def walk(items):
        for item in items:
            for value in (item.values() if isinstance(item, dict) else [item]):
                walk(value) if isinstance(value, list) else out.append(value)

    walk(config["nav"])
    return out


def main_text_blocks(html: str) -> list[str]:
    """Text blocks of a built page's main text, in order: no crisis box, references or page furniture."""
    article = BeautifulSoup(html, "lxml").select_one("article.md-content__inner")
    for junk in article.select("a.headerlink, .crisis-help, .page-review, .cite-this-page, .print-qr, "
                               ".handout-download, div.footnote, .references-heading, .visually-hidden, "
                               ".for-professionals, .page-changes, .page-changes__title, .page-feedback, "
                               "script, style"):   # the last four: screen only (print.css)
        junk.decompose()
    blocks = []
    for el in article.find_all(["p", "li", "dd", "dt", "td", "th", "h1", "h2", "h3"]):
        if el.find(["p", "li", "dd", "ul", "ol"]):
            continue  # a container: its children are the blocks
        text = el.get_text(" ", strip=True)
        if text:
            blocks.append(text)
    return blocks


def decode_qr(pdf: Path, tmp: Path) -> list[str]:
    """Every QR code zbarimg finds on the PDF rendered at 150 dpi."""
    prefix = tmp / pdf.stem
    run("pdftoppm", "-png", "-r", "150", str(pdf), str(prefix))
    pngs = sorted(tmp.glob(f"{pdf.stem}*.png"))
    result = subprocess.run(["zbarimg", "-q", "--raw", *map(str, pngs)], capture_output=True, text=True, timeout=120)
    return [line for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def book(site) -> Path:
    return site / "pdf" / "belonging-guide.pdf"


@pytest.fixture(scope="session")
def book_text(book) -> str:
    return run("pdftotext", str(book), "-")


def all_pdfs(site: Path) -> list[Path]:
    return [site / "pdf" / "belonging-guide.pdf"] + [site / "pdf" / "handouts" / n for n in HANDOUTS.values()]


def test_every_pdf_exists_and_nothing_else(site):
    for pdf in all_pdfs(site):
        assert pdf.is_file() and pdf.stat().st_size > 1000, f"missing or empty: {pdf.relative_to(site)}"
    extra = {p.name for p in (site / "pdf" / "handouts").glob("*.pdf")} - set(HANDOUTS.values())
    assert not extra, f"handouts no page asks for: {sorted(extra)}"


def test_pdfs_open_tagged_titled_with_embedded_fonts(site):
    for pdf in all_pdfs(site):
        meta = info(pdf)
        name = pdf.relative_to(site)
        assert int(meta["Pages"]) >= 1, name
        assert meta.get("Tagged", "").strip() == "yes", f"{name}: not a tagged PDF"
        title = meta.get("Title", "").strip()
        if pdf.name == "belonging-guide.pdf":
            assert title == "The Belonging Guide", f"{name}: title {title!r}"
        else:
            src = next(s for s, n in HANDOUTS.items() if n == pdf.name)
            assert title.startswith(front_matter(src)["title"]), f"{name}: title {title!r}"
        fonts = run("pdffonts", str(pdf)).splitlines()[2:]
        assert fonts, f"{name}: no fonts"
        for line in fonts:
            # columns: name type encoding emb sub uni object-id gen; the name has no spaces
            emb = line.split()[-5]
            assert emb == "yes", f"{name}: font not embedded: {line}"


def test_book_has_every_page_title_and_the_bibliography(book_text):
    text = squash(book_text)
    for src in nav_sources():
        title = front_matter(src)["title"]
        assert squash(title) in text, f"book lacks the page '{title}' (docs/{src})"
    assert "References" in book_text
    assert squash(BAUMEISTER_APA) in text, "book lacks Baumeister & Leary (1995) in APA form"
    assert "[@" not in book_text, "a raw citation key reached the book"


def test_book_cover_names_url_and_date(book):
    cover = run("pdftotext", "-f", "1", "-l", "1", str(book), "-")
    assert "The Belonging Guide" in cover and SITE_URL in cover
    assert re.search(r"Built: \d{1,2} [A-Z][a-z]+ \d{4}", cover), cover


def test_book_has_a_table_of_contents_with_page_numbers(book):
    toc = run("pdftotext", "-f", "2", "-l", "3", str(book), "-")
    assert "Contents" in toc
    pages = int(info(book)["Pages"])
    numbers = [int(n) for n in re.findall(r"\.{3,}\s*(\d+)\s*$", toc, re.M)]
    assert len(numbers) >= len(nav_sources()), f"table of contents lists {len(numbers)} page numbers"
    assert numbers == sorted(numbers) and all(2 < n <= pages for n in numbers), numbers


def test_book_is_not_truncated(site, book):
    """Every page is in the book, in nav order, down to the last sentence of its main text (WeasyPrint
    can drop content silently). Searched in order from the first chapter page, so a sentence that
    also appears in another chapter or in the contents cannot stand in for a lost one."""
    toc = run("pdftotext", "-f", "2", "-l", "3", str(book), "-")
    first = min(int(n) for n in re.findall(r"\.{3,}\s*(\d+)\s*$", toc, re.M))
    text = squash(run("pdftotext", "-f", str(first), "-x", "0", "-y", "45", "-W", "600", "-H", "750",
                      str(book), "-"))
    # Links print their address after the text; leave those out before comparing.
    text = re.sub(r"\((https?://|p\.\d)[^()]*\)", "", text)
    missing, pos = [], 0
    for src in nav_sources():
        html = (site / page_dir(src) / "index.html").read_text(encoding="utf-8")
        title = squash(front_matter(src)["title"])
        start = text.find(title, pos)
        if start < 0:
            missing.append(f"docs/{src}: title not found after the previous page")
            continue
        sentinel = sentinel_sentence(main_text_blocks(html))
        end = text.find(squash(sentinel), start)
        if end < 0:
            missing.append(f"docs/{src}: {sentinel!r}")
            continue
        pos = end
    assert not missing, "book is missing (or misorders) the end of:\n" + "\n".join(missing)


def sentinel_sentence(blocks: list[str]) -> str:
    """The last sentence of the page's main text that has at least six words (a bare link list item
    such as 'Evidence base.' is too common to prove anything)."""
    for block in reversed(blocks):
        for sentence in reversed(re.split(r"(?<=[.!?])\s+(?=[A-Z“\"(])", block)):
            if len(sentence.split()) >= 6:
                return sentence
    raise AssertionError("no sentence of six words or more in the page")


def test_sentinel_check_can_fail(site):
    """The sentinel helper finds a real sentence, not an empty string that is 'in' anything."""
    html = (site / "guide" / "why-rejection-hurts" / "index.html").read_text(encoding="utf-8")
    sentinel = sentinel_sentence(main_text_blocks(html))
    assert len(sentinel.split()) >= 6
    assert squash(sentinel) not in squash("Some other text entirely.")


@pytest.mark.parametrize("src", sorted(HANDOUTS))
def test_handout(site, src, tmp_path):
    pdf = site / "pdf" / "handouts" / HANDOUTS[src]
    meta = front_matter(src)
    pages = int(info(pdf)["Pages"])
    assert pages <= 4, f"{pdf.name}: {pages} pages; a handout is at most 4"
    text = run("pdftotext", str(pdf), "-")
    flat = squash(text)
    url = SITE_URL + page_dir(src)
    assert squash(meta["title"]) in flat, f"{pdf.name}: no title"
    assert squash(f"Online version: {url}") in flat, f"{pdf.name}: no printed URL"
    assert "Page last reviewed" in text, f"{pdf.name}: no review date"
    assert "Skip to content" not in text and "Back to top" not in text, f"{pdf.name}: site chrome printed"
    if meta["audience"] == "client":
        for line in CRISIS:
            assert line in text, f"{pdf.name}: crisis box lacks {line}"
        if 'class="references-heading"' in (site / page_dir(src) / "index.html").read_text(encoding="utf-8"):
            assert "References" in text, f"{pdf.name}: no references"
    assert decode_qr(pdf, tmp_path) == [url], f"{pdf.name}: QR code does not read back as {url}"


def test_guide_pages_carry_a_qr_code_of_their_url(site, tmp_path):
    """The print-only QR code in each built page's HTML, rendered and decoded, is that page's canonical URL."""
    from weasyprint import HTML
    expected, blocks = [], []
    for src in sorted(HANDOUTS):
        soup = BeautifulSoup((site / page_dir(src) / "index.html").read_text(encoding="utf-8"), "lxml")
        svg = soup.select_one(".print-qr svg")
        assert svg is not None, f"{src}: no QR code in the page"
        canonical = soup.find("link", rel="canonical")["href"]
        assert soup.select_one(".print-qr").get_text(" ", strip=True).endswith(canonical), src
        link = soup.select_one("a.handout-link")
        assert link is not None and link.get_text(strip=True) == "Download this page as a handout (PDF)", src
        assert (site / page_dir(src) / link["href"]).resolve() == (site / "pdf" / "handouts" / HANDOUTS[src]).resolve()
        expected.append(canonical)
        blocks.append(f'<div style="break-after: page; width: 60mm">{svg}</div>')
    pdf = tmp_path / "qr.pdf"
    HTML(string="<html><head><style>svg { width: 40mm; height: 40mm; }</style></head><body>"
         + "".join(blocks) + "</body></html>").write_pdf(pdf)
    run("pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "qr"))
    decoded = []
    for png in sorted(tmp_path.glob("qr-*.png")):
        out = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True).stdout.split()
        decoded.append(out[0] if len(out) == 1 else out)
    assert decoded == expected


def test_a_long_page_leaves_marked_sections_online(site):
    """A `.handout-skip` section is out of the handout, named in one "Online only" line, and the references
    it alone cited go with it; the rest keep their numbers. The book keeps every section."""
    skipped = 0
    book = squash(run("pdftotext", str(site / "pdf" / "belonging-guide.pdf"), "-"))
    for src in sorted(HANDOUTS):
        page = BeautifulSoup((site / page_dir(src) / "index.html").read_text(encoding="utf-8"), "lxml")
        marked = page.select("article h2.handout-skip, article h3.handout-skip")
        if not marked:
            continue
        raw = " ".join(run("pdftotext", str(site / "pdf" / "handouts" / HANDOUTS[src]), "-").split())
        text = squash(raw)
        notes = " ".join(re.findall(r"Online only, on this page’s web version: [^.]*\.", raw))
        for heading in marked:
            title = heading.get_text(" ", strip=True).rstrip("¶").strip()
            body = heading.find_next_sibling()
            assert f"“{title}”" in notes, (src, title, notes)
            first = squash(body.get_text(" ", strip=True))[:60]
            assert first not in text, f"{HANDOUTS[src]}: '{title}' is still printed ({first!r})"
            assert first in book, f"the book lost '{title}'"
            skipped += 1
        listed = re.findall(r"(?:^|\s)(\d+)\. [A-Z][^,]+, [A-Z]\.", raw.split("References", 1)[-1])
        assert listed and listed == sorted(listed, key=int), (src, listed)
    assert skipped >= 3


def test_handouts_page_and_home_link_the_downloads(site):
    page = BeautifulSoup((site / "handouts" / "index.html").read_text(encoding="utf-8"), "lxml")
    hrefs = {a["href"]: a.get_text(" ", strip=True) for a in page.select("article a[href]")}
    for src, name in HANDOUTS.items():
        href = f"../pdf/handouts/{name}"
        assert hrefs.get(href) == front_matter(src)["title"], f"/handouts/ lacks {href}"
        assert (site / "handouts" / href).resolve().is_file()
    assert "../pdf/belonging-guide.pdf" in hrefs
    assert "../downloads/belonging-guide-offline.zip" in hrefs
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "lxml")
    assert home.select_one('article a[href="pdf/belonging-guide.pdf"]') is not None
