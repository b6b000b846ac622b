"""QR codes and handout links for printable pages. Owned by the PDF/print work.

- on_page_markdown: for every page that has a handout (all of guide/, plus two clinician pages),
  page.meta["qr_svg"] is an inline SVG QR code of page.canonical_url (segno, built offline at build
  time) and page.meta["handout_pdf"] the handout's path from the site root. overrides/partials/
  print-extras.html shows both. On handouts.md the marker <!-- handouts:list --> becomes the list
  of every handout, as raw HTML links (the PDFs do not exist yet when MkDocs checks links).
- on_page_content: internal links get data-print-url (their absolute URL), so print.css can
  print where a link goes on paper.

scripts/build/pdf.py imports HANDOUT_EXTRA, handout_name() and nav_pages() from here, so the site, the
handouts page and the PDF build agree on which handouts exist and what they are called.
"""
from __future__ import annotations

import html as htmllib
import posixpath
import re
from urllib.parse import urljoin

import segno

HANDOUT_DIR = "pdf/handouts"
BOOK_PDF = "pdf/belonging-guide.pdf"
OFFLINE_ZIP = "downloads/belonging-guide-offline.zip"
HANDOUT_EXTRA = ("clinicians/supervision-questions.md", "clinicians/treatment-planning.md")
LIST_MARKER = "<!-- handouts:list -->"


def has_handout(src_uri: str) -> bool:
    return src_uri.startswith("guide/") or src_uri in HANDOUT_EXTRA


def handout_name(src_uri: str) -> str:
    """guide/why-rejection-hurts.md -> guide-why-rejection-hurts.pdf; guide/index.md -> guide-start-here.pdf"""
    section, _, rest = src_uri.removesuffix(".md").partition("/")
    slug = rest.removesuffix("index").strip("/") or "start-here"
    return f"{section}-{slug.replace('/', '-')}.pdf"


def nav_pages(nav) -> list[tuple[str, str, str]]:
    """(section title, nav title, src path) for every page in the mkdocs.yml nav, in order."""
    out: list[tuple[str, str, str]] = []

    def walk(items, section):
        for item in items or []:
            if isinstance(item, str):
                out.append((section, "", item))
                continue
            for title, value in item.items():
                if isinstance(value, list):
                    walk(value, title)
                else:
                    out.append((section or title, title, value))

    walk(nav, "")
    return out


def qr_svg(url: str, svgclass: str = "print-qr__code") -> str:
    """An inline SVG QR code of url: the print-only code on handouts, the on-screen one under "Share this
    page" (scripts/hooks/pages.py) and the ready-made packs' covers (scripts/build/packs.py)."""
    qr = segno.make(url, error="m", micro=False)
    # 4-module quiet zone (the QR spec's minimum) so scanners find it on paper.
    return qr.svg_inline(scale=4, border=4, omitsize=True, svgclass=svgclass, lineclass=None,
                         title=f"QR code for {url}")


def _relative(page, target: str) -> str:
    base = posixpath.dirname(page.url) if not page.url.endswith("/") else page.url.rstrip("/")
    return posixpath.relpath(target, base or ".")


def _front_matter_title(file) -> str:
    from mkdocs.utils.meta import get_data
    _, meta = get_data(file.content_string)
    return str(meta.get("title") or file.src_uri)


def handouts_list(page, config, files) -> str:
    by_src = {f.src_uri: f for f in files.documentation_pages()}
    rows = []
    for _section, _title, src in nav_pages(config.nav):
        if has_handout(src) and src in by_src:
            title = htmllib.escape(_front_matter_title(by_src[src]))
            href = _relative(page, f"{HANDOUT_DIR}/{handout_name(src)}")
            rows.append(f'<li><a href="{href}" type="application/pdf">{title}</a> (PDF)</li>')
    return '<ul class="handout-list">\n' + "\n".join(rows) + "\n</ul>"


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    if has_handout(src) and page.canonical_url:
        page.meta["qr_svg"] = qr_svg(page.canonical_url)
        page.meta["handout_pdf"] = f"{HANDOUT_DIR}/{handout_name(src)}"
    if LIST_MARKER in markdown:
        markdown = markdown.replace(LIST_MARKER, handouts_list(page, config, files))
        markdown = markdown.replace("{book_href}", _relative(page, BOOK_PDF))
        markdown = markdown.replace("{offline_href}", _relative(page, OFFLINE_ZIP))
    return markdown


_A = re.compile(r'<a (?![^>]*\bdata-print-url=)([^>]*?)href="([^"#][^"]*)"([^>]*)>')
_SKIP_CLASS = re.compile(r'class="[^"]*\b(headerlink|footnote-ref|footnote-backref|evidence-inference)\b')


def on_page_content(html, page, config, files):
    base = page.canonical_url
    if not base:
        return html

    def add(match):
        attrs = match.group(0)
        href = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", href) or _SKIP_CLASS.search(attrs):
            return attrs
        return attrs[:-1] + f' data-print-url="{htmllib.escape(urljoin(base, href))}">'

    return _A.sub(add, html)
