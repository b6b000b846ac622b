"""Figures: hand-written SVG files in docs/figures/, drawn into the page itself. A MkDocs hook.

A page places a figure with a plain Markdown image on a line of its own, whose alt text is the
figure's short text alternative:

    ![Two boxes added together: frequent, pleasant contact plus a stable, caring bond](../figures/two-part-requirement.svg)

on_page_content replaces that image with the SVG inline, so its words stay real text and its colours
follow the site's palette variables in both schemes (the .tx, .ln, .ac, .t1... classes; guide.css).
The file's own colours (presentation attributes) are black, white and greys: that is how it prints,
and how WeasyPrint draws it in the handouts and the book. The file's <title> becomes the visible
caption and its <desc> the longer description, in a <details> beside the picture (a blank line
in <desc> starts a new paragraph: client pages keep paragraphs to three sentences).

Stops the build (file, line, fix) on a figure image with no alt text, a missing file, or an SVG
without <title> or <desc>, with a <script>, <style>, <foreignObject> or an external reference.
"""
from __future__ import annotations

import html as htmllib
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

FIGURES = "figures"
IMG = re.compile(r'<p>\s*(<img\b[^>]*\bsrc="([^"]*?figures/([a-z0-9-]+)\.svg)"[^>]*>)\s*</p>')
FORBIDDEN = re.compile(r"<(script|style|foreignObject|image)\b|\b(href|xlink:href)=|url\(", re.I)
_CACHE: dict[Path, tuple[float, str, str, str]] = {}


def _fail(page, needle: str, message: str):
    text = page.file.content_string
    pos = text.find(needle)
    line = text.count("\n", 0, pos) + 1 if pos >= 0 else 1
    raise PluginError(f"docs/{page.file.src_uri}:{line}: {message}")


def read_svg(path: Path) -> tuple[str, str, str]:
    """(title, description, the <svg> element without them), checked."""
    stamp = path.stat().st_mtime
    if path in _CACHE and _CACHE[path][0] == stamp:
        return _CACHE[path][1:]
    text = path.read_text(encoding="utf-8").strip()
    rel = f"docs/{FIGURES}/{path.name}"
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    desc = re.search(r"<desc>(.*?)</desc>", text, re.S)
    if not text.startswith("<svg") or not title or not desc or not title.group(1).strip() or not desc.group(1).strip():
        raise PluginError(f"{rel}:1: an SVG figure starts with <svg> and has a <title> (the caption) and a <desc> "
                          "(the longer description). Fix: add them.")
    bad = FORBIDDEN.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise PluginError(f"{rel}:{line}: '{bad.group(0)}' is not allowed in a figure (no scripts, styles, "
                          "images or links: it is drawn into the page). Fix: use shapes, text and the colour classes.")
    body = text.replace(title.group(0), "", 1).replace(desc.group(0), "", 1)
    _CACHE[path] = (stamp, title.group(1).strip(), desc.group(1).strip(), body)
    return _CACHE[path][1:]


def figure_html(name: str, alt: str, title: str, desc: str, svg: str) -> str:
    fid = f"figure-{name}"
    paras = "".join(f"<p>{htmllib.escape(' '.join(p.split()))}</p>" for p in re.split(r"\n\s*\n", desc) if p.strip())
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{htmllib.escape(alt)}" '
                      f'aria-describedby="{fid}-desc" focusable="false" data-search-exclude ', 1)
    # The caption first: HTML allows a figcaption only as a figure's first or last child.
    return (f'<figure class="guide-figure" id="{fid}">\n'
            f'<figcaption>{htmllib.escape(title)}</figcaption>\n{svg}\n'
            f'<details class="guide-figure__desc"><summary>The figure in words</summary>'
            f'<div id="{fid}-desc">{paras}</div></details>\n</figure>')


def on_page_content(html, page, config, files):
    docs = Path(config.docs_dir)

    def replace(match):
        img, src, name = match.group(1), match.group(2), match.group(3)
        alt = re.search(r'\balt="([^"]*)"', img)
        alt = htmllib.unescape(alt.group(1)).strip() if alt else ""
        if len(alt) < 10:
            _fail(page, f"{name}.svg", f"figure {name}.svg has no text alternative. Fix: write what the picture "
                                       f"shows as its alt text: ![what it shows](…/{name}.svg).")
        path = docs / FIGURES / f"{name}.svg"
        base = page.url if page.url.endswith("/") else posixpath.dirname(page.url)
        target = posixpath.normpath(posixpath.join(base, src))  # MkDocs has made src relative to the page URL
        if target != f"{FIGURES}/{name}.svg" or not path.is_file():
            _fail(page, f"{name}.svg", f"no figure docs/{FIGURES}/{name}.svg. Fix: link a file in docs/{FIGURES}/.")
        return figure_html(name, alt, *read_svg(path))

    return IMG.sub(replace, html)
