"""Checks every external URL in the pages and references.bib. Not part of `make test`.

Usage: python -m scripts.tools.linkcheck docs references.bib
Without a network it says that it skipped, and exits 0.
"""
from __future__ import annotations

import re
import socket
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

URL = re.compile(r"https?://[^\s)\"'<>\]}]+")
HEADERS = {"User-Agent": "belonging-guide-linkcheck/1.0 (+https://belonging-guide.example.org/about/)"}


def collect(paths: list[Path]) -> dict[str, str]:
    found: dict[str, str] = {}
    for root in paths:
        files = sorted(root.rglob("*.md")) if root.is_dir() else [root]
        for path in files:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                for url in URL.findall(line):
                    found.setdefault(url.rstrip(".,;"), f"{path}:{number}")
                doi = re.match(r"\s*doi\s*=\s*\{([^}]+)\}", line)
                if doi:
                    found.setdefault(f"https://doi.org/{doi.group(1)}", f"{path}:{number}")
    return found


def online(host: str = "doi.org") -> bool:
    try:
        socket.create_connection((socket.gethostbyname(host), 443), timeout=5).close()
        return True
    except OSError:
        return False


def check(url: str) -> str | None:
    for method in ("HEAD", "GET"):
        try:
            request = urllib.request.Request(url, method=method, headers=HEADERS)
            with urllib.request.urlopen(request, timeout=20) as response:
                if response.status < 400:
                    return None
        except urllib.error.HTTPError as error:
            if method == "GET":
                return f"HTTP {error.code}"
        except (urllib.error.URLError, OSError) as error:
            if method == "GET":
                return str(getattr(error, "reason", error))
    return "unreachable"


def main(argv: list[str]) -> int:
    urls = collect([Path(a) for a in argv or ["docs", "references.bib"]])
    if not online():
        print(f"linkcheck: SKIPPED - no network reachable; {len(urls)} external links were not checked.")
        return 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(check, urls))
    broken = [(where, url, why) for (url, where), why in zip(urls.items(), results) if why]
    for where, url, why in broken:
        print(f"{where}: {url}: {why}. Fix: update or remove the link.")
    print(f"linkcheck: {len(urls) - len(broken)} of {len(urls)} external links OK")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
