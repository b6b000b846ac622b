"""Figures: hand-written SVG files in docs/figures/, drawn into the page itself.

A page places a figure with a plain Markdown image on a line of its own, whose alt text is the
figure's short text alternative:

    ![Two boxes added together: frequent, pleasant contact plus a stable, caring bond](../figures/two-part-requirement.svg)

The image becomes the SVG inline, so its words stay real text and its colours follow the site's palette
variables in both schemes (the .tx, .ln, .ac, .t1... classes; guide.css). The file's own colours
(presentation attributes) are black, white and greys: that is how it prints, and how WeasyPrint draws
it in the handouts and the book. The file's <title> becomes the visible caption and its <desc> the
longer description, in a <details> beside the picture (a blank line in <desc> starts a new paragraph:
client pages keep paragraphs to three sentences).

Stops the build (file, line, fix) on a figure image with no alt text, a missing file, or an SVG
without <title> or <desc>, with a <script>, <style>, <foreignObject> or an external reference.
Configured as `scripts.markdown.figures` (dir: the figures folder, from the project root).
"""
from __future__ import annotations

import html as htmllib
import posixpath
import re
from pathlib import Path

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from scripts.markdown import ContentError, page_file, project_root, where

FIGURES = "figures"
SRC = re.compile(r"^(?:.*/)?figures/([a-z0-9-]+)\.svg$")
FORBIDDEN = re.compile(r"<(script|style|foreignObject|image)\b|\b(href|xlink:href)=|url\(", re.I)
_CACHE: dict[Path, tuple[float, str, str, str]] = {}


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
        raise ContentError(f"{rel}:1: an SVG figure starts with <svg> and has a <title> (the caption) and a <desc> "
                           "(the longer description). Fix: add them.")
    bad = FORBIDDEN.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ContentError(f"{rel}:{line}: '{bad.group(0)}' is not allowed in a figure (no scripts, styles, "
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


class _Figures(Treeprocessor):
    def __init__(self, md, folder: str):
        super().__init__(md)
        self.folder = folder

    def run(self, root):
        for p in root.iter("p"):
            if len(p) != 1 or p[0].tag != "img" or (p.text or "").strip() or (p[0].tail or "").strip():
                continue
            img = p[0]
            match = SRC.match(img.get("src", ""))
            if not match:
                continue
            name = match.group(1)
            alt = (img.get("alt") or "").strip()
            if len(alt) < 10:
                raise ContentError(f"{where(self.md, name + '.svg')}: figure {name}.svg has no text alternative. Fix: "
                                   f"write what the picture shows as its alt text: ![what it shows](…/{name}.svg).")
            path = project_root(self.md) / self.folder / f"{name}.svg"
            file = page_file(self.md)
            here = posixpath.dirname(file.src_uri) if file is not None else ""
            target = posixpath.normpath(posixpath.join(here, img.get("src")))
            if (file is not None and target != f"{FIGURES}/{name}.svg") or not path.is_file():
                raise ContentError(f"{where(self.md, name + '.svg')}: no figure docs/{FIGURES}/{name}.svg. "
                                   f"Fix: link a file in docs/{FIGURES}/.")
            p.remove(img)
            p.text = self.md.htmlStash.store(figure_html(name, alt, *read_svg(path)))  # a block: not kept in <p>


class FiguresExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"dir": ["docs/figures", "the figures folder, from the project root"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        md.treeprocessors.register(_Figures(md, self.getConfig("dir")), "guide_figures", 2)  # after inline and abbr


def makeExtension(**kwargs):
    return FiguresExtension(**kwargs)
