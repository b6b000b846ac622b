"""Links that never break: the URL manifest, redirects, cite-this-page, link previews, sitemap."""
from __future__ import annotations

import re

from conftest import ROOT, content_pages, copy_project, mkdocs_build, soup

import yaml

from scripts.hooks import qr
from scripts.tools import urls

MANIFEST = ROOT / "tests" / "published-urls.txt"


def test_every_published_url_and_anchor_resolves(site):
    assert len([l for l in MANIFEST.read_text(encoding="utf-8").splitlines() if l and not l.startswith("#")]) > 200
    assert urls.broken(site, MANIFEST) == []


def test_manifest_lists_everything_published(site):
    listed = set(MANIFEST.read_text(encoding="utf-8").splitlines())
    missing = [line for line in urls.published(site) if line not in listed]
    assert missing == [], f"run `make urls` to add: {missing[:5]}"


def test_renamed_page_needs_a_redirect(tmp_path):
    project = copy_project(tmp_path / "project")
    old, new = "sharing-your-story.md", "telling-your-story.md"
    (project / "docs" / "guide" / old).rename(project / "docs" / "guide" / new)
    for md in [*(project / "docs").rglob("*.md"), project / "mkdocs.yml", *(project / "includes").glob("*.yml")]:
        md.write_text(md.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    out = tmp_path / "site"
    assert mkdocs_build(project, out).returncode == 0
    problems = urls.broken(out, MANIFEST)
    assert problems and all("/guide/sharing-your-story/" in p and "page gone" in p for p in problems)

    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "redirect_maps: {}", f"redirect_maps:\n        guide/{old}: guide/{new}"), encoding="utf-8")
    result = mkdocs_build(project, out)
    assert result.returncode == 0, result.stderr[-2000:]
    assert urls.broken(out, MANIFEST) == []


def test_moved_anchor_needs_an_alias(tmp_path):
    project = copy_project(tmp_path / "project")
    page = project / "docs" / "guide" / "belonging-vs-fitting-in.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("{#signs-you-are-fitting-in}", "{#signs-of-fitting-in}"), encoding="utf-8")
    out = tmp_path / "site"
    assert mkdocs_build(project, out).returncode == 0
    assert any("#signs-you-are-fitting-in: anchor gone" in p for p in urls.broken(out, MANIFEST))
    aliased = text.replace("{#signs-you-are-fitting-in}", "{#signs-of-fitting-in}")
    heading = re.search(r"^## .*\{#signs-of-fitting-in\}$", aliased, re.M).group(0)
    page.write_text(aliased.replace(heading, '<span id="signs-you-are-fitting-in"></span>\n\n' + heading), encoding="utf-8")
    assert mkdocs_build(project, out).returncode == 0
    assert urls.broken(out, MANIFEST) == []


def test_link_previews_on_every_page(site):
    descriptions = {}
    for path in content_pages(site):
        page = soup(path)
        canonical = page.select_one('link[rel="canonical"]')
        assert canonical and canonical["href"].startswith("https://"), path
        description = page.select_one('meta[name="description"]')["content"]
        assert description and description not in descriptions, (path, descriptions.get(description))
        descriptions[description] = path
        for prop in ("og:title", "og:description", "og:url", "og:type"):
            assert page.select_one(f'meta[property="{prop}"]')["content"], (path, prop)
        assert page.select_one('meta[property="og:url"]')["content"] == canonical["href"]
        assert page.select_one('meta[property="og:description"]')["content"] == description
        for name in ("twitter:card", "twitter:title", "twitter:description"):
            assert page.select_one(f'meta[name="{name}"]')["content"], (path, name)


def test_cite_this_page_on_guide_and_clinician_pages(site):
    count = 0
    for path in content_pages(site):
        rel = path.relative_to(site).as_posix()
        if not rel.startswith(("guide/", "clinicians/")):
            continue
        page = soup(path)
        canonical = page.select_one('link[rel="canonical"]')["href"]
        block = page.select_one(".cite-this-page")
        assert block is not None, rel
        reviewed = page.select_one(".page-review time")["datetime"]
        year, month, day = reviewed.split("-")
        apa = " ".join(block.select_one(".cite-this-page__apa").get_text().split())
        assert apa.startswith(f"The Belonging Guide. ({year}, ")
        assert f"{int(day)})." in apa and apa.endswith(canonical)
        bibtex = block.select_one("#cite-bibtex").get_text()
        assert f"url = {{{canonical}}}" in bibtex and f"Last reviewed {reviewed}" in bibtex
        assert len(block.select("button.cite-copy")) == 2
        count += 1
    nav = [src for _, _, src in qr.nav_pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                                                  .replace("!ENV", ""))["nav"])]
    articles = [src for src in nav if src.startswith(("guide/", "clinicians/"))]
    assert count == len(articles) >= 19, (count, len(articles))


def test_page_review_footer_is_honest(site):
    for path in content_pages(site):
        review = soup(path).select_one(".page-review")
        assert review is not None, path
        text = " ".join(review.get_text().split())
        assert re.search(r"Page last reviewed: \d{1,2} \w+ \d{4} · Next review due: \d{1,2} \w+ \d{4}", text), text
        assert "has not yet been reviewed by a registered clinician" in text  # no record in includes/reviews.yml


def test_every_heading_has_a_readable_id(site):
    for path in content_pages(site):
        for heading in soup(path).select("article h2, article h3"):
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", heading.get("id", "")), (path, heading)


def test_sitemap_uses_review_dates(site):
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    entries = re.findall(r"<loc>([^<]+)</loc>\s*<lastmod>([^<]+)</lastmod>", sitemap)
    assert len(entries) == len(content_pages(site))
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) for _, date in entries)
