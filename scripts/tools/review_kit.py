"""The clinical review kit. Usage: python -m scripts.tools.review_kit SITE_DIR [OUT_DIR]  (`make review-kit`)

From a built site (`mkdocs build`), for each page a clinician should review (every page for clients or
clinicians, the home page and Get help now), one fillable PDF (WeasyPrint form fields, as the
worksheets): the page's text in order, every paragraph or item that cites a source numbered as a claim
(C1, C2 ...) beside its full references, each "our view"/inference statement marked (V1 ...), the safety
content (the crisis box, warnings and cautions, sections on getting help, safety, risk or suicide)
highlighted, a tick box and a comment field for each claim, and a sign-off block (name, profession,
registration, date, scope). Plus index.pdf: every page with its words, claims, our-view statements and
safety items (runs of safety content), so a reviewer can plan the work.

The kit goes to OUT_DIR (default review-kit/), never into the published site. What a reviewer fills in
stays in their copy; a finished review is recorded in includes/reviews.yml (see the top of that file).
"""
from __future__ import annotations

import copy
import html as htmllib
import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

SAFETY_HEADING = re.compile(r"safe|help now|get help|crisis|suicid|self-harm|harm|risk|danger|emergenc|worr|urgent|when to", re.I)
SAFETY_BLOCKS = ".crisis-help, .admonition.warning, .admonition.danger, .admonition.caution, .admonition.failure, ul.helplines"
DROP = ("a.headerlink, .share-page, .page-review, .cite-this-page, .handout-download, .print-qr, "
        "h2.references-heading, div.footnote, script, style, .md-source-file, svg title")
BLOCKS = ("p", "li", "td", "th", "dd", "dt", "figcaption")
CSS = """
@page { size: A4; margin: 14mm 14mm 16mm;
  @bottom-left { content: string(kit); font: 7.5pt "DejaVu Sans", sans-serif; color: #444; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7.5pt "DejaVu Sans", sans-serif; color: #444; } }
html { font-family: "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.35; color: #000; }
body { margin: 0; }
.kicker { string-set: kit attr(data-kit); margin: 0; font-size: 8pt; letter-spacing: 0.04em; text-transform: uppercase; color: #00695c; font-weight: 700; }
h1 { font-size: 17pt; margin: 1mm 0 2mm; }
h2 { font-size: 12pt; margin: 4mm 0 1.5mm; break-after: avoid; }
h3 { font-size: 10.5pt; margin: 3mm 0 1mm; break-after: avoid; }
p { margin: 0 0 1.5mm; }
.meta { font-size: 8.5pt; color: #333; }
.how { border: 0.7pt solid #888; padding: 2mm 3mm; margin: 2mm 0 3mm; font-size: 8.5pt; }
.block { margin: 0 0 1.5mm; }
.safety { background: #fff3cd; border-left: 3pt solid #b45309; padding: 1mm 2mm; }
.safety-label { font-size: 7.5pt; font-weight: 700; text-transform: uppercase; color: #7c2d12; letter-spacing: 0.03em; }
table.claim { width: 100%; border-collapse: collapse; margin: 1mm 0 2.5mm; break-inside: avoid; table-layout: fixed; }
table.claim td { border: 0.6pt solid #666; vertical-align: top; padding: 1.2mm 1.8mm; }
td.num { width: 9mm; font-weight: 700; text-align: center; }
td.text { width: 47%; }
td.refs { font-size: 8pt; }
td.refs p { margin: 0 0 1mm; }
td.check { width: 30mm; font-size: 7.5pt; }
.view td.num { background: #e8e0f5; }
.view-label { font-size: 7.5pt; font-weight: 700; color: #4a2c82; text-transform: uppercase; }
.tick { display: flex; align-items: center; gap: 1.5mm; margin-bottom: 1mm; }
.tick input { width: 4mm; height: 4mm; border: 0.7pt solid #222; margin: 0; flex: none; }
textarea { display: block; width: 100%; height: 14mm; border: 0.6pt solid #888; font: 9pt "DejaVu Sans", sans-serif; box-sizing: border-box; }
input[type=text] { display: block; width: 100%; height: 7mm; border: 0; border-bottom: 0.6pt solid #444; font: 10pt "DejaVu Sans", sans-serif; }
.signoff { break-inside: avoid; border: 1pt solid #000; padding: 3mm; margin-top: 5mm; }
.signoff .row { display: flex; gap: 4mm; margin-bottom: 2mm; }
.signoff .row > div { flex: 1; }
.signoff label { font-size: 8pt; font-weight: 700; }
.signoff textarea { height: 22mm; }
table.index { width: 100%; border-collapse: collapse; font-size: 8.5pt; }
table.index th, table.index td { border: 0.6pt solid #666; padding: 1mm 1.5mm; text-align: left; }
table.index td.n { text-align: right; }
table.index tfoot td { font-weight: 700; }
"""


