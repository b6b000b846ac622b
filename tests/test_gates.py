"""Editorial gates: each rule stops the build with file, line and fix when fed bad input."""
from __future__ import annotations

import re
import subprocess

import pytest

from conftest import ENV, PY, ROOT, mkdocs_build


def edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def fails_with(project, pattern, env=None):
    result = mkdocs_build(project, project / "out", env=env)
    assert result.returncode != 0, "the build should have stopped"
    assert re.search(pattern, result.stderr), result.stderr[-3000:]
    return result


BAUMEISTER = "@article{baumeister1995need,"


# --- references.bib ------------------------------------------------------------------------------
@pytest.mark.parametrize("old, new, pattern", [
    ("  doi     = {10.1037/0033-2909.117.3.497},\n", "",
     r"references\.bib:\d+: baumeister1995need: no doi, url or isbn"),
    ("doi     = {10.1037/0033-2909.117.3.497}", "doi     = {https://doi.org/10.1037/0033-2909.117.3.497}",
     r"references\.bib:\d+: baumeister1995need: doi '.*' is not of the form 10\.NNNN/suffix"),
    ("year    = {1995},\n  title   = {The need to belong", "year    = {95},\n  title   = {The need to belong",
     r"references\.bib:\d+: baumeister1995need: year '95' is not four digits"),
    ("pages   = {497--529}", "pages   = {497-529}",
     r"references\.bib:\d+: baumeister1995need: page range '497-529' must use two hyphens"),
    ("journal = {Psychological Bulletin},\n  volume  = {117}", "journal = {Psychological \\& Bulletin},\n  volume  = {117}",
     r"references\.bib:\d+: baumeister1995need: LaTeX '\\&' is mangled"),
    ("Baumeister, Roy F.", "Baumeister, Roy~F.", r"references\.bib:\d+: baumeister1995need: '~' renders"),
    ("Baumeister, Roy F.", "Baum{\\\"e}ister, Roy F.", r"references\.bib:\d+: baumeister1995need: LaTeX"),
])
def test_bib_rules(project, old, new, pattern):
    edit(project / "references.bib", old, new)
    fails_with(project, pattern)


def test_bib_rule_reports_the_right_line(project):
    bib = project / "references.bib"
    edit(bib, "pages   = {497--529}", "pages   = {497-529}")
    line = bib.read_text(encoding="utf-8").splitlines().index("  pages   = {497-529},") + 1
    fails_with(project, rf"references\.bib:{line}: baumeister1995need: page range")


def test_every_entry_is_cited_or_listed(project):
    bib = project / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n% verified: title and publisher from a test fixture, nothing else\n"
                   "@book{nobody2020uncited,\n  author = {Nobody, A.},\n"
                   "  year = {2020},\n  title = {Uncited},\n  publisher = {Press},\n  isbn = {0415897173}\n}\n",
                   encoding="utf-8")
    fails_with(project, r"references\.bib:\d+: nobody2020uncited: cited nowhere")
    edit(project / "docs" / "references.md", "bibliography: full\n", "bibliography: full\nfurther_reading: [nobody2020uncited]\n")
    result = mkdocs_build(project, project / "out")
    assert result.returncode == 0, result.stderr[-2000:]


def test_print_book_needs_publisher_not_identifier(project):
    """APA 7 gives a print book by its publisher; the same book without one still needs an identifier."""
    bib = project / "references.bib"
    edit(bib, "  publisher = {{Hogarth Press and the Institute of Psycho-Analysis}}\n", "")
    fails_with(project, r"references\.bib:\d+: bowlby1969attachment: no doi, url or isbn")


UNVERIFIED = ("\n@book{nobody2020unverified,\n  author    = {Nobody, A.},\n  year      = {2020},\n"
              "  title     = {Unverified},\n  publisher = {Press},\n  isbn      = {0415897173}\n}\n")


