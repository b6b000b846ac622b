"""Section 3: bytes a reader's browser fetches, and Lighthouse through nginx beside stock Material (serve.py)."""
from __future__ import annotations

import functools
import gzip
import http.server
import io
import json
import shutil
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from scripts.tools.bench import serve
from scripts.tools.bench.common import (
    CHROME_FLAGS, CHROMIUM, ENV, FIRST_LOAD_MAX_KB, GUIDE_PAGE, GZIP_LEVEL, LIGHTHOUSE_DIR, LIGHTHOUSE_RUNS,
    LIGHTHOUSE_VERSION, SEARCH_INDEX_MAX_KB, SMOKE, TEXT_SUFFIXES, build, copy_guide, out, run_group, verdict)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static host as readers meet one: text files gzip-encoded (-6) when the browser accepts it,
    so Lighthouse sees the bytes this section counts."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if ("gzip" not in self.headers.get("Accept-Encoding", "") or not path.is_file()
                or path.suffix.lower() not in TEXT_SUFFIXES):
            return super().send_head()  # directories without "/" (the redirect), binaries, 404s
        body = gzip.compress(path.read_bytes(), compresslevel=GZIP_LEVEL, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


def serve_dir(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def file_for(site: Path, base: str, url: str) -> Path | None:
    if not url.startswith(base):
        return None
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path).lstrip("/")
    target = site / path
    if target.is_dir() or path == "" or path.endswith("/"):
        target = target / "index.html"
    return target if target.is_file() else None


def sent_bytes(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()
    if path.suffix.lower() in TEXT_SUFFIXES:
        return len(raw), len(gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0))
    return len(raw), len(raw)


def page_loads(site: Path, base: str, page_path: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_FLAGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            responses: list[str] = []
            page.on("response", lambda r: responses.append(r.url))
            context.on("response", lambda r: responses.append(r.url))
            page.goto(base + page_path, wait_until="networkidle")
            page.wait_for_timeout(500)
            first = list(dict.fromkeys(u for u in responses if not u.startswith("data:")))
            try:
                box = page.locator("input.md-search__input")
                box.click(timeout=5000)
                box.press_sequentially("belong", delay=50)
                page.wait_for_selector(".md-search-result__item", timeout=10000)
                search_ok = True
            except Exception:
                search_ok = False
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            after = list(dict.fromkeys(u for u in responses if not u.startswith("data:")))
        finally:
            browser.close()
    return {"first": first, "after": after, "search_ok": search_ok}


def total(site: Path, base: str, urls: list[str]) -> tuple[int, int, list[str]]:
    raw = gz = 0
    foreign = []
    for url in urls:
        path = file_for(site, base, url)
        if path is None:
            foreign.append(url)
            continue
        r, g = sent_bytes(path)
        raw, gz = raw + r, gz + g
    return raw, gz, foreign


def lighthouse_cli() -> tuple[Path | None, str]:
    cli = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
    if cli.is_file():
        return cli, ""
    if not shutil.which("npm") or not shutil.which("node"):
        return None, "node/npm not installed"
    LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
    result = run_group(["npm", "install", "--prefix", str(LIGHTHOUSE_DIR), "--no-audit", "--no-fund",
                        "--loglevel=error", f"lighthouse@{LIGHTHOUSE_VERSION}"], timeout=300)
    if result.returncode != 0 or not cli.is_file():
        return None, f"npm install lighthouse@{LIGHTHOUSE_VERSION} failed: {(result.stderr or '').strip()[-300:]}"
    return cli, ""


def lighthouse(cli: Path, url: str, report: Path) -> tuple[dict | None, str]:
    flags = " ".join(["--headless=new", "--no-sandbox", *CHROME_FLAGS])
    cmd = ["node", str(cli), url, "--output=json", f"--output-path={report}", "--quiet",
           "--only-categories=performance,accessibility,best-practices,seo", f"--chrome-flags={flags}"]
    result = run_group(cmd, env={**ENV, "CHROME_PATH": CHROMIUM}, timeout=240)
    if result.returncode != 0 or not report.is_file():
        return None, (result.stderr or result.stdout or "no output").strip().splitlines()[-1][:300]
    data = json.loads(report.read_text(encoding="utf-8"))
    scores = {k: (round(v["score"] * 100) if v.get("score") is not None else None)
              for k, v in data["categories"].items()}
    failing = []
    for cat in data["categories"].values():
        for ref in cat["auditRefs"]:
            audit = data["audits"].get(ref["id"], {})
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                failing.append(ref["id"])
    return scores | {"_failing": sorted(set(failing))}, ""


def section_reader(tmp: Path, site: Path | None) -> None:
    out(f"== 3. Reader: bytes on first load (gzip -{GZIP_LEVEL} of text files, as a gzip server sends them; "
        "what the page loads found by Chromium via Playwright) and Lighthouse (mobile) ==")
    if site is None or not (site / "index.html").is_file():
        project = copy_guide(tmp / "reader-guide")
        site = tmp / "reader-site"
        build(project, "mkdocs.yml", site)
    server, base = serve_dir(site)
    try:
        index = site / "search" / "search_index.json"
        if index.is_file():
            raw, gz = sent_bytes(index)
            out(f"search index: {raw / 1024:.1f} KB raw, {gz / 1024:.1f} KB gzip   "
                f"[<={SEARCH_INDEX_MAX_KB} KB {verdict(gz / 1024 <= SEARCH_INDEX_MAX_KB)}]")
        for label, page_path in (("home", ""), ("guide", GUIDE_PAGE)):
            try:
                loads = page_loads(site, base, page_path)
            except Exception as error:
                out(f"{label}: browser failed: {error}")
                continue
            raw, gz, foreign = total(site, base, loads["first"])
            raw2, gz2, foreign2 = total(site, base, loads["after"])
            has_index = any("search_index.json" in u for u in loads["first"])
            target = ""
            if label == "guide":
                target = f"   [<={FIRST_LOAD_MAX_KB} KB {verdict(gz / 1024 <= FIRST_LOAD_MAX_KB)}]"
            out(f"{label} /{page_path}: first load {len(loads['first'])} requests, {raw / 1024:.1f} KB raw, "
                f"{gz / 1024:.1f} KB gzip (search index {'included' if has_index else 'not loaded yet'}){target}")
            out(f"{label} /{page_path}: after typing in search {len(loads['after'])} requests, "
                f"{raw2 / 1024:.1f} KB raw, {gz2 / 1024:.1f} KB gzip"
                f"{'' if loads['search_ok'] else ' (search showed no results)'}")
            for url in loads["after"]:
                path = file_for(site, base, url)
                if path is not None:
                    r, g = sent_bytes(path)
                    out(f"    {g / 1024:7.1f} KB gzip  {url[len(base) - 1:]}")
            for url in sorted(set(foreign + foreign2)):
                out(f"    ! not a local file: {url}")
        if SMOKE["on"]:
            out("lighthouse: skipped in the smoke bench (minutes, not seconds)")
            return
        cli, why = lighthouse_cli()
        if cli is None:
            out(f"lighthouse: not run: {why}")
            return
        serve.lighthouse_compare(tmp, site, cli, lighthouse, {"home": "", "guide": GUIDE_PAGE},
                                       LIGHTHOUSE_RUNS, copy_guide)
    finally:
        server.shutdown()


