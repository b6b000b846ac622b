"""The bench's serving figures, through the production server (scripts/tools/nginx.py, as `make preview`):

load    - wrk (Debian package) against nginx on 127.0.0.1, a few seconds, over a mix of guide pages,
          PDFs and the search index: requests/s, p50, p99, errors; then the same against Python's
          http.server (the naive baseline) and the ratio, in the same run.
reader  - Lighthouse through nginx (real headers, gzip_static) for each page, beside the same page
          built with stock Material (no overrides, hooks, extra CSS or JS) in the same run, as a ratio:
          Lighthouse's simulated times follow the machine's speed, so the ratio is the figure to hold.
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scripts.tools import nginx

ROOT = Path(__file__).resolve().parents[3]

PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
WRK_SECONDS, WRK_THREADS, WRK_CONNECTIONS = 5, 2, 16
PAGE_WEIGHT = 8      # each guide/clinician page this many times per round of the mix, the index and PDFs once


def out(line: str = "") -> None:
    print(line, flush=True)


def hosted(tmp: Path, site: Path, name: str, pdfs: bool) -> Path:
    """A copy of a built site as `make site` leaves it: PDFs (if asked), then scripts/build/hosting.py."""
    dest = tmp / name
    if not dest.exists():
        shutil.copytree(site, dest)
        if pdfs and not (dest / "pdf").is_dir():
            subprocess.run([PY, "-m", "scripts.build.pdf", str(dest)], cwd=ROOT, check=True,
                           capture_output=True, timeout=900)
        subprocess.run([PY, "-m", "scripts.build.hosting", str(dest)], cwd=ROOT, check=True,
                       capture_output=True, timeout=300)
    return dest


# --- load: wrk -----------------------------------------------------------------------------------------

def mix(site: Path) -> list[str]:
    pages = sorted("/" + p.parent.relative_to(site).as_posix() + "/" for p in site.glob("*/*/index.html")
                   if p.parent.parent.name in ("guide", "clinicians"))
    pdfs = sorted("/" + p.relative_to(site).as_posix() for p in (site / "pdf").rglob("*.pdf"))
    return pages * PAGE_WEIGHT + ["/search/search_index.json"] + pdfs[:3]


WRK_LUA = """-- written by scripts/tools/bench/serve.py: the URL mix, in turn, as a gzip-accepting browser asks
local paths = {%s}
local counter = 0
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter], {["Accept-Encoding"] = "gzip, deflate, br"})
end
"""


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
             "p50": ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)),
             "p99": ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)),
             "requests": int(re.search(r"(\d+) requests in", text).group(1)),
             "transfer": re.search(r"Transfer/sec:\s+(\S+)", text).group(1)}
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    found["errors"] = (sum(map(int, socket.groups())) if socket else 0) + (int(non2xx.group(1)) if non2xx else 0)
    return found


def wrk(base: str, script: Path) -> dict:
    result = subprocess.run(["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency",
                             "-s", str(script), base.rstrip("/")], capture_output=True, text=True,
                            timeout=WRK_SECONDS + 60)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[-300:] or result.stdout.strip()[-300:])
    return parse_wrk(result.stdout)


def python_server(site: Path):
    port = nginx.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(site),
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    import socket
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}/"


def section_load(tmp: Path, site: Path) -> None:
    out(f"== 5. Load: wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s on 127.0.0.1 (wrk and the server "
        "share this machine's cores), against nginx as `make preview` runs it and against "
        "`python -m http.server` ==")
    if not shutil.which("wrk"):
        out("load: not run: wrk is not installed (bash scripts/tools/setup.sh bench)")
        return
    served = hosted(tmp, site, "load-site", pdfs=True)
    paths = mix(served)
    script = tmp / "mix.lua"
    script.write_text(WRK_LUA % ", ".join(f'"{p}"' for p in paths), encoding="utf-8")
    pages, pdfs = {p for p in paths if p.endswith("/")}, [p for p in paths if p.endswith(".pdf")]
    out(f"mix: {len(pages)} guide/clinician pages x{PAGE_WEIGHT}, the search index and {len(pdfs)} PDFs "
        f"({', '.join(p.rsplit('/', 1)[1] for p in pdfs)}), in turn, Accept-Encoding: gzip")
    results = {}
    with nginx.Server(served, workers=2) as base:
        results["nginx"] = wrk(base, script)
    proc, base = python_server(served)
    try:
        results["http.server"] = wrk(base, script)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    for name, r in results.items():
        out(f"{name:12s} {r['rps']:9.0f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms   "
            f"errors {r['errors']}   ({r['requests']} requests, {r['transfer']}/s)   "
            f"[errors=0 {'PASS' if r['errors'] == 0 else 'MISS'}]")
    n, p = results["nginx"], results["http.server"]
    out(f"nginx / http.server: {n['rps'] / p['rps']:.1f}x the requests/s, p50 {n['p50'] / p['p50']:.2f}x, "
        f"p99 {n['p99'] / p['p99']:.2f}x (lower latency is better)")


# --- reader: Lighthouse, ours beside stock Material --------------------------------------------------------

def stock_config(project: Path) -> str:
    """mkdocs.yml as stock Material would run it: no custom_dir, hooks, extra CSS/JS or plugins beyond
    search, and the default palette colours; the same pages, nav and Markdown extensions."""
    kept, skipping = [], False
    for line in (project / "mkdocs.yml").read_text(encoding="utf-8").split("\n"):
        top = line[:1] not in ("", " ", "#")
        if top:
            skipping = line.split(":")[0] in ("hooks", "extra_css", "extra_javascript", "plugins", "validation")
        if skipping or line.strip() == "custom_dir: overrides" or line.startswith("strict:"):
            continue
        kept.append(line.replace("primary: custom", "primary: indigo").replace("accent: custom", "accent: indigo"))
    kept += ["strict: false", "plugins:", "  - search"]
    (project / "mkdocs-stock.yml").write_text("\n".join(kept), encoding="utf-8")
    return "mkdocs-stock.yml"


def stock_site(tmp: Path, copy_guide) -> Path:
    """The guide's pages built with stock Material (not strict: our link checks need our hooks)."""
    project = copy_guide(tmp / "stock-guide")
    out_dir = tmp / "stock-site"
    result = subprocess.run([PY, "-m", "mkdocs", "build", "--clean", "-q", "-f", str(project / stock_config(project)),
                             "-d", str(out_dir)], cwd=project, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1",
                                 "DISABLE_MKDOCS_2_WARNING": "true"})
    if result.returncode != 0 or not (out_dir / "index.html").is_file():
        raise RuntimeError(f"the stock Material build failed: {result.stderr[-500:]}")
    return out_dir


