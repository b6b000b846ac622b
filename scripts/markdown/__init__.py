"""Python-Markdown extensions for in-page transforms: the code path MkDocs, ProperDocs and Zensical all
run (hooks are ignored by Zensical without a word). Each is configured under markdown_extensions in
mkdocs.yml by its module name (scripts.markdown.figures ...):

  inference.py  <!-- md:inference --> after a sentence: the evidence marker, worded by the page's audience
  glossary.py   <!-- md:glossary -->: every term of includes/glossary.md as a definition list
  figures.py    an image of docs/figures/NAME.svg alone on a line: the SVG drawn into the page
  helplines.py  <!-- md:helplines show=... region=... -->: crisis lines from includes/helplines.yml

Python-Markdown tells an extension nothing about the page it renders; under MkDocs and ProperDocs the
page's file is on the 'relpath' treeprocessor they register for every page (page_file below), which the
extensions use for the page's audience and for file:line in their errors. Without it they still render.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

try:  # a clean "Aborted with a BuildError" under MkDocs and ProperDocs, not a traceback
    from mkdocs.exceptions import PluginError as ContentError
except ImportError:  # pragma: no cover - another renderer
    class ContentError(Exception):
        """A content problem: 'file:line: what. Fix: how'."""


def page_file(md):
    """The MkDocs/ProperDocs File being rendered, or None."""
    relpath = md.treeprocessors["relpath"] if "relpath" in md.treeprocessors else None
    return getattr(relpath, "file", None)


def project_root(md) -> Path:
    """The folder mkdocs.yml is in (the current one when the renderer does not say)."""
    relpath = md.treeprocessors["relpath"] if "relpath" in md.treeprocessors else None
    config = getattr(relpath, "config", None)
    path = config.config_file_path if config is not None and config.config_file_path else None
    return Path(path).parent if path else Path.cwd()


def where(md, needle: str) -> str:
    """'docs/guide/x.md:LINE' for the first line of the page's source holding needle ('the page' if unknown)."""
    file = page_file(md)
    if file is None:
        return "the page"
    text = file.content_string
    pos = text.find(needle)
    return f"docs/{file.src_uri}:{text.count(chr(10), 0, pos) + 1 if pos >= 0 else 1}"


def relative(md, target: str) -> str:
    """target (a path under docs/, such as about.md) as a link from the page being rendered."""
    file = page_file(md)
    here = posixpath.dirname(file.src_uri) if file is not None else ""
    return posixpath.relpath(target, here or ".")
