"""What a host needs beside the pages. Usage: python -m scripts.build.hosting SITE_DIR  (last step of `make site`)

From deploy/headers.yml (the one source of the site's headers) and the built pages it writes:
  SITE_DIR/_headers              Netlify / Cloudflare Pages headers file;
  SITE_DIR/_nginx/headers.conf   the add_header snippet deploy/nginx/site.conf includes in every location;
and a .gz beside every text file, for nginx's gzip_static (and any host that serves precompressed files).
The Content-Security-Policy in both allows Material's inline scripts by their SHA-256 hashes, computed
here from every built page, so a change in an inline script (another page depth, another site_url,
another Material) gets its hash at the next build and no hash is ever copied by hand. Only scripts
written by a known template (TEMPLATE_ORIGINS: Material's partials/javascripts/, its redirect page,
mkdocs-redirects' page) are hashed, matched against the installed template with its {{ ... }} values
left open; any other inline script stops this step, naming the page, instead of entering the policy.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "deploy" / "headers.yml"
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".mjs", ".webmanifest"}
INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
NOT_SCRIPT = re.compile(r"""\bsrc\s*=|\btype\s*=\s*["']?(application/(ld\+)?json|text/template)""", re.I)
NGINX_SNIPPET = Path("_nginx") / "headers.conf"
# Where the inline scripts the policy may allow are written: (package, file in it). Not a page, not a hook.
TEMPLATE_ORIGINS = (
    ("material", "templates/partials/javascripts/base.html"),      # __md_scope, __md_get: every page
    ("material", "templates/partials/javascripts/palette.html"),   # the reader's colour scheme
    ("material", "templates/partials/javascripts/content.html"),   # tabs follow the URL's #fragment
    ("material", "templates/partials/javascripts/announce.html"),
    ("material", "templates/partials/javascripts/outdated.html"),
    ("material", "templates/redirect.html"),
    ("mkdocs_redirects", "plugin.py"),                              # redirect pages (redirect_maps)
)
TEMPLATE_VALUE = re.compile(r"\{\{.*?\}\}|\{[a-z_]+\}")        # Jinja {{ ... }}; str.format's {url}


def known_scripts() -> list[tuple[str, re.Pattern]]:
    """(origin, pattern) for each inline script a template in TEMPLATE_ORIGINS writes; a value the
    template fills in may be any text without quotes or tags."""
    known = []
    for package, name in TEMPLATE_ORIGINS:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        path = Path(spec.submodule_search_locations[0]) / name
        if not path.is_file():
            continue
        for body in re.findall(r"<script>(.*?)</script>", path.read_text(encoding="utf-8"), re.S):
            parts = TEMPLATE_VALUE.split(body)
            known.append((f"{package}/{name}", re.compile(r"[^\"'<>]*".join(re.escape(p) for p in parts))))
    return known


def load(source: Path = SOURCE) -> dict:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for key in ("csp", "headers", "cache"):
        if not isinstance(data.get(key), dict):
            raise SystemExit(f"{source}: no '{key}:' mapping. Fix: see the comments at the top of the file.")
    for directive, values in data["csp"].items():
        if any(v in ("'unsafe-inline'", "'unsafe-eval'") for v in values or []) and "script" in directive:
            raise SystemExit(f"{source}: {directive} allows {values}. Fix: inline scripts are allowed by hash only.")
    return data


class UnknownScript(Exception):
    """An inline script no template in TEMPLATE_ORIGINS writes."""


def inline_script_hashes(site: Path) -> list[str]:
    """'sha256-...' of every inline script in every page (data blocks such as __config excepted), each
    one a known template writes; raises UnknownScript naming the pages with any other."""
    known = known_scripts()
    found, unknown = set(), []
    for page in sorted(site.rglob("*.html")):
        for match in INLINE_SCRIPT.finditer(page.read_text(encoding="utf-8")):
            if NOT_SCRIPT.search(match.group(1)):
                continue
            script = match.group(2)
            if not any(pattern.fullmatch(script) for _origin, pattern in known):
                unknown.append(f"{page.relative_to(site)}: inline script {script.strip()[:70]!r} comes from no known "
                               "template. Fix: take it out of the page or template that writes it (content carries no "
                               "code; the site's own scripts are files in docs/javascripts/); a new theme template "
                               "goes in TEMPLATE_ORIGINS (scripts/build/hosting.py).")
                continue
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            found.add("'sha256-" + base64.b64encode(digest).decode("ascii") + "'")
    if unknown:
        raise UnknownScript("\n".join(unknown))
    return sorted(found)


