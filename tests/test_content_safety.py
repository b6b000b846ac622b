"""Content cannot smuggle code or trackers, and malformed front matter stops the build with file:line and
the fix, never a traceback. Each case breaks a copy of the project (conftest's `project`) and builds it;
the rules are scripts/checks/content_safety.py and scripts/checks/front_matter.py, run by the pages hook
before any page is built."""
from __future__ import annotations

import pytest

from conftest import mkdocs_build

from scripts.checks import content_safety

PAGE = "docs/guide/why-rejection-hurts.md"


def add_line(project, path: str, line: str) -> int:
    """Appends a line to a file of the copy; returns its line number."""
    target = project / path
    text = target.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    target.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


def fails_with(project, *expected: str) -> str:
    result = mkdocs_build(project, project / "out")
    output = result.stdout + result.stderr
    assert result.returncode != 0, "the build passed:\n" + output[-2000:]
    assert "Traceback" not in output, output[-3000:]
    for text in expected:
        assert text in output, f"expected {text!r} in:\n{output[-3000:]}"
    return output


@pytest.mark.parametrize("markup, message", [
    ("<script>document.title = 'x'</script>", "raw <script> in content. Fix: remove it"),
    ('<iframe src="https://video.example/embed/1"></iframe>', "raw <iframe> in content"),
    ('<object data="film.swf"></object>', "raw <object> in content"),
    ('<embed src="film.swf">', "raw <embed> in content"),
    ('<img src="../figures/reconnection-steps.svg" alt="Steps" onerror="alert(1)">', "inline event handler onerror="),
    ("[Read more](javascript:alert(1))", "javascript: URL. Fix: link to a page"),
    ('<img src="https://tracker.example/pixel.gif" alt="">',
     '<img src="https://tracker.example/pixel.gif"> loads a resource from another host'),
    ("![A photo](https://images.example/photo.jpg)", "the image ![...](https://images.example/photo.jpg) loads from another host"),
    ('<img srcset="a.png 1x, //cdn.example/b.png 2x" alt="">', '<img srcset="//cdn.example/b.png"> loads a resource'),
    ('<span style="background: url(https://t.example/a.png)">x</span>', "CSS url() or @import loads https://t.example/a.png"),
    ('<link rel="stylesheet" href="https://fonts.example/css">', '<link href="https://fonts.example/css"> loads a resource'),
], ids=["script", "iframe", "object", "embed", "onerror", "javascript-link", "remote-img", "remote-md-image",
        "srcset", "css-url", "stylesheet"])
def test_a_page_cannot_carry_code_or_load_from_elsewhere(project, markup, message):
    line = add_line(project, PAGE, markup)
    fails_with(project, f"{PAGE}:{line}: {message}")


def test_an_include_cannot_carry_code(project):
    line = add_line(project, "includes/glossary.md", '*[beacon]: <img src="https://t.example/b.gif">')
    fails_with(project, f"includes/glossary.md:{line}: <img src=\"https://t.example/b.gif\"> loads a resource")


def test_a_figure_cannot_carry_an_event_handler(project):
    figure = project / "docs" / "figures" / "reconnection-steps.svg"
    text = figure.read_text(encoding="utf-8")
    figure.write_text(text.replace("<svg ", '<svg onload="fetch(\'https://t.example/\')" ', 1), encoding="utf-8")
    line = text[:text.index("<svg ")].count("\n") + 1
    fails_with(project, f"docs/figures/reconnection-steps.svg:{line}: inline event handler onload= on <svg>")


def test_a_reference_cannot_carry_a_javascript_url(project):
    bib = project / "references.bib"
    text = bib.read_text(encoding="utf-8")
    first = text.index("\n", text.index("@"))  # after the first entry's opening line
    bib.write_text(text[:first] + "\n  note = {<a href=\"javascript:alert(1)\">x</a>}," + text[first:], encoding="utf-8")
    line = text[:first].count("\n") + 2
    fails_with(project, f"references.bib:{line}: javascript: URL")


def test_links_readers_follow_stay_allowed():
    text = ('<a href="https://www.samaritans.org/">Samaritans</a> and [the NHS](https://www.nhs.uk/) and '
            "`<script>` in code")
    assert content_safety.check_text(text, "docs/x.md", markdown=True) == []


@pytest.mark.parametrize("field, value, message", [
    ("next_review", "2026-13-45", "front matter: '2026-13-45' is not a real date (month must be in 1..12). "
                                  "Fix: write it as YYYY-MM-DD"),
    ("reviewed", "[2026, 12]", "reviewed is [2026, 12]. Fix: reviewed must be a date, YYYY-MM-DD."),
    ("title", "{text: Why}", "title is {text: Why}. Fix: title must be the page's title"),
], ids=["impossible-date", "date-as-list", "title-as-mapping"])
def test_malformed_front_matter_names_file_line_and_fix(project, field, value, message):
    page = project / PAGE
    text = page.read_text(encoding="utf-8")
    start = text.index(f"\n{field}:") + 1
    end = text.index("\n", start)
    page.write_text(text[:start] + f"{field}: {value}" + text[end:], encoding="utf-8")
    line = text[:start].count("\n") + 1
    fails_with(project, f"{PAGE}:{line}: {message}")


def test_an_unknown_front_matter_key_is_named_with_the_likely_one(project):
    page = project / PAGE
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("\nreviewed:", "\nreveiwed:", 1), encoding="utf-8")
    line = text[:text.index("\nreviewed:") + 1].count("\n") + 1
    fails_with(project, f"{PAGE}:{line}: unknown front-matter key 'reveiwed'. Fix: did you mean 'reviewed'?",
               f"{PAGE}:2: front matter has no 'reviewed'")


def test_front_matter_that_is_not_yaml_names_file_line_and_fix(project):
    page = project / PAGE
    text = page.read_text(encoding="utf-8")
    start = text.index("\ndescription:") + 1
    end = text.index("\n", start)
    page.write_text(text[:start] + "description: Rejection hurts: here is why" + text[end:], encoding="utf-8")
    line = text[:start].count("\n") + 1
    fails_with(project, f"{PAGE}:{line}: front matter: mapping values are not allowed here. "
                        "Fix: put a value that holds ': ' or '#' in quotes")