def _text(node) -> str:
    return " ".join(node.get_text("").split())


def _slug(src: str) -> str:
    return src.strip("/").replace("/", "-") or "home"


def pages(site: Path) -> list[tuple[str, Path]]:
    """(url path, file) of the pages to review, in the site's navigation order where it can be read."""
    home = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    order = []
    for link in home.select("nav.md-nav--primary a.md-nav__link[href]"):
        href = link["href"].split("#")[0]
        path = (site / href).resolve()
        path = path / "index.html" if path.is_dir() or not path.suffix else path
        if path.is_file() and path not in [p for _, p in order]:
            order.append((path.parent.relative_to(site.resolve()).as_posix(), path))
    chosen = []
    for url, path in order:
        text = path.read_text(encoding="utf-8")
        first = url.split("/")[0]
        if first in ("guide", "clinicians") or url in (".", "get-help-now"):
            chosen.append(("" if url == "." else url + "/", path))
    return chosen


class Kit:
    """One page's kit: its blocks, claims and our-view statements."""

    def __init__(self, url: str, path: Path):
        self.url = url
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.md-content__inner")
        for junk in article.select("a.headerlink"):
            junk.decompose()
        self.title = _text(article.h1) if article.h1 else url
        self.references: dict[str, tuple[str, str]] = {}  # key -> (number, reference HTML)
        for li in article.select("div.footnote li[id^='fn:']"):
            for back in li.select("a.footnote-backref"):
                back.decompose()
            number = str(len(self.references) + 1)
            self.references[li["id"][len("fn:"):]] = (number, re.sub(r"</?p>", "", li.decode_contents()).strip())
        reviewed = soup.select_one(".page-review time")
        self.reviewed = reviewed.get_text(strip=True) if reviewed else ""
        for junk in article.select(DROP):
            junk.decompose()
        # In the kit's text, a citation's number reads [n] (its reference stands beside it) and the
        # inference badge reads [our view].
        for sup in article.select("sup[id^='fnref']"):
            link = sup.select_one("a.footnote-ref")
            key = link["href"].split("#fn:", 1)[-1] if link else ""
            sup["data-key"] = key
            sup.string = f"[{self.references.get(key, ('?', ''))[0]}]"
        for badge in article.select("a.evidence-inference"):
            badge.string = "[our view]"
        self.article = article
        self.words = len(_text(article).split())
        self.claims = 0
        self.views = 0
        self.safety = 0

    def _refs_html(self, block) -> str:
        keys = []
        for sup in block.select("sup[data-key]"):
            if sup["data-key"] not in keys:
                keys.append(sup["data-key"])
        parts = []
        for key in keys:
            number, ref = self.references.get(key, ("?", htmllib.escape(key)))
            parts.append(f"<p>[{number}] {ref}</p>")
        return "".join(parts)

    def _row(self, kind: str, number: int, block_html: str, refs: str) -> str:
        name = f"{kind.lower()}{number}"
        label = "Supported by the source(s)" if kind == "C" else "Reasonable as our view"
        view = ' class="claim view"' if kind == "V" else ' class="claim"'
        tag = '<p class="view-label">Our view / inference</p>' if kind == "V" else ""
        return (f'<table{view}><tr><td class="num">{kind}{number}</td><td class="text">{tag}{block_html}</td>'
                f'<td class="refs">{refs or "<p><em>No source: judge the reasoning.</em></p>"}</td>'
                f'<td class="check"><div class="tick"><input type="checkbox" name="{name}-ok" value="Yes" '
                f'title="{kind}{number}: {label}"><span>{label}</span></div>'
                f'<textarea name="{name}-comment" title="{kind}{number}: comment"></textarea></td></tr></table>')

    def body_html(self) -> str:
        out = []
        in_safety_section = False
        for element in list(self.article.children):
            if not isinstance(element, Tag) or element.name == "h1":
                continue
            if element.name in ("h2", "h3", "h4"):
                in_safety_section = bool(SAFETY_HEADING.search(_text(element)))
                out.append(f"<{element.name}>{htmllib.escape(_text(element))}</{element.name}>")
                continue
            safety = in_safety_section or _is(element, SAFETY_BLOCKS) or element.select_one(SAFETY_BLOCKS) is not None
            html = self._element(element)
            if not html:
                continue
            if safety:
                if out and isinstance(out[-1], list):  # one highlighted run for consecutive safety content
                    out[-1].append(html)
                    continue
                self.safety += 1
                out.append([html])
            else:
                out.append(html)
        return "\n".join(part if isinstance(part, str) else
                         '<div class="safety"><p class="safety-label">Safety content</p>' + "\n".join(part) + "</div>"
                         for part in out)

    def _element(self, element: Tag) -> str:
        """A top-level element: claims and our-view statements as rows; the rest as plain text."""
        parts = []
        leaves = [b for b in element.find_all(BLOCKS) if not b.find(BLOCKS)] if element.name not in BLOCKS else [element]
        if not leaves:
            text = _text(element)
            if text:
                parts.append(f'<p class="block">{htmllib.escape(text)}</p>')
        for leaf in leaves:
            text = htmllib.escape(_text(leaf))
            if not text:
                continue
            cited = leaf.select_one("sup[data-key]") is not None
            view = leaf.select_one("a.evidence-inference") is not None
            if view:
                self.views += 1
                parts.append(self._row("V", self.views, f"<p>{text}</p>", self._refs_html(leaf)))
            elif cited:
                self.claims += 1
                parts.append(self._row("C", self.claims, f"<p>{text}</p>", self._refs_html(leaf)))
            else:
                parts.append(f'<p class="block">{text}</p>')
        return "\n".join(parts)


