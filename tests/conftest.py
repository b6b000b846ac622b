"""Shared fixtures: one real build of the guide for the whole session, and throw-away copies of
the project for tests that feed the build bad input."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
PROJECT_FILES = ("mkdocs.yml", "docs", "overrides", "scripts", "includes", "references.bib")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


# `make site` in a network namespace with only loopback, when the machine allows one (root): the session's
# build proves the pages, PDFs and bundle need no network (tests/test_foundation.py reads its log).
OFFLINE = ["unshare", "-n", "--"] if shutil.which("unshare") and subprocess.run(
    ["unshare", "-n", "true"], capture_output=True).returncode == 0 else []
SITE_STEPS = ("pdf", "worksheets", "packs", "offline")  # `make site`'s steps after MkDocs, but hosting (test_hosting)


def mkdocs_build(project: Path, out: Path, env: dict | None = None, extra: tuple = (),
                 tool: str = "mkdocs", prefix: list | tuple = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, PY, "-m", tool, "build", "--strict", "--clean", "-f", str(project / "mkdocs.yml"), "-d", str(out),
         *extra],
        cwd=project, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=900,
    )


def copy_project(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    cache = ROOT / ".cache" / "citations"
    if cache.is_dir():  # warm citations make bad-input builds quick; they are keyed, so never stale
        shutil.copytree(cache, dest / ".cache" / "citations")
    return dest


def shared(tmp_path_factory, name: str, make) -> Path:
    """A session build made once per test run: under pytest-xdist (`make test` runs two workers) the first
    worker to ask builds it into the run's shared temporary folder while the other waits on a lock, then
    both use it. `make(out)` builds into out/site and writes out/build.log last."""
    import fcntl
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp(name)
        make(out)
        return out / "site"
    out = tmp_path_factory.getbasetemp().parent / name   # the folder both workers of this run share
    out.mkdir(exist_ok=True)
    with open(out.parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "build.log").exists():
            make(out)
    return out / "site"


def _make_site(base: Path) -> None:
    out = base / "site"
    log = [f"offline: {' '.join(OFFLINE) or 'no (unshare -n not permitted)'}"]
    result = mkdocs_build(ROOT, out, prefix=OFFLINE)
    log.append(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    for step in SITE_STEPS:
        done = subprocess.run([*OFFLINE, PY, "-m", f"scripts.build.{step}", str(out)], cwd=ROOT, env=ENV,
                              capture_output=True, text=True, timeout=900)
        log.append(f"{step}: " + done.stdout + done.stderr)
        assert done.returncode == 0, done.stdout + done.stderr
    (base / "build.log").write_text("\n".join(log), encoding="utf-8")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The guide as `make site` builds it (pages, PDFs, worksheets, packs, the offline bundle), without a
    network when the machine allows (OFFLINE): the one build of the guide that every suite shares.
    Its log is site/../build.log. TEST_SITE=DIR reuses a site built that way (a quicker local rerun)."""
    if os.environ.get("TEST_SITE"):
        return Path(os.environ["TEST_SITE"]).resolve()
    return shared(tmp_path_factory, "site", _make_site)


def _make_properdocs(base: Path) -> None:
    result = mkdocs_build(ROOT, base / "site", tool="properdocs")
    assert result.returncode == 0, result.stdout + result.stderr
    (base / "build.log").write_text(result.stderr, encoding="utf-8")


@pytest.fixture(scope="session")
def second_build(tmp_path_factory) -> Path:
    """The guide built a second time, by ProperDocs 1.6.7 (the maintained fork of MkDocs 1.x): the one
    second build, for test_properdocs (the same pages as MkDocs writes) and test_two_builds_are_identical."""
    pytest.importorskip("properdocs")
    return shared(tmp_path_factory, "properdocs", _make_properdocs)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic",
                 # Belt and braces: no host name resolves, so nothing can leave the machine even if asked to.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for every test module. Playwright's sync API allows one running instance per
    thread, so a module that started its own while this one is open would fail ("Sync API inside the
    asyncio loop")."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (bash scripts/tools/setup.sh test)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site):
    """The built site served from 127.0.0.1 for the browser tests (one server for the session)."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def context(browser, base_url):
    """A fresh browser context at 1280 x 900."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def hosted(site, tmp_path_factory) -> Path:
    """A copy of the session's site with scripts/build/hosting.py run on it, as `make site` leaves site/."""
    from serving import hosted_copy
    return hosted_copy(site, tmp_path_factory.mktemp("hosted") / "site")


@pytest.fixture(scope="session")
def base(hosted):
    """Real nginx with deploy/nginx/site.conf serving `hosted` on a free port (scripts/tools/nginx.py)."""
    from scripts.tools import nginx
    with nginx.Server(hosted) as url:
        yield url


@pytest.fixture()
def project(tmp_path) -> Path:
    """A throw-away copy of the project to break."""
    return copy_project(tmp_path / "project")


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)


def content_pages(site: Path) -> list[Path]:
    """Pages built from docs/ (not redirects, not the 404 page)."""
    pages = []
    for path in html_pages(site):
        text = path.read_text(encoding="utf-8")
        if 'class="md-content"' in text and path.name != "404.html":
            pages.append(path)
    return pages


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(path: Path):
    return soup(path).select_one("article.md-content__inner")
