"""The published-URL manifest: every page URL and section anchor, kept forever.

  python -m scripts.tools.urls SITE_DIR tests/published-urls.txt          append what is new (never deletes)
  python -m scripts.tools.urls --check SITE_DIR tests/published-urls.txt  list lines that no longer resolve
A moved page resolves through a redirect page (mkdocs-redirects); a moved anchor through an element
on the new page carrying the old id (an alias: <span id="old-id"></span> before the heading).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup

REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)"', re.I)


def published(site: Path) -> list[str]:
    lines = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        if rel.split("/")[0] in ("assets", "search", "pdf", "downloads") or REFRESH.search(html.read_text(encoding="utf-8")[:2000]):
            continue
        url = "/" if rel == "." else f"/{rel}/"
        article = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").select_one("article")
        if article is None:
            continue
        lines.append(url)
        lines += [f"{url}#{h['id']}" for h in article.find_all(["h2", "h3"], id=True)]
    return lines


def _target(site: Path, url: str, hops: int = 0) -> Path | None:
    html = site / url.strip("/") / "index.html" if url.strip("/") else site / "index.html"
    if not html.is_file():
        return None
    refresh = REFRESH.search(html.read_text(encoding="utf-8")[:2000])
    if refresh and hops < 5:
        new = (html.parent / refresh.group(1).split("#")[0]).resolve().relative_to(site.resolve()).as_posix()
        return _target(site, "/" if new == "." else f"/{new}/", hops + 1)
    return html


ID = re.compile(r'(?<![\w-])id="([^"]+)"')


def _ids(html: Path, seen: dict[Path, set[str]]) -> set[str]:
    if html not in seen:
        seen[html] = set(ID.findall(html.read_text(encoding="utf-8")))
    return seen[html]


def broken(site: Path, manifest: Path) -> list[str]:
    problems = []
    ids: dict[Path, set[str]] = {}   # each page's ids, read once (a page has many manifest lines)
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url, _, anchor = line.partition("#")
        html = _target(site, url)
        if html is None:
            problems.append(f"{manifest.name}:{number}: {line}: page gone. Fix: add a redirect in mkdocs.yml "
                            "(plugins: redirects: redirect_maps) to the page's new home.")
        elif anchor and anchor not in _ids(html, ids):
            problems.append(f"{manifest.name}:{number}: {line}: anchor gone. Fix: put <span id=\"{anchor}\"></span> "
                            "before the heading that replaced it.")
    return problems


def append(site: Path, manifest: Path) -> int:
    have = manifest.read_text(encoding="utf-8").splitlines() if manifest.exists() else []
    known = {line.strip() for line in have}
    new = [line for line in published(site) if line not in known]
    with manifest.open("a", encoding="utf-8") as out:
        for line in new:
            out.write(line + "\n")
    return len(new)


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        found = broken(Path(sys.argv[2]), Path(sys.argv[3]))
        print("\n".join(found) or "all published URLs resolve")
        sys.exit(1 if found else 0)
    print(f"{append(Path(sys.argv[1]), Path(sys.argv[2]))} new lines appended to {sys.argv[2]}")