def _is(element: Tag, selector: str) -> bool:
    try:
        return element.css.match(selector)
    except AttributeError:  # older soupsieve
        import soupsieve
        return soupsieve.match(selector, element)


SIGNOFF = """
<section class="signoff">
<h2>Sign-off</h2>
<p class="meta">Record a finished review in includes/reviews.yml (reviewer, profession, registration body and number,
date, pages, scope, what changed). The page's footer names you only from that record.</p>
<div class="row"><div><label for="s-name">Name (as on the register)</label><input type="text" id="s-name" name="signoff-name" title="Name as on the register"></div>
<div><label for="s-prof">Profession</label><input type="text" id="s-prof" name="signoff-profession" title="Profession"></div></div>
<div class="row"><div><label for="s-body">Registration body</label><input type="text" id="s-body" name="signoff-body" title="Registration body (e.g. HCPC)"></div>
<div><label for="s-num">Registration number</label><input type="text" id="s-num" name="signoff-number" title="Registration number"></div>
<div><label for="s-date">Date (YYYY-MM-DD)</label><input type="text" id="s-date" name="signoff-date" title="Date of sign-off"></div></div>
<p><strong>Scope of this review</strong></p>
<div class="tick"><input type="checkbox" name="scope-clinical-accuracy" value="Yes" title="Scope: clinical accuracy"><span>Clinical accuracy</span></div>
<div class="tick"><input type="checkbox" name="scope-safety" value="Yes" title="Scope: safety"><span>Safety</span></div>
<div class="tick"><input type="checkbox" name="scope-plain-language" value="Yes" title="Scope: plain language"><span>Plain language</span></div>
<label for="s-changes">Changes needed before sign-off (or "none")</label>
<textarea id="s-changes" name="signoff-changes" title="Changes needed before sign-off"></textarea>
</section>"""


