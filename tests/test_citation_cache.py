"""Batching and the on-disk cache in scripts/hooks/citations/ change nothing a reader sees.

The guide is built three ways from one throw-away copy of the project:
  unbatched - CITATION_BATCH=0: plain mkdocs-bibtex, one pandoc call per page with new citations;
  cold      - batched, fresh .cache: every citation block of the site in one run per chunk (chunk_blocks:
              one up to CHUNK_ENTRIES cited entries, the guide's 168 in two, side by side), cache written;
  warm      - batched, the same project again: everything from .cache, no pandoc at all.
Every page's <article> (in-text citations and reference lists) must be byte-identical in all three.

pandoc calls are counted twice: from the "citations: N pandoc call(s), cache ..." line that the hook
logs at INFO, and by a wrapper around the pandoc binary (PYPANDOC_PANDOC) that logs every --citeproc run.
"""
from __future__ import annotations

import difflib
import re
import shutil
import stat
from pathlib import Path

import pytest

from conftest import article, content_pages, copy_project, mkdocs_build

CALLS_LINE = re.compile(r"citations: (\d+) pandoc call\(s\), cache (\S+) "
                        r"\(reference lists of (\d+) of (\d+) pages rendered directly\)")
FULL_BIB_PAGES = {"references/index.html"}  # pages with <!-- md:bibliography -->


def pandoc_wrapper(folder: Path) -> Path:
    import pypandoc

    real = pypandoc.get_pandoc_path()
    wrapper = folder / "pandoc-counting"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" --citeproc "*) echo "$*" >> "$PANDOC_CALL_LOG";; esac\n'
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


class Build:
    def __init__(self, name: str, base: Path, project: Path, wrapper: Path, env: dict):
        self.site = base / f"site-{name}"
        calls_log = base / f"pandoc-calls-{name}.log"
        calls_log.touch()
        result = mkdocs_build(project, self.site, env={**env, "PYPANDOC_PANDOC": str(wrapper),
                                                       "PANDOC_CALL_LOG": str(calls_log)})
        assert result.returncode == 0, f"{name} build failed:\n{result.stdout}{result.stderr}"
        match = CALLS_LINE.search(result.stderr)
        assert match, f"{name}: no 'citations: N pandoc call(s)' line in the log:\n{result.stderr}"
        self.logged_calls, self.cache = int(match.group(1)), match.group(2)
        self.direct, self.citing = int(match.group(3)), int(match.group(4))
        self.wrapped_calls = len(calls_log.read_text(encoding="utf-8").splitlines())

    def articles(self) -> dict[str, str]:
        return {str(page.relative_to(self.site)): str(article(page)) for page in content_pages(self.site)}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Build]:
    base = tmp_path_factory.mktemp("citation-cache")
    project = copy_project(base / "project")
    shutil.rmtree(project / ".cache", ignore_errors=True)  # copy_project brings the checkout's warm cache
    wrapper = pandoc_wrapper(base)
    return {
        "unbatched": Build("unbatched", base, project, wrapper, {"CITATION_BATCH": "0", "CITATION_CACHE": "0"}),
        "cold": Build("cold", base, project, wrapper, {}),
        "warm": Build("warm", base, project, wrapper, {}),
    }


def ambiguous_surnames() -> set[str]:
    """First-author surnames that stand for two or more people in references.bib (Cacioppo, J. T. and S.).
    APA 7 then adds the first author's initials in text. One pandoc run sees the whole site, so batched
    builds add them on every page, as the full bibliography needs (the same reason 2020a/2020b letters
    are the same on every page); mkdocs-bibtex as shipped adds them only on a page that cites both."""
    from pybtex.database import parse_file

    people: dict[str, set[str]] = {}
    for entry in parse_file(str(Path(__file__).resolve().parents[1] / "references.bib")).entries.values():
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        if persons:
            first = persons[0]
            initials = ".".join("-".join(part[0] for part in name.split("-") if part)
                                for name in first.first_names + first.middle_names)
            people.setdefault(" ".join(first.last_names), set()).add(initials)
    return {name for name, given in people.items() if len(given) > 1}


