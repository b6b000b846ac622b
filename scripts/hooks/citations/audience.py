"""Citations by audience, and a reference's evidence at a glance.

- Client pages (front matter `audience: client`) cite with the number alone: mkdocs-bibtex writes
  "(Author et al., 2020)[^ref-key]"; here that becomes "[^ref-key]", so the sentence reads lightly and
  the number keeps the same hover preview (Material's footnote tooltips) and the list below. Several
  sources read "1,2" (a raised comma between the numbers). Clinician and other pages keep author-year.
  The handouts and the book are printed from the pages, so they follow.
- A reference whose .bib entry has `evidence = {...}` (its design and size, in biblint's fixed form)
  shows it after the reference, in page lists (and so in the hover preview) and on /references/:
  "... https://doi.org/... — meta-analysis; 148 studies; 308,849 participants".
"""
from __future__ import annotations

import html as htmllib
import re

SEPARATOR = '<sup class="cite-sep" aria-hidden="true">,</sup>'
_REFS = re.compile(r"\[\^[^\]]+\]")


def numbers_only(markdown: str, source: str, registry) -> str:
    """Each citation the plugin wrote into `markdown` for a block in the page's `source`, as numbers only."""
    from mkdocs_bibtex.citation import CitationBlock

    done: set[str] = set()
    for block in CitationBlock.from_markdown(source):
        written = registry.inline_text(block)
        if written in done:
            continue
        done.add(written)
        refs = _REFS.findall(written)
        if not refs or written == "".join(refs):
            continue
        numbers = SEPARATOR.join(refs)
        # "text (Author, 2020)[^ref]." -> "text[^ref].": the space before the citation goes too, unless
        # the citation starts a line (a list item's text must keep its marker's space).
        markdown = re.sub(r"(?<=\S)[ \t]+" + re.escape(written), lambda _: numbers, markdown)
        markdown = markdown.replace(written, numbers)
    return markdown


def evidence_html(entry) -> str:
    value = entry.fields.get("evidence") if entry is not None else None
    return f' <span class="ref-evidence">— {htmllib.escape(str(value))}</span>' if value else ""