def csp(config: dict, hashes: list[str]) -> str:
    parts = []
    for directive, values in config["csp"].items():
        values = list(values or []) + (hashes if directive == "script-src" else [])
        parts.append(" ".join([directive, *values]))
    return "; ".join(parts)


def all_headers(config: dict, hashes: list[str]) -> dict[str, str]:
    return {"Content-Security-Policy": csp(config, hashes), **{k: str(v) for k, v in config["headers"].items()}}


def netlify_headers(config: dict, headers: dict[str, str], site: Path) -> str:
    """_headers has no regular expressions, and a header set by two matching rules is sent with both
    values joined, so Cache-Control goes only on exact files: each hashed file by name, and the
    downloads. Pages keep the host's default (Netlify and Cloudflare both revalidate HTML)."""
    lines = ["# Written by scripts/build/hosting.py from deploy/headers.yml at build time. Do not edit.", "/*"]
    lines += [f"  {name}: {value}" for name, value in headers.items()]
    hashed, downloads = re.compile(config["cache"]["hashed_pattern"]), re.compile(config["cache"]["downloads_pattern"])
    for path in sorted(p for p in site.rglob("*") if p.is_file() and not p.name.endswith(".gz")):
        url = "/" + path.relative_to(site).as_posix()
        rule = config["cache"]["hashed"] if hashed.search(url) else (
            config["cache"]["downloads"] if downloads.search(url) else None)
        if rule:
            lines += [url, f"  Cache-Control: {rule}"]
    return "\n".join(lines) + "\n"


def nginx_snippet(headers: dict[str, str]) -> str:
    lines = ["# Written by scripts/build/hosting.py from deploy/headers.yml at build time. Do not edit.",
             "# Included in every location of deploy/nginx/site.conf (add_header in a location drops the",
             "# server's), with 'always' so error responses (the 404 page) carry them too."]
    for name, value in headers.items():
        if '"' in value or "\n" in value:
            raise SystemExit(f"{SOURCE}: header {name} holds a double quote or line break. Fix: remove it.")
        lines.append(f'add_header {name} "{value}" always;')
    return "\n".join(lines) + "\n"


def precompress(site: Path) -> tuple[int, int, int]:
    """foo.html -> foo.html.gz (level 9, same mtime), for every text file; returns files, raw, gzip bytes."""
    count = raw = packed = 0
    for path in site.rglob("*"):
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        data = path.read_bytes()
        body = gzip.compress(data, compresslevel=9, mtime=0)
        target = path.with_name(path.name + ".gz")
        target.write_bytes(body)
        stat = path.stat()
        os.utime(target, (stat.st_atime, stat.st_mtime))
        count, raw, packed = count + 1, raw + len(data), packed + len(body)
    return count, raw, packed


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not (Path(argv[1]) / "index.html").is_file():
        print("usage: python -m scripts.build.hosting SITE_DIR  (a built site, with index.html)", file=sys.stderr)
        return 2
    site = Path(argv[1])
    config = load()
    try:
        hashes = inline_script_hashes(site)
    except UnknownScript as error:
        print(f"hosting: stopped; the Content-Security-Policy allows no script it does not know:\n{error}",
              file=sys.stderr)
        return 1
    headers = all_headers(config, hashes)
    (site / "_headers").write_text(netlify_headers(config, headers, site), encoding="utf-8")
    (site / NGINX_SNIPPET).parent.mkdir(exist_ok=True)
    (site / NGINX_SNIPPET).write_text(nginx_snippet(headers), encoding="utf-8")
    count, raw, packed = precompress(site)
    print(f"hosting: {len(hashes)} inline-script hashes in the CSP; wrote _headers and {NGINX_SNIPPET}; "
          f"{count} .gz files ({raw / 1024:.0f} KB -> {packed / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
