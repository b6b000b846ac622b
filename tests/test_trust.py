"""Trust (issue 27): clinical review records, each page's change history, the feedback link, /about/."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from conftest import ROOT, content_pages, mkdocs_build, soup

FIXTURE = ROOT / "tests" / "fixtures" / "reviews-fictional.yml"
FICTIONAL = "Fictional Testreviewer-Nobody"
NOT_YET = "this page has not yet been reviewed by a registered clinician"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])


def source_of(site: Path, page: Path) -> Path:
    rel = page.parent.relative_to(site).as_posix()
    for candidate in (ROOT / "docs" / f"{rel}.md", ROOT / "docs" / rel / "index.md"):
        if candidate.is_file():
            return candidate
    return ROOT / "docs" / "index.md"


def built(project: Path, env: dict | None = None) -> Path:
    result = mkdocs_build(project, project / "out", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return project / "out"


def fails_with(project: Path, pattern: str, env: dict | None = None):
    result = mkdocs_build(project, project / "out", env=env)
    assert result.returncode != 0, "the build should have stopped"
    assert re.search(pattern, result.stderr), result.stderr[-3000:]
    return result


# --- review records ------------------------------------------------------------------------------------
def test_reviews_file_ships_empty_and_never_holds_the_fixture():
    text = (ROOT / "includes" / "reviews.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["reviews"] == []
    assert FICTIONAL not in text


def test_without_a_record_every_footer_says_so_honestly(site):
    for page in content_pages(site):
        status = soup(page).select_one(".page-review .clinical-review")
        if status is None:
            continue
        text = " ".join(status.get_text(" ").split())
        assert NOT_YET in text, page
        assert "Clinically reviewed by" not in text and "Changed since" not in text, page
        assert "licensed" not in text.lower(), page


def test_fixture_record_never_reaches_the_published_site(site):
    for path in site.rglob("*"):
        if path.suffix in (".html", ".xml", ".json", ".txt", ".js"):
            assert FICTIONAL not in path.read_text(encoding="utf-8", errors="replace"), path


def test_footer_shows_a_record_and_a_change_after_it(project):
    today = dt.date.today().isoformat()
    (project / "includes" / "reviews.yml").write_text(
        FIXTURE.read_text(encoding="utf-8").replace("TODAY", today), encoding="utf-8")
    out = built(project)
    reviewed = " ".join(soup(out / "clinicians" / "measuring-belonging-and-loneliness" / "index.html")
                        .select_one(".clinical-review").get_text(" ").split())
    assert f"Clinically reviewed by {FICTIONAL} (Clinical psychologist (fictional), FICTIONAL-REGISTER registration " \
           "NOT-A-REAL-0000)" in reviewed, reviewed
    assert dt.date.today().strftime("%-d %B %Y") in reviewed and "clinical accuracy, safety" in reviewed
    changed = " ".join(soup(out / "guide" / "getting-support" / "index.html").select_one(".clinical-review").get_text(" ").split())
    assert changed.startswith("Changed since its clinical review on 30 November 2026 by " + FICTIONAL), changed
    other = " ".join(soup(out / "guide" / "why-rejection-hurts" / "index.html").select_one(".clinical-review").get_text(" ").split())
    assert NOT_YET in other


def _records(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "p"
    (root / "includes").mkdir(parents=True)
    (root / "includes" / "reviews.yml").write_text(text, encoding="utf-8")
    return root


GOOD = """reviews:
  - reviewer: Fictional Testreviewer-Nobody
    profession: Clinical psychologist (fictional)
    registration: {body: FICTIONAL-REGISTER, number: NOT-A-REAL-0000}
    date: 2026-12-01
    pages: [get-help-now.md]
    scope: [safety]
    changed: Nothing; a test fixture.
