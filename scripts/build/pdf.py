"""Builds the PDFs (the book and the handouts) into SITE_DIR/pdf/. Usage: python -m scripts.build.pdf SITE_DIR

Runs after `mkdocs build`, fully offline: WeasyPrint may fetch only file: and data: URLs.

- SITE_DIR/pdf/belonging-guide.pdf: the whole guide as a book. The <article> of every built page,
  in nav order (mkdocs.yml), is put into one HTML document (ids prefixed per page, so footnotes
  and anchors of different pages never collide; links between pages become links inside the
  book), after a cover and a table of contents with page numbers.
- SITE_DIR/pdf/handouts/<section>-<slug>.pdf: each page that has a handout (scripts/hooks/qr.py says
  which), rendered from the built page itself with the site's own print stylesheet
  (docs/stylesheets/print.css), so a page printed from the browser looks the same.

Every PDF is tagged PDF/UA-1 (title and language from the page), fonts are installed Noto/DejaVu
fonts, embedded.
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import logging
import os
import posixpath
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from scripts.hooks import helplines  # the cover's crisis note, from includes/helplines.yml
from scripts.hooks import qr

ROOT = Path(__file__).resolve().parents[2]

logging.getLogger("weasyprint").setLevel(logging.ERROR)  # Material's CSS: many harmless "unsupported" warnings
logging.getLogger("fontTools").setLevel(logging.ERROR)

BOOK_TITLE = "The Belonging Guide"
FONTS = '"Noto Sans", "DejaVu Sans", sans-serif'
MONO = '"DejaVu Sans Mono", "Noto Sans Mono", monospace'

# Added to every PDF: installed fonts only (the site uses the reader's system fonts).
PDF_CSS = f"""
@media print {{
  html, body, .md-typeset, .md-typeset h1, .md-typeset h2, .md-typeset h3 {{ font-family: {FONTS} !important; }}
  .md-typeset code, .md-typeset pre, .md-typeset kbd {{ font-family: {MONO} !important; }}
  .md-typeset {{ font-size: 10pt !important; line-height: 1.45; hyphens: manual !important; }}
  .md-typeset p, .md-typeset ul, .md-typeset ol {{ margin-top: 0.5em; margin-bottom: 0.5em; }}
  .md-typeset h1 {{ font-size: 19pt; font-weight: 700; color: #000; margin: 0 0 0.6em; }}
  .md-typeset h2 {{ font-size: 13pt; font-weight: 700; margin: 1.1em 0 0.4em; }}
  .md-typeset h3 {{ font-size: 11pt; font-weight: 700; margin: 1em 0 0.3em; }}
  .md-typeset .admonition {{ margin: 0.8em 0; }}
  /* The crisis box (includes/helplines.yml): small and tight, so it costs a handout few lines. */
  .md-typeset .crisis-help {{ margin: 0.8em 0 !important; padding: 0.3em 0.8em !important; font-size: 9pt;
                             line-height: 1.3; }}
  .md-typeset .crisis-help p {{ margin: 0.1em 0 !important; }}
  .md-typeset .crisis-help ul {{ margin: 0.2em 0; }}
  .md-typeset .crisis-help li {{ margin: 0 0 0.1em; }}
  .md-typeset div.footnote {{ font-size: 8.5pt; line-height: 1.35; }}
  .md-typeset div.footnote li {{ margin-bottom: 0.2em; }}
  .md-typeset div.footnote li p {{ margin: 0; }}
  .md-typeset div.footnote hr {{ display: none; }}
  .md-typeset .references-heading {{ margin-top: 0.8em; }}
  .visually-hidden {{ display: none !important; }}
  h1 {{ bookmark-level: 1; }} h2 {{ bookmark-level: 2; }} h3, h4, h5, h6 {{ bookmark-level: none; }}
}}
"""

# A handout that spills onto one more page gets a second try, slightly tighter.
COMPACT_CSS = """
@media print {
  .md-typeset { font-size: 9.5pt !important; line-height: 1.4; }
  .md-typeset h2 { margin-top: 0.9em; }
  .md-typeset div.footnote { font-size: 8pt; }
  .print-qr svg { width: 22mm; height: 22mm; }
}
"""

# The book only: cover, table of contents, chapters, running header.
BOOK_CSS = f"""
@page {{
  size: A4; margin: 20mm 20mm 22mm;
  @top-left {{ content: string(section); font-family: {FONTS}; font-size: 8pt; color: #555; }}
  @top-right {{ content: string(chapter); font-family: {FONTS}; font-size: 8pt; color: #555; }}
  @bottom-center {{ content: counter(page) " / " counter(pages); font-family: {FONTS}; font-size: 8pt; color: #555; }}
}}
@page cover {{ @top-left {{ content: none; }} @top-right {{ content: none; }} @bottom-center {{ content: none; }} }}
@page front {{ @top-left {{ content: none; }} @top-right {{ content: none; }} }}
html, body {{ font-family: {FONTS}; margin: 0; padding: 0; color: #000; background: #fff; }}
.cover {{ page: cover; text-align: left; padding-top: 60mm; break-after: page; }}
.cover h1 {{ font-size: 32pt; margin: 0 0 0.3em; font-weight: 700; color: #00695c; bookmark-level: 1; }}
.cover .subtitle {{ font-size: 14pt; margin: 0 0 3em; }}
.cover .meta {{ font-size: 11pt; line-height: 1.6; }}
.cover .meta a {{ color: inherit; }}
.cover .note {{ margin-top: 24mm; font-size: 10pt; border-left: 4px solid #b45309; padding-left: 1em; }}
.cover .note p, .cover .note ul {{ margin: 0.3em 0; }}
.cover .note ul {{ padding-left: 1.2em; }}
.toc {{ page: front; break-after: page; }}
.toc h1 {{ font-size: 20pt; margin: 0 0 1em; bookmark-level: 1; }}
.toc ol {{ list-style: none; margin: 0; padding: 0; }}
.toc li {{ margin: 0.25em 0; font-size: 10.5pt; }}
.toc li.toc-section, .toc li.toc-top {{ font-weight: 700; margin-top: 1em; }}
.toc li.toc-top a::after {{ font-weight: 400; }}
.toc li.toc-page {{ padding-left: 1.2em; }}
.toc a {{ color: inherit; text-decoration: none; }}
.toc a::after {{ content: leader('.') target-counter(attr(href), page); }}
.chapter {{ break-before: page; string-set: section attr(data-section); }}
.chapter > .md-typeset > h1:first-child, .chapter h1.chapter-title {{ string-set: chapter content(text); }}
.md-typeset .print-qr, .md-typeset .handout-download, .md-typeset .cite-this-page {{ display: none !important; }}
.md-typeset .footnote-ref::after {{ content: none !important; }}
"""


def load_config() -> dict:
    from mkdocs.utils.yaml import yaml_load
    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        return yaml_load(f)


def page_url(src: str) -> str:
    """guide/index.md -> guide/ ; guide/x.md -> guide/x/ ; index.md -> '' (directory URLs)."""
    path = src.removesuffix(".md")
    if path == "index" or path.endswith("/index"):
        path = path.removesuffix("index")
        return path
    return path + "/"


def build_date() -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


def fetcher():
    from weasyprint.urls import URLFetcher
    return URLFetcher(allowed_protocols={"file", "data"})


# ---------------------------------------------------------------- handouts

_CSS_CACHE: dict[str, object] = {}
_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"[^>]*>')


def _css(path: Path):
    """Parse each stylesheet once per process (Material's is big), not once per page."""
    from weasyprint import CSS
    key = str(path)
    if key not in _CSS_CACHE:
        _CSS_CACHE[key] = CSS(filename=key, url_fetcher=fetcher(), media_type="print")
    return _CSS_CACHE[key]


HANDOUT_SKIP = "handout-skip"   # a ## or ### heading's class: the handout leaves that section out, saying where it is


def _ends_section(el, level: int) -> bool:
    """The next heading of the same or a higher level, the crisis box, the reference list or the review line."""
    classes = el.get("class") or []
    return (el.name in [f"h{n}" for n in range(1, level + 1)] or el.name == "aside" or "footnote" in classes
            or "page-review" in classes)


def handout_sections(text: str) -> str:
    """A page too long for a handout marks the sections that can stay online (`## Title {#id .handout-skip}`,
    or ###): each is left out of the handout, neighbours named together in one line (the handout ends with
    the page's address and QR code), and references only those sections cited leave with them (the others
    keep their numbers)."""
    if HANDOUT_SKIP not in text:
        return text
    soup = BeautifulSoup(text, "lxml")
    for heading in soup.select(f"article h2.{HANDOUT_SKIP}, article h3.{HANDOUT_SKIP}"):
        level = int(heading.name[1])
        for link in heading.select("a.headerlink"):
            link.decompose()
        title = heading.get_text(" ", strip=True)
        while (nxt := heading.find_next_sibling()) is not None and not _ends_section(nxt, level):
            nxt.decompose()
        before = heading.find_previous_sibling()
        if before is not None and "handout-skipped" in (before.get("class") or []):   # one note for neighbours
            before["data-titles"] += "\n" + title
            heading.decompose()
        else:
            heading.replace_with(soup.new_tag("p", attrs={"class": "handout-skipped", "data-titles": title}))
    for note in soup.select("p.handout-skipped"):
        *rest, last = [f"\u201c{t}\u201d" for t in note.attrs.pop("data-titles").split("\n")]
        note.string = f"Online only, on this page\u2019s web version: {', '.join(rest) + ' and ' if rest else ''}{last}."
    cited = {a["href"][1:] for a in soup.select("article a.footnote-ref[href^='#']")}
    listing = soup.select_one("article div.footnote > ol")
    if listing is not None:
        listing["style"] = "list-style: none; padding-left: 0"   # the numbers written out: some leave
        for number, item in enumerate(listing.find_all("li", recursive=False), 1):
            if item.get("id") not in cited:
                item.decompose()
                continue
            first = item.find("p") or item
            first.insert(0, f"{number}. ")
    return str(soup)


def make_handout(site: str, src: str, target: str) -> tuple[str, float, int]:
    """The built page as the browser prints it: its own stylesheets (print.css included), plus fonts."""
    from weasyprint import CSS, HTML
    start = time.perf_counter()
    html_file = (Path(site) / page_url(src) / "index.html").resolve()
    text = handout_sections(html_file.read_text(encoding="utf-8"))
    sheets = []

    def take(match):
        href = match.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            return ""  # never fetched: nothing leaves the machine
        sheets.append(_css((html_file.parent / href).resolve()))
        return ""

    text = _LINK.sub(take, text)
    page = HTML(string=text, base_url=html_file.as_uri(), url_fetcher=fetcher(), media_type="print")
    doc = page.render(stylesheets=[*sheets, _css_string(PDF_CSS)])
    if len(doc.pages) > 2:  # one try at saving a page that holds only the last lines or the QR code
        compact = page.render(stylesheets=[*sheets, _css_string(PDF_CSS + COMPACT_CSS)])
        if len(compact.pages) < len(doc.pages):
            doc = compact
    doc.write_pdf(target, pdf_variant="pdf/ua-1", pdf_tags=True)
    return target, time.perf_counter() - start, len(doc.pages)


def _css_string(text: str):
    from weasyprint import CSS
    if text not in _CSS_CACHE:
        _CSS_CACHE[text] = CSS(string=text, media_type="print")
    return _CSS_CACHE[text]


# ---------------------------------------------------------------- book

def _pfx(url: str) -> str:
    return "p-" + (re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home")


def chapter_html(site: Path, section: str, src: str, pages: dict[str, str], site_url: str) -> str:
    url = page_url(src)
    pfx = pages[url]
    soup = BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "lxml")
    article = soup.select_one("article.md-content__inner")
    if article is None:
        raise SystemExit(f"pdf.py: {url or '/'}index.html has no <article>; was it built by mkdocs?")
    for junk in article.select("a.headerlink, a.footnote-backref, .md-content__button, script, "
                               ".print-qr, .handout-download, .cite-this-page, .md-source-file"):
        junk.decompose()
    for el in article.find_all(id=True):
        el["id"] = f"{pfx}--{el['id']}"
    for attr in ("aria-labelledby", "aria-describedby", "for"):
        for el in article.find_all(attrs={attr: True}):
            value = el[attr]
            el[attr] = " ".join(f"{pfx}--{v}" for v in (value if isinstance(value, list) else value.split()))
    page_abs = "/" + url
    for a in article.find_all("a", href=True):
        href = a["href"]
        if href.startswith("#"):
            a["href"] = f"#{pfx}--{href[1:]}" if len(href) > 1 else f"#{pfx}"
            continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            continue
        target = urlsplit(urljoin(page_abs, href))
        path = target.path.lstrip("/")
        if path.endswith("index.html"):
            path = path.removesuffix("index.html")
        if path in pages:
            anchor = f"{pages[path]}--{target.fragment}" if target.fragment else pages[path]
            a["href"] = "#" + anchor
            if a.has_attr("data-print-url"):
                del a["data-print-url"]
            if "evidence-inference" not in (a.get("class") or []):
                a["class"] = (a.get("class") or []) + ["book-internal"]
        else:  # a file (a handout, the zip): its published address
            a["href"] = urljoin(site_url, path) + (f"#{target.fragment}" if target.fragment else "")
            if a.has_attr("data-print-url"):
                del a["data-print-url"]
    for img in article.find_all(["img", "source"], src=True):
        if not re.match(r"^[a-z][a-z0-9+.-]*:", img["src"]):
            img["src"] = (site / url / img["src"]).resolve().as_uri()
    h1 = article.find("h1")
    if h1 is not None:
        h1["class"] = (h1.get("class") or []) + ["chapter-title"]
    article.name = "div"
    article["class"] = ["md-typeset"]
    return (f'<section class="chapter" id="{pfx}" data-section="{htmllib.escape(section)}">\n'
            f"{article}\n</section>")


def make_book(site: str, target: str) -> tuple[str, float, int]:
    from weasyprint import HTML
    start = time.perf_counter()
    site_p = Path(site)
    config = load_config()
    site_url = str(config.get("site_url") or "").rstrip("/") + "/"
    nav = [(section, src, not title or title == section) for section, title, src in qr.nav_pages(config["nav"])]
    pages = {page_url(src): _pfx(page_url(src)) for _s, src, _top in nav}
    chapters, toc, last_section = [], [], None
    for section, src, top in nav:
        url = page_url(src)
        chapters.append(chapter_html(site_p, section, src, pages, site_url))
        title = BeautifulSoup((site_p / url / "index.html").read_text(encoding="utf-8"), "lxml").find("h1")
        title = title.get_text(" ", strip=True).rstrip("¶").strip() if title else src
        if not top and section != last_section:
            toc.append(f'<li class="toc-section">{htmllib.escape(section)}</li>')
        last_section = None if top else section
        toc.append(f'<li class="{"toc-top" if top else "toc-page"}"><a href="#{pages[url]}">{htmllib.escape(title)}</a></li>')
    date = build_date()
    # The site's own stylesheets, then ours; all given to WeasyPrint in this order (later wins).
    sheets = [_css(p.resolve()) for pattern in ("assets/stylesheets/main.*.min.css", "stylesheets/guide.css",
                                                "stylesheets/print.css") for p in sorted(site_p.glob(pattern))]
    sheets.append(_css_string(PDF_CSS + BOOK_CSS))
    document = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{BOOK_TITLE}</title>
<meta name="description" content="{htmllib.escape(str(config.get('site_description', '')))}">
<meta name="author" content="{BOOK_TITLE}">
<meta name="dcterms.created" content="{date.isoformat()}">
<meta name="dcterms.modified" content="{date.isoformat()}">
</head>
<body>
<section class="cover">
<h1>{BOOK_TITLE}</h1>
<p class="subtitle">{htmllib.escape(str(config.get('site_description', '')))}</p>
<p class="meta">Online: <a href="{site_url}">{site_url}</a><br>
Built: <time datetime="{date.isoformat()}">{date.strftime('%-d %B %Y')}</time></p>
{helplines.cover_note_html(ROOT)}
</section>
<nav class="toc" aria-label="Contents">
<h1 id="contents">Contents</h1>
<ol>
{chr(10).join(toc)}
</ol>
</nav>
{chr(10).join(chapters)}
</body>
</html>"""
    doc = HTML(string=document, base_url=site_p.resolve().as_uri() + "/", url_fetcher=fetcher(),
               media_type="print").render(stylesheets=sheets)
    doc.write_pdf(target, pdf_variant="pdf/ua-1", pdf_tags=True)
    return target, time.perf_counter() - start, len(doc.pages)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    site = Path(argv[1]).resolve()
    if not (site / "index.html").exists():
        print(f"pdf.py: {site} is not a built site (no index.html); run mkdocs build first", file=sys.stderr)
        return 2
    try:
        helplines.load(ROOT)
    except Exception as exc:  # a bad includes/helplines.yml: the same message as the site build gives
        print(f"pdf.py: {exc}", file=sys.stderr)
        return 2
    out = site / "pdf"
    (out / "handouts").mkdir(parents=True, exist_ok=True)
    config = load_config()
    handouts = [src for _s, _t, src in qr.nav_pages(config["nav"]) if qr.has_handout(src)]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        book = pool.submit(make_book, str(site), str(out / "belonging-guide.pdf"))
        jobs = [pool.submit(make_handout, str(site), src, str(out / "handouts" / qr.handout_name(src)))
                for src in handouts]
        results = [job.result() for job in jobs]
        book_path, book_seconds, book_pages = book.result()
    print(f"pdf: book {Path(book_path).relative_to(site)}: {book_pages} pages in {book_seconds:.1f} s")
    print(f"pdf: handouts: {len(results)} in {sum(r[1] for r in results):.1f} s "
          f"(slowest {max((r[1] for r in results), default=0):.1f} s; pages: "
          + ", ".join(f"{Path(r[0]).stem} {r[2]}" for r in results) + ")")
    print(f"pdf: total wall time {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
