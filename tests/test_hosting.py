"""The site as a host serves it: the files scripts/build/hosting.py adds to a real build, real nginx on
127.0.0.1 with deploy/nginx/site.conf (started here on a free port with its own temp prefix, pid and
log, stopped after), real Chromium with the served Content-Security-Policy enforced, and the Nu HTML
Checker over every page."""
from __future__ import annotations

import gzip
import http.client
import json
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import frontmatter
import pytest

from conftest import ENV, PY, ROOT, content_pages, copy_project, html_pages, mkdocs_build, soup

from scripts.build import hosting
from scripts.tools import nginx

pytestmark = pytest.mark.hosting
CONFIG = hosting.load()
HEADERS = dict(CONFIG["headers"])
GUIDE_PAGE = "guide/why-rejection-hurts/"
VNU = ROOT / ".cache" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# The Nu HTML Checker's errors that come from Material's own templates (9.8.1), not from us. Each is
# matched by message; anything else fails the test.
MATERIAL_ERRORS = {
    # The header's search and drawer toggles: <label ... tabindex=""> (partials/header.html, search.html).
    r"^Bad value “” for attribute “tabindex” on element “label”",
    # The hidden toggle checkboxes carry autocomplete="off" (base.html: __drawer, __search).
    r"^Attribute “autocomplete” is only allowed when the input type is",
    # <label for="__search"> and the palette toggles point at visually hidden checkboxes (base.html).
    r"^The value of the “for” attribute of the “label” element must be the ID of a non-hidden form control",
}


# --- helpers ----------------------------------------------------------------------------------------

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


@pytest.fixture(scope="module")
def hosted(site, tmp_path_factory) -> Path:
    return hosted_copy(site, tmp_path_factory.mktemp("hosted") / "site")


@pytest.fixture(scope="module")
def base(hosted):
    with nginx.Server(hosted) as url:
        yield url


def hashed_asset(hosted: Path) -> str:
    found = sorted(p for p in (hosted / "assets").rglob("bundle.*.min.js"))
    assert found, "no Material bundle in assets/javascripts"
    return found[0].relative_to(hosted).as_posix()


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


def test_a_changed_inline_script_gets_its_hash(site, tmp_path):
    """Hashes come from the pages, not from a list: a build whose inline script differs still matches."""
    copy = hosted_copy(site, tmp_path / "site")
    before = served_csp(copy)
    page = copy / GUIDE_PAGE / "index.html"
    text = page.read_text(encoding="utf-8")
    script = inline_scripts(page)[-1]
    page.write_text(text.replace(script, script + ";void 0"), encoding="utf-8")
    assert sha(script + ";void 0") not in before
    subprocess.run([PY, "-m", "scripts.build.hosting", str(copy)], cwd=ROOT, env=ENV, check=True,
                   capture_output=True)
    assert sha(script + ";void 0") in served_csp(copy)


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


# --- valid HTML ---------------------------------------------------------------------------------------

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
    import pages
    html = ('<p><abbr title="t">Term</abbr> and <a href="x">a <abbr title="t">Term</abbr> link</a></p>'
            '<h2 id="h">The <abbr title="t">Term</abbr><a class="headerlink" href="#h">¶</a></h2>')
    assert pages._place_glossary_terms(html) == (
        '<p><abbr tabindex="0" title="t">Term</abbr> and <a href="x">a Term link</a></p>'
        '<h2 id="h">The Term<a class="headerlink" href="#h">¶</a></h2>')


# --- another site_url, another depth ------------------------------------------------------------------