def lighthouse_compare(tmp: Path, site: Path, cli: Path, lighthouse, pages: dict[str, str], runs: int,
                       copy_guide) -> None:
    ours = hosted(tmp, site, "lh-ours", pdfs=False)
    stock = hosted(tmp, stock_site(tmp, copy_guide), "lh-stock", pdfs=False)
    with nginx.Server(ours) as base_ours, nginx.Server(stock) as base_stock:
        for label, page_path in pages.items():
            results, failing = {"ours": [], "stock": []}, set()
            for run in range(runs):       # interleaved, so a busy spell of the machine hits both alike
                for variant, base in (("ours", base_ours), ("stock", base_stock)):
                    scores, why = lighthouse(cli, base + page_path, tmp / f"lh-{variant}-{label}-{run}.json")
                    if scores is None:       # Lighthouse's own hiccups (NO_NAVSTART under load): once more
                        scores, why = lighthouse(cli, base + page_path, tmp / f"lh-{variant}-{label}-{run}b.json")
                    if scores is None:
                        out(f"lighthouse {label} {variant}: could not run: {why}")
                        continue
                    fails = scores.pop("_failing")
                    if variant == "ours":
                        failing |= set(fails)
                    results[variant].append(scores)
            medians = {variant: {k: statistics.median_low([r[k] for r in rs if r[k] is not None] or [0])
                                 for k in rs[0]} for variant, rs in results.items() if rs}
            if len(medians) < 2:
                continue
            o, s = medians["ours"], medians["stock"]
            cells = "  ".join(f"{k}={o[k]}/{s[k]} ({(o[k] / s[k]) if s[k] else 0:.2f})" for k in o)
            ok = all(s[k] and o[k] / s[k] >= 0.98 for k in o)
            out(f"lighthouse {label} /{page_path} via nginx, ours/stock (ratio): {cells}   (medians of {len(results['ours'])} and {len(results['stock'])} runs)   "
                f"[every ratio >= 0.98 {'PASS' if ok else 'MISS'}]; performance runs ours "
                f"{sorted(r['performance'] for r in results['ours'])}, stock "
                f"{sorted(r['performance'] for r in results['stock'])}"
                + (f" ours below 1 in some run: {', '.join(sorted(failing))}" if failing else ""))
