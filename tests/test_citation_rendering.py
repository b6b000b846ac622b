"""Reference lists rendered directly (scripts/hooks/citations/render.py) come out as the footnotes
extension writes them: repeat citations in lists, boxes, tables, tabs and headings, in Markdown and in a
real strict build; a page's own footnote stays a footnote. Batching and the cache: test_citation_cache."""
from __future__ import annotations

import pytest

from conftest import mkdocs_build
from test_citation_cache import first_difference, without_disambiguation


TRICKY = """\
# Title

## A heading citing (A, 2000)[^ref-a] twice (B, 1999)[^ref-b]

Setext heading (C, 2001)[^ref-c]
--------------------------------

### *Emphasis* then (B, 1999)[^ref-b] {#own-id}

Intro (A, 2000)[^ref-a] and again *in emphasis (A, 2000)[^ref-a]* and [a link](#x) (B, 1999)[^ref-b].

- a list item (B, 1999)[^ref-b]
    - nested (A, 2000)[^ref-a] [^ref-c]
- second item

!!! note "Box"
    Inside a box (C, 2001)[^ref-c] and (A, 2000)[^ref-a].

| Claim | Source |
|---|---|
| a row | (B, 1999)[^ref-b] |

=== "Tab one"

    In a tab (A, 2000)[^ref-a].

<div markdown="1">
Raw block with markdown (C, 2001)[^ref-c].
</div>

Term
:   A definition (B, 1999)[^ref-b].

Closing paragraph "quoted" (A, 2000)[^ref-a]'s end, "a quote ending on a citation (B, 1999)[^ref-b]".

!!! warning "A box title citing (C, 2001)[^ref-c]"
    Body.

??? note "A folded box citing (A, 2000)[^ref-a]"
    Folded body (B, 1999)[^ref-b].

[^ref-a]: Alpha, A. (2000). *A title*. Journal, 1--2.
[^ref-b]: Beta, B. (1999). "Quoted" title. <https://doi.org/10.1/x>
[^ref-c]: Gamma, C. (2001). Third -- with dashes...
"""


@pytest.mark.parametrize("text", [TRICKY, TRICKY.replace("# Title\n", "# Title\n\n*[Journal]: An abbr\n")],
                         ids=["nested", "with-abbr"])
def test_direct_rendering_matches_footnotes_extension(text):
    """Repeat citations in lists, boxes, tables, tabs, raw HTML and definition lists get the ids
    (fnref2:, fnref3:, ...) and back-links the footnotes extension gives them, in its order; a citation
    in a heading stays out of the heading's id and table-of-contents entry, as it does there."""
    import markdown

    from scripts.hooks import citations

    extensions = ["abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables",
                  "smarty", "toc", "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.details"]
    configs = {"pymdownx.tabbed": {"alternate_style": True}}
    pages, tocs = {}, {}
    before = dict(citations.STATS)
    for fast in (False, True):
        md = markdown.Markdown(extensions=extensions + [citations.PrerenderedReferences({}, fast)],
                               extension_configs=configs)
        pages[fast] = md.convert(text)
        tocs[fast] = md.toc_tokens
    assert citations.STATS["direct"] == before["direct"] + 1, "the direct path was not taken"
    assert 'href="#fnref4:ref-a"' in pages[False], "the example lost its repeat citations"
    assert '<h2 id="a-heading-citing-a-2000-twice-b-1999">' in pages[False], "the example lost its cited heading"
    assert pages[True] == pages[False], first_difference(pages[False], pages[True], ("footnotes", "direct"))
    assert tocs[True] == tocs[False]


def test_direct_rendering_in_a_real_strict_build(project, tmp_path):
    """Through MkDocs --strict (its anchor and link checks included): citations in a heading (and so
    in the table of contents) and before a closing quote come out as the footnotes extension writes
    them, on the whole page."""
    page = project / "docs" / "clinicians" / "evidence-base.md"
    page.write_text(page.read_text(encoding="utf-8") + (
        "\n\n## A heading that cites [@baumeister1995need] {#cited-heading}\n\n"
        'They wrote that people "need to belong [@baumeister1995need]". Again [@leary2000nature].\n'), encoding="utf-8")
    built = {}
    for name, env in (("footnotes", {"CITATION_BATCH": "0", "CITATION_CACHE": "0"}), ("direct", {})):
        result = mkdocs_build(project, tmp_path / name, env=env)
        assert result.returncode == 0, f"{name}:\n{result.stderr[-3000:]}"
        built[name] = (tmp_path / name / "clinicians" / "evidence-base" / "index.html").read_text(encoding="utf-8")
    assert '<a href="#cited-heading" class="md-nav__link">' in built["footnotes"]
    assert "</a></sup>&rdquo;." in built["footnotes"], "the example lost its quote closing after a citation"
    built = {name: without_disambiguation(html) for name, html in built.items()}
    assert built["direct"] == built["footnotes"], first_difference(built["footnotes"], built["direct"])


def test_an_ordinary_footnote_is_not_a_reference_list(project, tmp_path):
    """Only citations make a References section; a page's own footnote stays a footnote (and searchable)."""
    page = project / "docs" / "handouts.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n\nEvery handout prints on A4.[^paper]\n\n"
                    "[^paper]: Letter paper works too, with wider margins.\n", encoding="utf-8")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / "site" / "handouts" / "index.html").read_text(encoding="utf-8")
    assert 'id="fn:paper"' in html and "references-heading" not in html
    index = (tmp_path / "site" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Letter paper works too" in index
    cited = (tmp_path / "site" / "clinicians" / "evidence-base" / "index.html").read_text(encoding="utf-8")
    assert "references-heading" in cited, "citing pages keep their References heading"
