"""Builds the offline edition into SITE_DIR/downloads/. Usage: python -m scripts.build.offline SITE_DIR

A second strict build with Material's offline plugin on (OFFLINE=true, same SITE_URL), zipped as
SITE_DIR/downloads/belonging-guide-offline.zip: unzip it and open belonging-guide/index.html.

The offline plugin makes every page load the iframe-worker shim from unpkg.com (search needs it
under file://). That is a third-party request, and it fails with no network, so every page is
pointed at the copy vendored in overrides/assets/javascripts/iframe-worker-shim.js instead.
The build never needs the network.

PDFs are left out to keep the zip small: links to them point at the published copies (SITE_URL).
Source maps and unused search-language packs are left out too.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
ZIP_NAME = "belonging-guide-offline.zip"
FOLDER = "belonging-guide"                       # the one folder inside the zip
SHIM = "assets/javascripts/iframe-worker-shim.js"
CDN_SHIM = re.compile(r"""<script\b[^>]*\bsrc=["']?https?://[^"'>\s]*iframe-worker[^"'>\s]*["']?[^>]*>\s*</script>""", re.I)
PDF_HREF = re.compile(r"""(\bhref=["'])([^"'#?]+\.pdf)([#?][^"']*)?(["'])""", re.I)
THIRD_PARTY = re.compile(
    r"""<(script|img|iframe|source|video|audio)\b[^>]*\bsrc=["']?(https?:)?//"""
    r"""|<link\b[^>]*\brel=["']?(stylesheet|preconnect|preload|dns-prefetch|icon|modulepreload)[^>]*\bhref=["']?(https?:)?//"""
    r"""|<link\b[^>]*\bhref=["']?(https?:)?//[^>]*\brel=["']?(stylesheet|preconnect|preload|dns-prefetch|icon)""",
    re.I,
)
CSS_REMOTE = re.compile(r"""@import\s+(url\()?["']?(https?:)?//|url\(["']?(https?:)?//""", re.I)
FIXED_TIME = (2020, 1, 1, 0, 0, 0)               # zip entries get one timestamp: reproducible bytes


def fail(message: str) -> None:
    sys.exit(f"offline.py: {message}")


def build(out: Path) -> None:
    env = {**os.environ, "OFFLINE": "true", "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    result = subprocess.run(
        [PY, "-m", "mkdocs", "build", "--strict", "--clean", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        fail("the offline build failed:\n" + result.stdout[-3000:] + result.stderr[-3000:])


def published_url(site_url: str, page: str, href: str) -> str:
    """An absolute URL on the published site for a link (relative to page) to a PDF."""
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), href))
    return site_url.rstrip("/") + "/" + target.lstrip("./")


def rewrite(out: Path, site_url: str) -> int:
    if not (out / SHIM).is_file():
        fail(f"{SHIM} missing from the offline build (it comes from overrides/{SHIM})")
    shimmed = 0
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out).as_posix()
        text = page.read_text(encoding="utf-8")
        prefix = "../" * rel.count("/")
        new, count = CDN_SHIM.subn(f'<script src="{prefix}{SHIM}"></script>', text)
        shimmed += count
        new = PDF_HREF.sub(
            lambda m: m.group(1) + (m.group(2) if re.match(r"(?i)https?://", m.group(2))
                                    else published_url(site_url, rel, m.group(2))) + (m.group(3) or "") + m.group(4),
            new)
        if new != text:
            page.write_text(new, encoding="utf-8")
    return shimmed


def check(out: Path) -> None:
    for page in sorted(out.rglob("*.html")):
        match = THIRD_PARTY.search(page.read_text(encoding="utf-8"))
        if match:
            fail(f"{page.relative_to(out)} still loads from another host: {match.group(0)}")
    for css in sorted(out.rglob("*.css")):
        if CSS_REMOTE.search(css.read_text(encoding="utf-8", errors="replace")):
            fail(f"{css.relative_to(out)} loads a stylesheet or font from another host")
    if not (out / "search" / "search_index.js").is_file():
        fail("search/search_index.js missing: offline search would not work")


def unused(out: Path) -> set[str]:
    """Files a reader never loads: source maps, and lunr's language packs when search is English only
    (Material's search worker only loads assets/javascripts/lunr/ for languages other than en)."""
    skip = {p.relative_to(out).as_posix() for p in out.rglob("*.map")}
    lang = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))["config"]["lang"]
    if lang == ["en"]:
        skip |= {p.relative_to(out).as_posix() for p in (out / "assets" / "javascripts" / "lunr").rglob("*")}
    return skip


def pack(out: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    skip = unused(out)
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            rel = path.relative_to(out).as_posix()
            if path.suffix.lower() in (".pdf", ".gz") or rel in skip:  # no PDFs; sitemap.xml.gz is for servers
                continue
            info = zipfile.ZipInfo(f"{FOLDER}/{rel}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    tmp.replace(target)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    site = Path(argv[1]).resolve()
    if not (site / "index.html").is_file():
        fail(f"{site} is not a built site (run mkdocs build first)")
    # The address the site was built for, as its home page states it (site_url from mkdocs.yml/SITE_URL).
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', (site / "index.html").read_text(encoding="utf-8"))
    if not canonical:
        fail(f"{site}/index.html has no canonical link: set site_url (SITE_URL) and rebuild")
    site_url = canonical.group(1)
    with tempfile.TemporaryDirectory(prefix="belonging-offline-") as tmp:
        out = Path(tmp) / FOLDER
        build(out)
        if rewrite(out, site_url) == 0:
            fail("no iframe-worker shim tag found: has Material's offline plugin changed?")
        check(out)
        target = site / "downloads" / ZIP_NAME
        pack(out, target)
    print(f"offline.py: wrote {target.relative_to(site)} ({target.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