def without_disambiguation(html: str) -> str:
    """A page with the words of its in-text citations set aside (footnote numbers, links and reference
    lists kept): where two entries would read alike (Käll et al., 2020 twice; two first authors called
    Cacioppo), one pandoc run over the whole site tells them apart on every page, as the full
    bibliography needs; mkdocs-bibtex as shipped does so only on a page that cites both."""
    return re.sub(r"\([^()<>]*\d{4}[a-z]?\)(?=<sup id=\"fnref)", "(citation)", html)


def first_difference(a: str, b: str, names=("a", "b")) -> str:
    diff = difflib.unified_diff(a.splitlines(), b.splitlines(), *names, lineterm="", n=1)
    return "\n".join(line[:300] for line in list(diff)[:12])


def compare(left: Build, right: Build, names: tuple[str, str], skip=frozenset()) -> None:
    a, b = left.articles(), right.articles()
    a = {page: without_disambiguation(html) for page, html in a.items()}
    b = {page: without_disambiguation(html) for page, html in b.items()}
    assert sorted(a) == sorted(b), "the builds made different pages"
    assert len(a) >= 20
    different = [page for page in sorted(a) if page not in skip and a[page] != b[page]]
    assert not different, f"{names[0]} and {names[1]} differ on {different}:\n" + "\n\n".join(
        first_difference(a[page], b[page], names) for page in different[:3])