def page_pdf_html(kit: Kit, site_url: str) -> str:
    body = kit.body_html()
    esc = htmllib.escape
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Review kit: {esc(kit.title)}</title>
<meta name="author" content="The Belonging Guide"></head><body>
<p class="kicker" data-kit="Review kit: {esc(kit.title)}">The Belonging Guide · Clinical review kit</p>
<h1>{esc(kit.title)}</h1>
<p class="meta">{esc(site_url + kit.url)} · Page last reviewed {esc(kit.reviewed)} · {kit.words} words ·
{kit.claims} cited claims · {kit.views} our-view statements · {kit.safety} safety items</p>
<div class="how"><strong>How to use this kit.</strong> Each cited claim (C1, C2 ...) stands beside its full references:
tick it if the sources support it as written, and comment where they do not. Our-view statements (V1 ...) are
reasoning no cited source states: tick them if the reasoning is sound. Safety content is highlighted: check it
first. Then complete the sign-off block at the end.</div>
{body}
{SIGNOFF}
</body></html>"""


def index_html(kits: list[Kit], site_url: str) -> str:
    esc = htmllib.escape
    rows = "".join(f"<tr><td>{esc(k.title)}</td><td>/{esc(k.url)}</td><td class='n'>{k.words}</td><td class='n'>{k.claims}</td>"
                   f"<td class='n'>{k.views}</td><td class='n'>{k.safety}</td><td>review-{esc(_slug(k.url))}.pdf</td></tr>"
                   for k in kits)
    total = (f"<tr><td>All {len(kits)} pages</td><td></td><td class='n'>{sum(k.words for k in kits)}</td>"
             f"<td class='n'>{sum(k.claims for k in kits)}</td><td class='n'>{sum(k.views for k in kits)}</td>"
             f"<td class='n'>{sum(k.safety for k in kits)}</td><td></td></tr>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Review kit: index</title>
<meta name="author" content="The Belonging Guide"></head><body>
<p class="kicker" data-kit="Review kit: index">The Belonging Guide · Clinical review kit</p>
<h1>Review kit: the pages</h1>
<p class="meta">{esc(site_url)} · one PDF per page in this folder. Words are the page's text without its reference
list; claims are paragraphs or items citing a source; safety items are the crisis box, warnings and sections on
getting help, safety or risk.</p>
<table class="index"><thead><tr><th>Page</th><th>Address</th><th>Words</th><th>Cited claims</th><th>Our view</th>
<th>Safety items</th><th>File</th></tr></thead><tbody>{rows}</tbody><tfoot>{total}</tfoot></table>
</body></html>"""


def build(site: Path, out: Path) -> list[Kit]:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    canonical = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("link[rel=canonical]")
    site_url = canonical["href"] if canonical else ""
    out.mkdir(parents=True, exist_ok=True)
    css = CSS(string=CSS_TEXT)
    fetcher = URLFetcher(allowed_protocols={"data"})
    kits = []
    for url, path in pages(site):
        kit = Kit(url, path)
        html = page_pdf_html(kit, site_url)
        HTML(string=html, url_fetcher=fetcher).write_pdf(out / f"review-{_slug(url)}.pdf", stylesheets=[css],
                                                       pdf_forms=True, pdf_tags=True)
        kits.append(kit)
    HTML(string=index_html(kits, site_url), url_fetcher=fetcher).write_pdf(out / "index.pdf", stylesheets=[css], pdf_tags=True)
    return kits


CSS_TEXT = CSS


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    site = Path(argv[1]).resolve()
    out = Path(argv[2] if len(argv) == 3 else "review-kit").resolve()
    if not (site / "index.html").is_file():
        print(f"review_kit: {site} is not a built site; run mkdocs build first", file=sys.stderr)
        return 2
    kits = build(site, out)
    print(f"review kit: {len(kits)} pages and index.pdf in {out} ({sum(k.claims for k in kits)} cited claims, "
          f"{sum(k.views for k in kits)} our-view statements)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
