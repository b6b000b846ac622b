"""<!-- md:glossary --> on a line of its own: every term of includes/glossary.md, A to Z, as a definition list
whose terms carry ids (/glossary/#sociometer). A line of the file that is not `*[term]: definition` stops
the build with the file, the line and the fix. Configured as `scripts.markdown.glossary` (file: the
glossary, from the project root).
"""
from __future__ import annotations

import html as htmllib
import re

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from scripts.markdown import ContentError, project_root

MARKER = "<!-- md:glossary -->"
DEFAULT_FILE = "includes/glossary.md"


def terms(path, shown: str = DEFAULT_FILE) -> list[tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        match = re.match(r"^\*\[([^\]]+)\]:\s*(.+)$", line)
        if not match:
            raise ContentError(f"{shown}:{number}: not a glossary line. Fix: write *[term]: definition")
        term, definition = match.group(1), match.group(2).strip()
        found.setdefault(term.casefold(), (term, definition))
    return sorted(found.values(), key=lambda t: t[0].casefold())


def definition_list(path, shown: str = DEFAULT_FILE) -> str:
    rows = []
    for term, definition in terms(path, shown):
        slug = re.sub(r"[^a-z0-9]+", "-", term.casefold()).strip("-")
        rows.append(f'<dt id="{slug}">{htmllib.escape(term)}</dt>\n<dd>{htmllib.escape(definition)}</dd>')
    return '<dl class="glossary">\n' + "\n".join(rows) + "\n</dl>"


class _List(Preprocessor):
    def __init__(self, md, file: str):
        super().__init__(md)
        self.file = file

    def run(self, lines):
        text = "\n".join(lines)
        if MARKER not in text:
            return lines
        html = definition_list(project_root(self.md) / self.file, self.file)
        return text.replace(MARKER, html).split("\n")  # raw HTML, so MkDocs sees the ids as anchors


class GlossaryExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"file": [DEFAULT_FILE, "the glossary file, from the project root"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        md.preprocessors.register(_List(md, self.getConfig("file")), "guide_glossary", 29)


def makeExtension(**kwargs):
    return GlossaryExtension(**kwargs)