def test_cold_batched_build_calls_pandoc_once_per_planned_run(builds):
    from scripts.hooks.citations.batch import CHUNK_ENTRIES
    cold = builds["cold"]
    assert cold.cache == "miss"
    assert cold.logged_calls == cold.wrapped_calls   # the hook's count is every pandoc run there was
    entries = len(re.findall(r"^@\w+\{", (Path(__file__).resolve().parents[1] / "references.bib").read_text(
        encoding="utf-8"), re.M))
    assert 1 <= cold.wrapped_calls <= -(-entries // CHUNK_ENTRIES) * 2, (cold.wrapped_calls, entries)
    assert cold.wrapped_calls * 5 <= builds["unbatched"].wrapped_calls


def test_warm_build_calls_no_pandoc(builds):
    warm = builds["warm"]
    assert warm.cache == "hit"
    assert warm.logged_calls == 0
    assert warm.wrapped_calls == 0


def test_unbatched_build_calls_pandoc_per_page(builds):
    unbatched = builds["unbatched"]
    assert unbatched.cache == "per-page"
    # citations.py counts only its own batch call; the per-page calls are mkdocs-bibtex's, seen by the wrapper.
    assert unbatched.wrapped_calls > 1
    assert unbatched.logged_calls in (0, unbatched.wrapped_calls)


def test_cache_changes_nothing(builds):
    compare(builds["cold"], builds["warm"], ("cold", "warm"))


def test_batched_builds_render_every_reference_list_directly(builds):
    """The unbatched build is the footnotes extension's own HTML; the batched ones are ours."""
    assert builds["unbatched"].direct == 0
    for name in ("cold", "warm"):
        assert builds[name].citing >= 20
        assert builds[name].direct == builds[name].citing, f"{name}: some pages fell back to the footnotes extension"


def test_batching_changes_no_citing_page(builds):
    compare(builds["unbatched"], builds["cold"], ("unbatched", "batched"), skip=FULL_BIB_PAGES)


def test_batching_changes_not_the_full_bibliography(builds):
    a, b = builds["unbatched"].articles(), builds["cold"].articles()
    for page in FULL_BIB_PAGES:
        assert a[page] == b[page], first_difference(a[page], b[page], ("unbatched", "batched"))


COLLIDING_BIB = "".join(
    f"@article{{{key},\n  author = {{{authors}}},\n  title = {{Study {n}}},\n  journal = {{J}},\n"
    f"  year = {{{year}}},\n  volume = {{1}},\n  pages = {{{n}--{n + 9}}}\n}}\n% checked against the publisher's page\n"
    for n, (key, authors, year) in enumerate([
        ("smith2020a", "Smith, Anna and Jones, Bo", 2020),         # same authors, same year: 2020a/b
        ("smith2020b", "Smith, Anna and Jones, Bo", 2020),
        ("smith2020c", "Smith, Carl", 2020),                       # another Smith: initials
        ("smith2019", "Smith, Anna and Lee, Di and Ng, Ed", 2019),
        ("smith2019b", "Smith, Anna and Park, Flo and Ng, Ed", 2019),  # et al. collision: more names
        ("lee2001", "Lee, Gus", 2001), ("lee2001b", "Lee, Hal", 2001),
        ("ng1999", "Ng, Ivy", 1999), ("ng1999b", "Ng, Ivy", 1999),
        ("park2010", "Park, Jo and Smith, Anna", 2010), ("park2011", "Park, Jo", 2011),
        ("ohara2005", "O'Hara, Kim", 2005), ("zed2015", "Zed, Lu", 2015), ("zed2016", "Zed, Lu", 2016),
        ("adams2000", "Adams, May", 2000), ("brown2000", "Brown, Ned", 2000), ("brown2000b", "Brown, Oz", 2000),
    ], start=1))


def test_chunked_runs_format_like_one_run(tmp_path, monkeypatch):
    """Shared out over many pandoc runs (a few entries each, run in parallel, each reading only the
    entries it cites), every citation and reference comes out as one run over everything gives it:
    initials, extra names, 2020a/b."""
    from scripts.hooks import citations
    from mkdocs_bibtex.citation import CitationBlock
    from mkdocs_bibtex.registry import PandocRegistry

    bib = tmp_path / "refs.bib"
    bib.write_text(COLLIDING_BIB, encoding="utf-8")
    registry = PandocRegistry([str(bib)], citations.apa_csl_path(), None, "ref-{key}")
    registry.__dict__["bib_data_bibtex"] = COLLIDING_BIB
    keys = list(registry.bib_data.entries)
    text = " ".join([f"[@{k}]" for k in keys[::2]] + [f"[@{k}, p. {i}]" for i, k in enumerate(keys[1::3], 5)]
                    + [f"[@{a}; @{b}]" for a, b in zip(keys[::3], keys[1::4])] + ["[see @lee2001b, chap. 2]"])
    blocks = CitationBlock.from_markdown(text)
    runs = citations.chunk_blocks(blocks, registry.bib_data.entries, size=3, workers=4)
    assert len(runs) >= 4
    assert sorted(str(b) for _, kept in runs for b in kept) == sorted(str(b) for b in blocks)
    one_inline, one_references = registry._process_with_pandoc(blocks)
    read = []
    process = PandocRegistry._process_with_pandoc

    def recording(self, run):
        read.append(self.bib_data_bibtex.count("\n@"))
        return process(self, run)

    monkeypatch.setattr(PandocRegistry, "_process_with_pandoc", recording)
    inline, references = citations.format_blocks(registry, blocks, size=3, workers=4)
    assert len(read) == len(runs) and max(read) < len(keys) - 1, f"runs read {read} of {len(keys)} entries"
    assert "Jones, 2020a" in " ".join(one_inline.values()), "the fixture lost its 2020a/b"
    assert "A. Smith" in " ".join(one_inline.values()) and "Park, et al." in " ".join(one_inline.values()), \
        "the fixture lost its initials or extra names"
    assert inline == one_inline
    assert references == one_references


def test_groups_cited_together_share_a_run():
    """A block citing two surname groups makes its run cite both whole, so groups cited together are
    put in the same run: over two runs, no entry is read twice. (Placed by size alone, the Aho, Bay
    and Cruz groups land in one run and Bay and Diaz are read twice.)"""
    from scripts.hooks import citations
    from mkdocs_bibtex.citation import CitationBlock
    from pybtex.database import parse_string

    entries = parse_string("".join(
        f"@article{{{key}, author = {{{key.capitalize()}, Ann}}, title = {{T}}, journal = {{J}}, year = {{2020}}}}\n"
        for key in ("aho", "bay", "cruz", "diaz")), "bibtex").entries
    blocks = CitationBlock.from_markdown("[@aho; @bay] [@bay] [@cruz; @diaz] [@diaz]")
    runs = citations.chunk_blocks(blocks, entries, size=2, workers=2)
    cited = [sorted({c.key for block in run for c in block.citations}) for run, _ in runs]
    assert sorted(cited) == [["aho", "bay"], ["cruz", "diaz"]], cited


def test_what_the_build_kept_stays_frozen_only_when_the_process_exits_next():
    """After `mkdocs build` the parsed .bib and the cache stay out of the garbage collector (the
    process exits: nothing to collect one by one); under `mkdocs serve`, or when the command is not
    known, they are handed back so that a rebuild can free them."""
    import gc
    from scripts.hooks import citations

    try:
        for command, frozen in (("build", True), ("gh-deploy", True), ("serve", False), (None, False)):
            citations.COMMAND["name"] = None
            if command:
                citations.on_startup(command=command, dirty=False)
            gc.freeze()
            citations.on_post_build(config=None)
            assert (gc.get_freeze_count() > 0) is frozen, command
    finally:
        gc.unfreeze()
        citations.COMMAND["name"] = None


def test_an_edited_bib_is_read_again(project, tmp_path):
    """The warm build keeps pybtex's parse, the citations and the rendered references: all keyed by the
    .bib's content, so an edit shows at once."""
    first = mkdocs_build(project, tmp_path / "one")
    assert first.returncode == 0, first.stderr
    assert list((project / ".cache" / "citations").glob("bib-*.pickle")), "no parsed .bib kept"
    bib = project / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace(
        "title   = {The need to belong: Desire for interpersonal attachments as a fundamental human motivation}",
        "title   = {The need to belong: An edited title for this test}", 1), encoding="utf-8")
    second = mkdocs_build(project, tmp_path / "two")
    assert second.returncode == 0, second.stderr
    assert CALLS_LINE.search(second.stderr).group(2) == "miss"
    for page in ("references/index.html", "clinicians/belongingness-hypothesis/index.html"):
        text = (tmp_path / "two" / page).read_text(encoding="utf-8")
        assert "The need to belong: An edited title for this test" in text, page
        assert "fundamental human motivation" not in str(article(tmp_path / "two" / page)).split("References")[-1]


