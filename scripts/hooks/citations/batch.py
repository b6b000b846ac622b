"""Citations, part 2: every citation block of the site formatted in ONE pandoc call (a few, in parallel,
for a big .bib or site: see chunk_blocks; each run reads only the entries it cites), cached on disk
keyed by the .bib, the CSL, pandoc's version and the blocks. mkdocs-bibtex then finds everything
cached and never calls pandoc itself. One call also makes 2020a/2020b letters the same on every page.
pandoc reads references.bib as written, not pybtex's re-serialisation (which turns \\& into a line
break: "Taylor\\ & Francis"). CITATION_BATCH=0: mkdocs-bibtex as shipped (a pandoc call per page).
"""
from __future__ import annotations

import collections
import copy
import hashlib
import json
import os
import re
from pathlib import Path

import markdown
from mkdocs.exceptions import PluginError

from scripts.hooks.citations.bibdata import CACHE_DIR, STATS, _line_of, entry_texts, use_cache

FULL_BIB = "<!-- md:bibliography -->"


def _blocks(markdown: str):
    from mkdocs_bibtex.citation import CitationBlock

    return CitationBlock.from_markdown(markdown)


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
    # One run when everything fits in one (a small guide: one pandoc call); else a few counts to choose from.
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


def batch_format(registry, blocks, bib_text: str, csl: str, root: Path, extension=None):
    """Fill the plugin's caches for all blocks with a few pandoc calls, side by side (or none, from disk)."""
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