def test_entry_without_verification_note_fails_then_passes_with_it(project):
    """An entry with no `% verified:` comment above it stops the build (file, line, key, fix); the same
    entry with the comment builds."""
    bib = project / "references.bib"
    edit(project / "docs" / "references.md", "bibliography: full\n",
         "bibliography: full\nfurther_reading: [nobody2020unverified]\n")
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text + UNVERIFIED, encoding="utf-8")
    line = bib.read_text(encoding="utf-8").splitlines().index("@book{nobody2020unverified,") + 1
    result = fails_with(project, rf"references\.bib:{line}: nobody2020unverified: no '% verified:' comment above "
                                 r"the entry\. Fix: on the line straight above @book\{nobody2020unverified,")
    assert "baumeister1995need" not in result.stderr  # the 30 original entries all carry their note
    bib.write_text(text + "\n% verified: title, author, year, publisher and ISBN from the test's own fixture"
                   + UNVERIFIED[1:], encoding="utf-8")
    result = mkdocs_build(project, project / "out")
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("above, pattern", [
    ("", r"no '% verified:' comment above the entry"),  # no comment at all
    ("% verified: title from the fixture page and the rest too\n\n", r"no '% verified:' comment"),  # blank line between
    ("% a note that is not a verification\n", r"no '% verified:' comment"),
    ("% verified: seen\n", r"the '% verified:' comment says too little"),
])
def test_verification_note_rule(above, pattern):
    from scripts.checks import biblint
    bib = "% verified: all fields from a fixture, for the first entry\n" + UNVERIFIED[1:] + "\n" + above + \
        UNVERIFIED[1:].replace("nobody2020unverified", "other2021entry")
    problems, _ = biblint.lint_parsed(bib, "x.bib")
    assert len(problems) == 1 and re.search(r"x\.bib:\d+: other2021entry: " + pattern, problems[0]), problems
    ok = "% verified: all fields from a fixture, for the first entry\n" + UNVERIFIED[1:]
    assert biblint.lint_parsed(ok, "x.bib")[0] == []


# --- front matter --------------------------------------------------------------------------------
PAGE = "docs/guide/myths-about-belonging.md"


@pytest.mark.parametrize("field", ["title", "description", "audience", "reviewed", "next_review", "clinical_review"])
def test_front_matter_field_required(project, field):
    page = project / PAGE
    text = page.read_text(encoding="utf-8")
    page.write_text(re.sub(rf"^{field}:.*\n", "", text, count=1, flags=re.M), encoding="utf-8")
    fails_with(project, rf"{PAGE}:2: front matter has no '{field}'\. Fix: add '{field}:'")


def test_description_length(project):
    page = project / PAGE
    text = page.read_text(encoding="utf-8")
    page.write_text(re.sub(r"^description:.*$", "description: " + "word " * 40, text, count=1, flags=re.M), encoding="utf-8")
    fails_with(project, rf"{PAGE}:3: description is \d+ characters; the limit is 160")


def test_description_unique(project):
    source = (project / "docs" / "guide" / "index.md").read_text(encoding="utf-8")
    description = re.search(r"^description:.*$", source, re.M).group(0)
    page = project / PAGE
    page.write_text(re.sub(r"^description:.*$", description, page.read_text(encoding="utf-8"), count=1, flags=re.M),
                    encoding="utf-8")
    fails_with(project, r"description is the same as docs/guide/(index|myths-about-belonging)\.md's")


def test_audience_values(project):
    page = project / PAGE
    page.write_text(re.sub(r"^audience:.*$", "audience: patients", page.read_text(encoding="utf-8"), count=1, flags=re.M),
                    encoding="utf-8")
    fails_with(project, rf"{PAGE}:4: audience is patients\. Fix: audience must be client, clinician or all\.")


def test_next_review_at_most_three_years(project):
    page = project / PAGE
    page.write_text(re.sub(r"^next_review:.*$", "next_review: 2030-01-01", page.read_text(encoding="utf-8"), count=1,
                           flags=re.M), encoding="utf-8")
    fails_with(project, rf"{PAGE}:\d+: next_review 2030-01-01 must fall after reviewed .* and at most three years later")


def test_overdue_review_warns_in_site_and_fails_audit(project):
    late = {"BUILD_DATE": "2029-06-01"}
    result = mkdocs_build(project, project / "out", env=late)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"WARNING - +docs/guide/myths-about-belonging\.md: review overdue since 2027-", result.stderr)
    fails_with(project, r"docs/[\w/-]+\.md: review overdue since", env={**late, "REVIEW_AUDIT": "1"})


# --- readability ---------------------------------------------------------------------------------
def test_client_page_reading_grade(project):
    page = project / PAGE
    hard = ("Notwithstanding considerable methodological heterogeneity, epidemiological investigations "
            "consistently demonstrate associations between interpersonal disconnectedness and deleterious "
            "physiological consequences. ")
    page.write_text(page.read_text(encoding="utf-8").replace("\n## ", "\n" + hard * 2 + "\n\n## ", 1), encoding="utf-8")
    fails_with(project, rf"{PAGE}:1: reading grade \d+\.\d is above 6\.0")