def test_shared_surnames_get_initials_on_every_page(site):
    """Two first authors called Cacioppo (John T. and Stephanie): every page that cites either names
    them with initials, the same as the full bibliography needs, whichever of them the page cites."""
    surnames = ambiguous_surnames()
    assert "Cacioppo" in surnames, surnames
    for page in content_pages(site):
        text = article(page).get_text(" ")
        for name in surnames:
            # the surname as first author of a parenthetical citation: "(X, 2010" or "; X et al., 2013"
            for match in re.finditer(rf"(?:\(|; )((?:[A-Z]\.(?:[- ]?[A-Z]\.)* )?){name}(?: et al\.| & [^,()]+)?, \d{{4}}",
                                     text):
                assert match.group(1), f"{page}: '{match.group(0)}' has no initials"


def test_a_bib_with_strings_or_crossrefs_is_read_whole_by_every_run():
    from scripts.hooks import citations

    parts = citations.entry_texts(COLLIDING_BIB)
    assert parts and all(text.lstrip().startswith("@") and f"{{{key}," in text for key, text in parts.items())
    assert "".join(f"{text}\n" for text in parts.values()).strip() == COLLIDING_BIB.strip()
    assert citations.entry_texts('@string{apa = "American Psychological Association"}\n' + COLLIDING_BIB) is None
    assert citations.entry_texts(COLLIDING_BIB.replace("year", "crossref = {ng1999},\n  year", 1)) is None
