"""Valid HTML: the Nu HTML Checker over every built page (Material's own template errors excepted, by
message), meta descriptions whole, glossary hovers kept out of links and headings."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import frontmatter
import pytest

from conftest import ROOT, content_pages, soup

pytestmark = pytest.mark.hosting
VNU = ROOT / ".cache" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# The Nu HTML Checker's errors that come from Material's own templates (9.8.2), not from us. Each is
# matched by message; anything else fails the test.
MATERIAL_ERRORS = {
    # The header's search and drawer toggles: <label ... tabindex=""> (partials/header.html, search.html).
    r"^Bad value “” for attribute “tabindex” on element “label”",
    # The hidden toggle checkboxes carry autocomplete="off" (base.html: __drawer, __search).
    r"^Attribute “autocomplete” is only allowed when the input type is",
    # <label for="__search"> and the palette toggles point at visually hidden checkboxes (base.html).
    r"^The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control",
}


def test_html_is_valid_by_the_nu_checker(site):
    if not VNU.is_file():
        pytest.fail(f"{VNU} is missing. Fix: bash scripts/tools/setup.sh test (installs vnu-jar with npm)")
    java = shutil.which("java")
    assert java, "java is missing. Fix: bash scripts/tools/setup.sh test (installs default-jre-headless)"
    result = subprocess.run([java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--errors-only",
                             "--skip-non-html", str(site)], capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    pages = {m["url"] for m in messages}
    errors, allowed = [], 0
    for m in messages:
        if m.get("type") != "error":
            continue
        if any(re.search(pattern, m["message"]) for pattern in MATERIAL_ERRORS):
            allowed += 1
            continue
        where = m["url"].removeprefix("file:" + str(site))
        errors.append(f"{where}:{m.get('lastLine')}: {m['message']}\n    {m.get('extract', '').strip()[:160]}")
    assert not errors, f"{len(errors)} HTML errors (not Material's own):\n" + "\n".join(errors[:30])
    assert allowed > 0 and pages, "the checker reported nothing at all: did it run over the site?"


def test_meta_tags_carry_the_whole_description(site):
    checked = 0
    for page in content_pages(site):
        rel = page.relative_to(site).parent.as_posix()
        src = ROOT / "docs" / ("index.md" if rel == "." else rel + ".md")
        if not src.is_file():
            src = ROOT / "docs" / rel / "index.md"
        if not src.is_file():
            continue
        description = str(frontmatter.load(src)["description"]).strip()
        doc = soup(page)
        for selector in ('meta[name="description"]', 'meta[property="og:description"]',
                         'meta[name="twitter:description"]'):
            tag = doc.select_one(selector)
            assert tag is not None and tag["content"] == description, (src.name, selector, tag)
        assert len(doc.select("head meta[name=description]")) == 1
        checked += 1
    assert checked >= 20


def test_glossary_terms_stay_out_of_links_and_headings(site):
    kept = 0
    for page in content_pages(site):
        doc = soup(page)
        nested = doc.select("a abbr, h1 abbr, h2 abbr, h3 abbr, h4 abbr, h5 abbr, h6 abbr")
        assert not nested, f"{page.relative_to(site)}: glossary term inside a link or heading: {nested[0]}"
        kept += len(doc.select('article abbr[tabindex="0"][title]'))
    assert kept >= 20, "glossary terms are no longer keyboard stops anywhere"


def test_glossary_placement_keeps_the_words():
    from scripts.hooks import pages
    html = ('<p><abbr title="t">Term</abbr> and <a href="x">a <abbr title="t">Term</abbr> link</a></p>'
            '<h2 id="h">The <abbr title="t">Term</abbr><a class="headerlink" href="#h">¶</a></h2>')
    assert pages._place_glossary_terms(html) == (
        '<p><abbr tabindex="0" title="t">Term</abbr> and <a href="x">a Term link</a></p>'
        '<h2 id="h">The Term<a class="headerlink" href="#h">¶</a></h2>')
