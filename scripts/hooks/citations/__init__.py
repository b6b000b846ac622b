"""Citations around mkdocs-bibtex 4.4.0 (archived upstream): checks, speed and APA fixes. This file is
the hook (mkdocs.yml lists it); the work is in
  bibdata.py  reading, linting and keeping the .bib (and the APA 7 style's path);
  batch.py    every citation of the site formatted in one pandoc run (or a few), cached on disk;
  render.py   the Markdown extension that writes citation markers and reference lists.

- on_config: the .bib checked and parsed once (bibdata.prepare); the extension added.
- on_files: reads every page once, stops on an unknown key (page, line, key) or an entry cited nowhere,
  then formats every citation block (batch.batch_format). What lives as long as the build (the parsed
  .bib, the cache) is kept out of the garbage collector's passes (gc.freeze) until it ends; under
  `mkdocs build` until the process exits, which then has no cycles of ~100,000 objects to collect.
- on_page_markdown (after the plugin): on client pages and /get-help-now/, citations as numbers only (audience.py);
  reference lists in APA order (alphabetical), not citation or .bib order, each reference followed by
  its evidence (design and size) where the .bib gives it; <!-- md:bibliography --> becomes the full
  bibliography.
- on_page_content: reference lists get a heading and stay out of the search index (the search
  plugin does not even read them, nor the citations' footnote numbers; on_page_context puts both
  back); the full bibliography loses its back-links to nowhere.
- CITATION_CACHE=0: no disk cache (a cold build). CITATION_BATCH=0: mkdocs-bibtex as shipped
  (a pandoc call per page, the footnotes extension): tests/test_citation_cache.py compares them.
"""
from __future__ import annotations

import gc
import logging
import os
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from scripts.hooks.citations.batch import (  # noqa: F401  (chunk_blocks, format_blocks: bench and tests)
    FULL_BIB, batch_format, chunk_blocks, collect_blocks, format_blocks)
from scripts.hooks.citations.bibdata import (  # noqa: F401  (entry_texts: tests)
    STATS, bibtex_plugin, apa_csl_path, check_all_cited, entry_texts, prepare)
from scripts.hooks.citations.audience import evidence_html, numbers_only
from scripts.hooks.citations.render import PrerenderedReferences
from scripts.hooks.helplines import CRISIS_PAGE

log = logging.getLogger("mkdocs.hooks.citations")

EXTENSION: dict = {}  # this build's PrerenderedReferences
_NOTE_LINE = re.compile(r"^\[\^ref-[^\]]+\]: .*$")


@event_priority(100)  # before mkdocs-bibtex parses the .bib, so our clear message comes first
def on_config(config):
    prepare(config, bibtex_plugin(config))
    fast = os.environ.get("CITATION_BATCH", "1") != "0"
    EXTENSION["references"] = PrerenderedReferences(config.mdx_configs.get("smarty", {}), fast)
    config.markdown_extensions.append(EXTENSION["references"])
    return config


CITED_KEYS: set[str] = set()


@event_priority(100)
def on_files(files, config):
    plugin = bibtex_plugin(config)
    registry = plugin.registry
    root = Path(config.config_file_path).parent
    bib_path = root / (plugin.config.bib_file or "references.bib")
    # Each page read once here (File.content_string reads the file at every use; MkDocs reads it again).
    texts = {file.src_uri: file.content_string for file in files.documentation_pages()}
    blocks, cited = collect_blocks(texts, config, registry.bib_data.entries)
    CITED_KEYS.clear()
    CITED_KEYS.update(cited)
    check_all_cited(bib_path, registry.bib_data.entries, cited, texts.values())
    batch_format(registry, blocks, bib_path.read_text(encoding="utf-8"), plugin.config.csl_file, root,
                 EXTENSION.get("references"))
    # The parsed .bib and the citation cache live as long as the build: leave them out of the garbage
    # collector's full passes, each of which would walk them again (~50 ms a build at 2000 entries).
    gc.freeze()
    return files


_UNMARKED = str.maketrans("", "", "*_[]")


def apa_sort_key(line: str) -> str:
    return line.split("]: ", 1)[1].translate(_UNMARKED).casefold()


def full_bibliography(registry) -> str:
    """The whole .bib as an APA list with stable ids (#ref-key): no footnote numbers, no back-links."""
    from mkdocs_bibtex.citation import Citation, CitationBlock

    missing = [key for key in registry.bib_data.entries if key not in registry._reference_cache]
    if missing:  # CITATION_BATCH=0: only the entries cited by pages built so far are formatted
        registry.validate_citation_blocks([CitationBlock(citations=[Citation(key=key)]) for key in missing])
    items = sorted(registry._reference_cache.items(), key=lambda kv: apa_sort_key(f"x]: {kv[1]}"))
    entries = registry.bib_data.entries
    rows = "\n".join(f'<li id="ref-{key}" markdown="span">{text}{evidence_html(entries.get(key))}</li>'
                     for key, text in items)
    return f'<ul class="full-bibliography" markdown="1" data-search-exclude>\n{rows}\n</ul>'