def test_client_page_between_grade_6_and_8_now_fails(project):
    """The gate moved from 8.0 to 6.0: a page made moderately harder (about grade 6.5-7.5, which the old
    gate let through) now stops the build."""
    page = project / PAGE
    moderate = ("Researchers generally consider relationships essential for psychological wellbeing. "
                "Communities provide important opportunities for meaningful participation.\n\n")
    page.write_text(page.read_text(encoding="utf-8").replace("\n## ", "\n" + moderate * 6 + "## ", 1), encoding="utf-8")
    result = fails_with(project, rf"{PAGE}:1: reading grade \d+\.\d is above 6\.0")
    grade = float(re.search(r"reading grade (\d+\.\d)", result.stderr).group(1))
    assert 6.0 < grade <= 8.0, grade


def test_client_paragraph_length(project):
    page = project / PAGE
    page.write_text(page.read_text(encoding="utf-8").replace(
        "\n## ", "\nYou matter. You can try. It may help. Go slowly.\n\n## ", 1), encoding="utf-8")
    fails_with(project, rf"{PAGE}:\d+: a paragraph has more than three sentences")


# --- markup --------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, pattern", [
    ("<!-- md:inferance -->", r"unknown marker '<!-- md:inferance -->"),
    ("<!-- inference -->", r"unknown marker"),
    ("(LLM)", r"'LLM' marker"),
    ('\n!!! example "Example"\n\n    A case.\n', r"example admonition in the wrong form"),
    ('\n!!! note "Illustrative example"\n\n    A case.\n', r"example admonition in the wrong form"),
    ("\n## A heading without an id\n", r"heading 'A heading without an id' has no explicit id"),
    ("\n## Twice {#caveats}\n", r"heading id 'caveats' is already used at line \d+"),
])
def test_markup_rules(project, bad, pattern):
    page = project / "docs" / "clinicians" / "evidence-base.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\nA sentence. " + bad + "\n", encoding="utf-8")
    line = len(text.splitlines()) + 2
    result = fails_with(project, r"docs/clinicians/evidence-base\.md:\d+: " + pattern)
    assert re.search(r"evidence-base\.md:(\d+):", result.stderr).group(1) in {str(line), str(line + 1), str(line + 2),
                                                                               str(line + 3)}


def test_markers_render_as_designed(site):
    from conftest import soup
    page = soup(site / "clinicians" / "assessment-and-interventions" / "index.html")
    badge = page.select_one("a.evidence-inference")
    assert badge is not None and badge["href"].endswith("about/#evidence-markers")
    assert "not a finding stated by a cited source" in badge.get_text()
    assert badge.get("title", "").startswith("Clinical inference")
    example = page.select_one("div.admonition.example > p.admonition-title")
    assert example is not None and example.get_text() == "Illustrative example — not a guideline"
    legend = soup(site / "about" / "index.html").select_one("#evidence-markers")
    assert legend is not None


# --- spelling ------------------------------------------------------------------------------------
def test_spelling(project):
    page = project / "docs" / "clinicians" / "evidence-base.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nClients often recieve little support.\n", encoding="utf-8")
    fails_with(project, r"docs/clinicians/evidence-base\.md:\d+: recieve ==> receive\. Fix:")


# --- external links ------------------------------------------------------------------------------
def test_linkcheck_says_it_skipped_without_network():
    result = subprocess.run(["unshare", "-n", "--", PY, "-m", "scripts.tools.linkcheck", "docs", "references.bib"],
                            cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert re.search(r"linkcheck: SKIPPED - no network reachable; \d+ external links were not checked", result.stdout)
    assert "linkcheck" not in (ROOT / "Makefile").read_text(encoding="utf-8").split("\ntest:")[1].split("\n\n")[0]


# --- strict validation ---------------------------------------------------------------------------
def test_page_left_out_of_nav_fails(project):
    (project / "docs" / "guide" / "orphan.md").write_text(
        "---\ntitle: Orphan\ndescription: A page nobody added to the nav.\naudience: clinician\nreviewed: 2026-11-22\n"
        "next_review: 2027-11-22\nclinical_review: none\nchanges:\n  - date: 2026-11-22\n    what: First version.\n"
        "---\n\n# Orphan\n\nText.\n", encoding="utf-8")
    result = fails_with(project, r'pages exist in the docs directory, but are not included in the "nav"')
    assert "guide/orphan.md" in result.stderr


@pytest.mark.parametrize("link, pattern", [
    ("[gone](no-such-page.md)", r"contains a link 'no-such-page\.md', but the target 'guide/no-such-page\.md' is not found"),
    ("[gone](building-belonging.md#no-such-anchor)",
     r"'building-belonging\.md#no-such-anchor', but the doc 'guide/building-belonging\.md' does not contain an anchor"),
])
def test_broken_internal_links_fail(project, link, pattern):
    page = project / "docs" / "guide" / "myths-about-belonging.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nSee {link}.\n", encoding="utf-8")
    fails_with(project, pattern)