"""


@pytest.mark.parametrize("old, new, line, pattern", [
    ("    registration: {body: FICTIONAL-REGISTER, number: NOT-A-REAL-0000}\n", "", 2, r"has no 'registration'"),
    ("number: NOT-A-REAL-0000", "number: ''", 4, r"has no registration body and number"),
    ("date: 2026-12-01", "date: 2999-01-01", 5, r"date 2999-01-01 is in the future"),
    ("pages: [get-help-now.md]", "pages: [guide/no-such-page.md]", 6, r"page 'guide/no-such-page.md' does not exist"),
    ("scope: [safety]", "scope: [vibes]", 7, r"scope \['vibes'\] is not one of"),
    ("    changed: Nothing; a test fixture.\n", "", 2, r"has no 'changed'"),
])
def test_bad_review_record_names_file_line_and_fix(tmp_path, old, new, line, pattern):
    from mkdocs.exceptions import PluginError
    from scripts.hooks import trust

    root = _records(tmp_path, GOOD.replace(old, new))
    with pytest.raises(PluginError) as error:
        trust.load_reviews(root, ROOT / "docs", dt.date(2026, 12, 6))
    message = str(error.value)
    assert message.startswith(f"includes/reviews.yml:{line}: review record 1: "), message
    assert re.search(pattern, message) and "Fix:" in message, message


def test_good_review_record_loads(tmp_path):
    from scripts.hooks import trust

    (record,) = trust.load_reviews(_records(tmp_path, GOOD), ROOT / "docs", dt.date(2026, 12, 6))
    assert record["body"] == "FICTIONAL-REGISTER" and record["pages"] == ["get-help-now.md"]


def test_bad_record_stops_the_real_build(project):
    (project / "includes" / "reviews.yml").write_text(GOOD.replace("date: 2026-12-01", "date: 2999-01-01"), encoding="utf-8")
    fails_with(project, r"includes/reviews\.yml:5: review record 1: date 2999-01-01 is in the future\. Fix:")


def test_front_matter_cannot_name_a_reviewer(project):
    page = project / "docs" / "guide" / "why-rejection-hurts.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("clinical_review: none", "clinical_review: Dr Somebody, 2026"), encoding="utf-8")
    line = text.split("\n").index("clinical_review: none") + 1
    fails_with(project, rf"docs/guide/why-rejection-hurts\.md:{line}: clinical_review must be 'none'\. Fix: record")


# --- change history --------------------------------------------------------------------------------------
def test_every_page_shows_its_changes_from_front_matter(site):
    pages = [p for p in content_pages(site) if soup(p).select_one(".page-review")]
    assert len(pages) >= 30
    for page in pages:
        meta = front_matter(source_of(site, page))
        items = soup(page).select(".page-review ul.page-changes li")
        assert soup(page).select_one("#changes-to-this-page").get_text(strip=True) == "Changes to this page", page
        assert [li.time["datetime"] for li in items] == [str(c["date"]) for c in meta["changes"]], page
        assert [li.get_text(" ", strip=True).split(": ", 1)[1] for li in items] == [c["what"] for c in meta["changes"]], page
        assert items[0].time["datetime"] >= str(meta["reviewed"]), page


def test_moving_reviewed_forward_needs_a_change_line(project):
    page = project / "docs" / "clinicians" / "measuring-belonging-and-loneliness.md"
    text = page.read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---", 2)[1])
    newest = meta["changes"][0]["date"]
    later = newest + dt.timedelta(days=1)
    text = text.replace(f"reviewed: {meta['reviewed']}", f"reviewed: {later}").replace(
        f"next_review: {meta['next_review']}", f"next_review: {later + dt.timedelta(days=300)}")
    page.write_text(text, encoding="utf-8")
    line = text.split("\n").index(f"reviewed: {later}") + 1
    env = {"BUILD_DATE": later.isoformat()}
    fails_with(project, rf"docs/clinicians/measuring-belonging-and-loneliness\.md:{line}: reviewed is {later}, but the "
                        rf"newest entry under 'changes:' is {newest}\. Fix: add a change entry dated {later}", env)
    page.write_text(text.replace("changes:\n", f"changes:\n  - date: {later}\n    what: Reviewed whole; a test line.\n", 1),
                    encoding="utf-8")
    assert "Reviewed whole; a test line." in (built(project, env) / "clinicians" / "measuring-belonging-and-loneliness"
                                              / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry, pattern", [
    ("  - date: 2999-01-01\n    what: From the future.\n", r"change date 2999-01-01 is in the future"),
    ("  - date: 2026-01-01\n    what: Out of order.\n", None),  # inserted last below: older is fine
])
def test_change_entry_rules(project, entry, pattern):
    page = project / "docs" / "clinicians" / "measuring-belonging-and-loneliness.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("changes:\n", "changes:\n" + entry, 1), encoding="utf-8")
    if pattern is None:  # an older entry placed first: newest-first order is enforced
        fails_with(project, r"measuring-belonging-and-loneliness\.md:\d+: change dated \S+ comes after one dated 2026-01-01\. "
                            r"Fix: list changes newest first")
    else:
        fails_with(project, r"measuring-belonging-and-loneliness\.md:\d+: " + pattern)


# --- feedback --------------------------------------------------------------------------------------------
def _config_email() -> str:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.search(r"^\s+email:\s*(\S+)", text[text.index("\nextra:"):], re.M).group(1)


def test_every_page_has_a_prefilled_feedback_link(site):
    email = _config_email()
    pages = [p for p in content_pages(site) if soup(p).select_one(".page-review")]
    for page in pages:
        page_soup = soup(page)
        link = page_soup.select_one(".page-feedback a[href^='mailto:']")
        assert link is not None and link.get_text(strip=True) == "Tell us about this page", page
        parts = urlsplit(link["href"])
        query = parse_qs(parts.query)
        assert unquote(parts.path) == email
        title = str(front_matter(source_of(site, page))["title"])
        canonical = page_soup.select_one("link[rel=canonical]")["href"]
        assert title in query["subject"][0], (page, query)
        assert canonical in query["body"][0] and title in query["body"][0], (page, query)
    for page in pages:  # the site sends nothing itself: no form that submits anywhere (Material's and the
        assert soup(page).select_one("form[action], form[method]") is None, page  # wayfinder's stay in the page)


def test_publishing_build_stops_on_the_example_address(project):
    fails_with(project, r"mkdocs\.yml:\d+: extra\.feedback\.email is still the example address \S+, but this build "
                        r"publishes to belonging\.test-publisher\.org\.uk\. Fix:",
               env={"SITE_URL": "https://belonging.test-publisher.org.uk/"})


def test_real_address_passes_the_publishing_check():
    from types import SimpleNamespace

    from scripts.hooks import trust

    config = SimpleNamespace(extra={"feedback": {"email": "hello@belonging.test-publisher.org.uk"}},
                             site_url="https://belonging.test-publisher.org.uk/",
                             config_file_path=str(ROOT / "mkdocs.yml"))
    assert trust.feedback_email(config) == "hello@belonging.test-publisher.org.uk"
    config.extra = {"feedback": {"email": _config_email()}}
    config.site_url = "https://belonging-guide.example.org/"
    assert trust.feedback_email(config) == _config_email()  # the example site may keep the example address


# --- /about/ ---------------------------------------------------------------------------------------------
def test_about_says_who_for_who_is_responsible_and_how(site):
    about = soup(site / "about" / "index.html")
    text = " ".join(about.select_one("article").get_text(" ").split())
    regions = yaml.safe_load((ROOT / "includes" / "helplines.yml").read_text(encoding="utf-8"))["regions"]
    who = " ".join(about.select_one("#who-it-is-for").find_next("ul").get_text(" ").split())
    for region in regions:
        if region["id"] != "anywhere":
            assert region["name"] in who, region
    assert "18 and over" in who
    for anchor in ("who-it-is-for", "who-is-responsible", "how-pages-are-made", "clinical-review", "page-history",
                   "user-testing", "advertising-and-funding", "report-an-error"):
        assert about.select_one(f"#{anchor}") is not None, anchor
    assert "has not yet been done" in text and "PEMAT-P" in text and "think-aloud" in text
    assert "5 to 8" in text and "no conflicts of interest" in text and "generative AI" in text
    # The results template: a list (a 7-column table's scroll box failed axe at 375 px), empty until run.
    template = " ".join(about.select_one("#user-testing").find_next("p", string=re.compile("Results template"))
                        .find_next("ul").get_text(" ").split())
    assert "the page, the group and the number of readers" in template and "each of the two raters" in template
    assert "No results yet." in text
    assert "licensed" not in text.lower()
