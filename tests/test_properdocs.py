"""The guide outlives MkDocs 1.x: ProperDocs 1.6.7 (the maintained fork, pinned in requirements.in) builds
it to the same pages as MkDocs 1.6.1 does for the session's site, apart from a generator line (the site
sets extra.generator: false, so today there is none). Only what the build itself writes is compared: the
PDFs and the offline zip come from the steps after it (scripts/build/). The ProperDocs build is conftest's
second_build, which test_two_builds_are_identical uses too: the one second build of the suite."""
from __future__ import annotations

import gzip
import re

GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')
AFTER_THE_BUILD = ("pdf", "downloads")


def built_files(site) -> dict:
    return {p.relative_to(site).as_posix(): p for p in site.rglob("*")
            if p.is_file() and p.relative_to(site).parts[0] not in AFTER_THE_BUILD}


def content(path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)  # sitemap.xml.gz: the gzip header carries the build's time
    return GENERATOR.sub(b"", data) if path.suffix == ".html" else data


def test_properdocs_builds_the_same_pages_as_mkdocs(site, second_build):
    mine, theirs = built_files(site), built_files(second_build)
    assert len(mine) > 100
    assert sorted(set(mine) ^ set(theirs)) == [], "files only one of the builds wrote"
    differing = [name for name in mine if content(mine[name]) != content(theirs[name])]
    assert differing == [], f"{len(differing)} files differ, e.g. {differing[:5]}"
