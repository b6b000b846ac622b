"""What the hosting tests share: a built site as `make site` leaves it (scripts/build/hosting.py run on a
copy), requests to nginx, the served CSP and the inline scripts it must allow. The `hosted` copy and the
nginx serving it (`base`) are session fixtures in conftest.py, so every hosting test uses one of each."""
from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

from conftest import ENV, PY, ROOT, html_pages

from scripts.build import hosting

CONFIG = hosting.load()
HEADERS = dict(CONFIG["headers"])
GUIDE_PAGE = "guide/why-rejection-hurts/"


def hosted_copy(site: Path, dest: Path) -> Path:
    """A copy of a built site with scripts/build/hosting.py run on it, as `make site` leaves site/."""
    shutil.copytree(site, dest)
    result = subprocess.run([PY, "-m", "scripts.build.hosting", str(dest)], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return dest


def get(base: str, path: str, headers: dict | None = None, method: str = "GET"):
    """One request to nginx, redirects not followed: (status, headers with lower-case names, body)."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, "/" + path.lstrip("/"), headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        got = {}
        for name, value in response.getheaders():
            got.setdefault(name.lower(), []).append(value)
        return response.status, got, body
    finally:
        conn.close()


def served_csp(hosted: Path) -> str:
    match = re.search(r"^  Content-Security-Policy: (.+)$", (hosted / "_headers").read_text(encoding="utf-8"), re.M)
    assert match, "_headers has no Content-Security-Policy"
    return match.group(1)


def inline_scripts(page: Path) -> list[str]:
    return [m.group(2) for m in hosting.INLINE_SCRIPT.finditer(page.read_text(encoding="utf-8"))
            if not hosting.NOT_SCRIPT.search(m.group(1))]


def sha(text: str) -> str:
    import base64
    import hashlib
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_every_inline_script_allowed(site: Path, csp: str) -> int:
    allowed = set(re.search(r"script-src ([^;]+)", csp).group(1).split())
    count = 0
    for page in html_pages(site):
        for script in inline_scripts(page):
            count += 1
            assert sha(script) in allowed, f"{page.relative_to(site)}: inline script {script[:60]!r} has no hash in the CSP"
    return count


def hashed_asset(hosted: Path) -> str:
    found = sorted(p for p in (hosted / "assets").rglob("bundle.*.min.js"))
    assert found, "no Material bundle in assets/javascripts"
    return found[0].relative_to(hosted).as_posix()