@event_priority(-100)  # after mkdocs-bibtex has written the footnote definitions
def on_page_markdown(markdown, page, config, files):
    # The full bibliography is ours: mkdocs-bibtex's \full_bibliography renders footnotes in .bib
    # order with back-links to nowhere.
    if FULL_BIB in markdown:
        markdown = markdown.replace(FULL_BIB, full_bibliography(bibtex_plugin(config).registry))
    registry = bibtex_plugin(config).registry
    # Client pages and the crisis page cite with the number alone (audience.py); clinician pages keep
    # author-year.
    if page.meta.get("audience") == "client" or page.file.src_uri == CRISIS_PAGE:
        markdown = numbers_only(markdown, page.file.content_string, registry)
    # Footnote definitions in APA order; Python-Markdown numbers footnotes in definition order. Each ends
    # with its evidence (design and size), if the .bib gives it.
    lines = markdown.split("\n")
    notes = [i for i, line in enumerate(lines) if _NOTE_LINE.match(line)]
    if notes:
        ordered = sorted((lines[i] for i in notes), key=apa_sort_key)
        for i, line in zip(notes, ordered):
            key = line[len("[^ref-"):line.index("]")]
            lines[i] = line + evidence_html(registry.bib_data.entries.get(key))
    return "\n".join(lines)


ABBR = re.compile(r"<abbr\b[^>]*>(.*?)</abbr>", re.S)


def _plain_references(html: str, marker: str) -> str:
    """Glossary hovers belong in prose, not inside reference titles. `marker`: the list's opening tag up
    to its class (md_in_html may write the class after other attributes)."""
    tag, _, attribute = marker.partition(" ")
    found = re.search(rf"{re.escape(tag)}\b[^>]*\b{re.escape(attribute)}", html)
    return html if not found else html[:found.start()] + ABBR.sub(r"\1", html[found.start():])


REFERENCES_HIDDEN = "<!-- citations: the reference list, put back after search has read the page -->"
MARKER_HIDDEN = "<!--cite-->"  # a footnote number (a citation's, or any other on a citing page), put back
                               # after search has read the page
_MARKER = re.compile(r'<sup id="fnref[0-9]*:[^"]*"><a class="footnote-ref" href="#fn:[^"]*">[^<]*</a></sup>')
_HIDDEN: dict[str, tuple[str, list[str]]] = {}  # page src_uri -> (its reference list, its markers)


@event_priority(-100)  # after the other hooks, which may place things before the list (pages.py: crisis box)
def on_page_content(html, page, config, files):
    html = _plain_references(html, '<ul class="full-bibliography"')
    if '<div class="footnote">' not in html or '<li id="fn:ref-' not in html:
        return html  # no citations here: an ordinary footnote is not a reference list
    html = _plain_references(html, '<div class="footnote">')
    heading = '<h2 class="references-heading" id="references" data-search-exclude>References</h2>'
    start = html.index('<div class="footnote">')
    end = html.index("</ol>\n</div>", start) + len("</ol>\n</div>")
    # The search plugin would parse every reference only to skip it (data-search-exclude): a third of
    # its time on citing pages. It reads the page without the list, and without the citations' footnote
    # numbers (noise in a search result: "(Author, 2020)<sup>1</sup>", and the rest of its time on
    # citing pages); both go back before rendering.
    listing = (heading + '\n<div class="footnote" data-search-exclude>'
               + html[start + len('<div class="footnote">'):end])
    markers: list[str] = []

    def hide(match):
        markers.append(match.group(0))
        return MARKER_HIDDEN

    html = _MARKER.sub(hide, html[:start]) + REFERENCES_HIDDEN + html[end:]
    _HIDDEN[page.file.src_uri] = (listing, markers)
    return html


@event_priority(-100)  # after the search plugin's on_page_context
def on_page_context(context, page, config, nav):
    hidden = _HIDDEN.pop(page.file.src_uri, None)
    if hidden is not None:
        listing, markers = hidden
        content = page.content.replace(REFERENCES_HIDDEN, listing, 1)
        if markers:
            parts = content.split(MARKER_HIDDEN)
            if len(parts) != len(markers) + 1:
                raise PluginError(f"{page.file.src_uri}: {len(parts) - 1} citation markers came back, "
                                  f"{len(markers)} went to search: a hook changed them in between.")
            content = "".join(part + marker for part, marker in zip(parts, markers)) + parts[-1]
        page.content = content
    return context


COMMAND = {"name": None}


def on_startup(command, dirty):
    COMMAND["name"] = command


def on_serve(server, config, builder):
    """`make serve` rebuilds when the .bib changes. Watched from here, not from mkdocs.yml's `watch:`,
    which would stop a build without a .bib with MkDocs' own config error instead of ours (file and fix)."""
    plugin = bibtex_plugin(config)
    server.watch(str(Path(config.config_file_path).parent / (plugin.config.bib_file or "references.bib")))
    return server


def on_post_build(config):
    # Under `mkdocs serve`, what this build kept alive may be collected once the next replaces it. After
    # `mkdocs build` the process exits: left frozen, its objects are not walked and freed one by one
    # at exit (0.2 s at 2000 entries).
    if COMMAND["name"] not in ("build", "gh-deploy"):
        gc.unfreeze()
    log.info("citations: %s pandoc call(s), cache %s (reference lists of %s of %s pages rendered directly)",
             STATS["pandoc_calls"], STATS["cache"], STATS["direct"], STATS["pages"])


def on_build_error(error):
    gc.unfreeze()