@pytest.fixture(scope="module")
def other_build(tmp_path_factory):
    """The project built at https://x.example/sub/dir/, with a redirect page, then hosting.py."""
    tmp = tmp_path_factory.mktemp("other")
    project = copy_project(tmp / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "redirect_maps: {}" in text or "redirect_maps:" in text
    config.write_text(text.replace("redirect_maps: {}", "redirect_maps:\n        old-start.md: guide/index.md")
                      if "redirect_maps: {}" in text else
                      text.replace("redirect_maps:", "redirect_maps:\n        old-start.md: guide/index.md", 1),
                      encoding="utf-8")
    out = tmp / "built"
    result = mkdocs_build(project, out, env={"SITE_URL": "https://x.example/sub/dir/"})
    assert result.returncode == 0, result.stdout + result.stderr
    return hosted_copy(out, tmp / "site")


def test_another_site_url_gets_its_own_matching_hashes(hosted, other_build):
    mine, theirs = served_csp(hosted), served_csp(other_build)
    assert assert_every_inline_script_allowed(other_build, theirs) > 0
    not_in_default = [s for p in html_pages(other_build) for s in inline_scripts(p) if sha(s) not in mine]
    assert not_in_default, "expected the /sub/dir/ build to hold an inline script the default build does not"
    assert 'new URL("/sub/dir/"' in (other_build / "404.html").read_text(encoding="utf-8")


# --- Chromium through nginx, CSP enforced ---------------------------------------------------------------

browser_mod = pytest.importorskip("playwright.sync_api")
from test_browser import ARGS, CHROMIUM, STUB, TOOLTIP, Watch, run_search, url_path  # noqa: E402

CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
"""


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's one Chromium (conftest.py)."""
    return browser


def load_all(chromium, base: str, paths: list[str], expect_404: set[str] = frozenset()) -> tuple[list[str], int]:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    ctx.add_init_script(CSP_LISTENER)
    problems, checked = [], 0
    try:
        page = ctx.new_page()
        watch = Watch(page, base)
        page.on("console", lambda m: m.type == "warning" and "Content Security Policy" in m.text
                and watch.problems.append(f"console warning: {m.text}"))
        for path in paths:
            response = page.goto(base + path, wait_until="load")
            assert response.headers.get("content-security-policy"), f"/{path}: served without a CSP"
            page.wait_for_load_state("networkidle")
            seen = watch.take()
            if path in expect_404:   # the page's own 404, once, is what we asked for
                for expected in (f"HTTP 404: {base}{path}",
                                 "console error: Failed to load resource: the server responded with a status of 404 "
                                 "(Not Found)"):
                    assert expected in seen, (path, seen)
                    seen.remove(expected)
            seen += [f"CSP violation: {v}" for v in page.evaluate("() => window.__csp")]
            problems += [f"/{path}: {p}" for p in seen]
            checked += 1
    finally:
        ctx.close()
    return problems, checked


@pytest.mark.browser
def test_every_page_through_nginx_has_no_csp_violation_or_console_error(chromium, hosted, base):
    paths = [url_path(hosted, p) for p in content_pages(hosted)] + ["no-such-page/"]
    problems, checked = load_all(chromium, base, paths, expect_404={"no-such-page/"})
    assert checked == len(paths) >= 25
    assert not problems, "\n".join(problems[:40])


@pytest.mark.browser
def test_other_build_and_its_redirect_under_the_csp(chromium, other_build):
    with nginx.Server(other_build) as url:
        problems, _ = load_all(chromium, url, ["", GUIDE_PAGE])
        assert not problems, "\n".join(problems)
        ctx = chromium.new_context()
        ctx.add_init_script(CSP_LISTENER)
        try:
            page = ctx.new_page()
            page.goto(url + "old-start/")
            page.wait_for_url(url + "guide/", timeout=5000)
            assert page.evaluate("() => window.__csp") == []
        finally:
            ctx.close()


@pytest.mark.browser
def test_real_redirect_pages_still_redirect(chromium, hosted, base):
    redirects = [p for p in html_pages(hosted) if 'http-equiv="refresh"' in p.read_text(encoding="utf-8")
                 and 'class="md-content"' not in p.read_text(encoding="utf-8")]
    if not redirects:
        pytest.skip("mkdocs.yml has no redirect yet (test_other_build_and_its_redirect_under_the_csp covers one)")
    ctx = chromium.new_context()
    ctx.add_init_script(CSP_LISTENER)
    try:
        page = ctx.new_page()
        for file in redirects:
            path = url_path(hosted, file)
            page.goto(base + path)
            page.wait_for_function(f"() => location.pathname !== '/{path}'", timeout=5000)
            assert page.evaluate("() => window.__csp") == [], path
    finally:
        ctx.close()


@pytest.mark.browser
def test_features_work_under_the_csp(chromium, base):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    ctx.add_init_script(CSP_LISTENER + f"window.__mode = 'copy'; ({STUB})();")
    try:
        page = ctx.new_page()
        watch = Watch(page, base)
        page.goto(base + GUIDE_PAGE)
        # search: the worker and its index load under worker-src/connect-src 'self'
        hrefs = run_search(page, "rejection")
        assert any(h.startswith(base + "guide/why-rejection-hurts/") for h in hrefs[:5]), hrefs[:5]
        page.keyboard.press("Escape")
        # palette toggle
        assert page.evaluate("() => document.body.dataset.mdColorScheme") == "default"
        page.locator("label.md-header__button[for^='__palette']:visible").first.click()
        page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate'")
        # glossary tooltip and citation preview, by hover
        for selector, kind in (("article abbr[tabindex]", "glossary term"), ("article .footnote-ref", "citation")):
            target = page.locator(selector).first
            target.scroll_into_view_if_needed()
            target.hover()
            page.wait_for_timeout(400)
            assert page.evaluate(TOOLTIP), f"hovering a {kind} shows no tooltip"
            page.mouse.move(5, 5)
            page.wait_for_timeout(300)
        # share (copy mode: no share sheet) and the cite-this-page copy buttons
        page.get_by_role("button", name="Share this page").click()
        page.wait_for_function("() => window.__shared.length === 1")
        assert "Link copied" in page.locator(".share-status").inner_text()
        page.get_by_role("button", name="Copy APA citation").click()
        page.wait_for_function("() => window.__shared.length === 2")
        copied = page.evaluate("() => window.__shared[1]")
        assert copied[0] == "copy" and "The Belonging Guide" in copied[1], copied
        assert page.get_by_role("button", name="Copied").count() == 1
        problems = watch.take() + [f"CSP violation: {v}" for v in page.evaluate("() => window.__csp")]
        assert not problems, problems
    finally:
        ctx.close()
