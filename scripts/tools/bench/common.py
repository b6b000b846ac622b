"""What every bench section shares: paths, the environment builds run in, timed builds, output."""
from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
HOOK = ROOT / "scripts" / "hooks" / "citations" / "__init__.py"
PROJECT_FILES = ("mkdocs.yml", "docs", "overrides", "scripts", "includes", "references.bib")
# As `make` runs builds. Python keeps the hooks compiled in scripts/__pycache__ (git-ignored), as it would
# for any user; before, PYTHONDONTWRITEBYTECODE=1 made every build compile citations.py again (~10 ms).
# PYTHONPATH: the synthetic sites load the guide's citations hook, which imports the `scripts` package.
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "PYTHONPATH": str(ROOT)}
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
for _var in ("CITATION_CACHE", "CITATION_BATCH"):
    ENV.pop(_var, None)

LIGHTHOUSE_VERSION = "12.8.2"  # 13.x needs Node >= 22.19; Debian's node is 20
LIGHTHOUSE_DIR = ROOT / ".cache" / "lighthouse"
LIGHTHOUSE_RUNS = 3
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"]
SMOKE = {"on": False}  # --smoke: the smallest case of each section (make test runs it)
GUIDE_PAGE = "guide/belonging-vs-fitting-in/"
GUIDE_PAGE_SRC = "docs/guide/belonging-vs-fitting-in.md"

# Targets (printed with PASS/MISS; never fail the run).
COLD_MAX = {100: 2.5, 1000: 1.3}
WARM_MAX = 1.2
REBUILD_MAX = 1.5
FIRST_LOAD_MAX_KB = 120
SEARCH_INDEX_MAX_KB = 200
GZIP_LEVEL = 6  # nginx/Apache-like; text types only (images/fonts are sent as they are)
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map", ".webmanifest", ".mjs"}


def out(line: str = "") -> None:
    print(line, flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_group(cmd, *, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    """Run a command in its own process group; on timeout kill that group (ours) and report."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return subprocess.CompletedProcess(cmd, -9, stdout, (stderr or "") + f"\n[timed out after {timeout}s]")
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


CALLS_LINE = re.compile(r"citations: (\d+) pandoc call\(s\), cache (\S+)")


CPU: list[float] = []  # user+sys seconds of each build (children), less sensitive to a busy machine


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


PANDOC_WRAPPER: dict[str, Path] = {}


def pandoc_wrapper(tmp: Path) -> dict:
    """PYPANDOC_PANDOC pointing at a wrapper that logs every --citeproc run (counts mkdocs-bibtex's own
    calls too, which the hook's log line does not see)."""
    if "path" not in PANDOC_WRAPPER:
        import pypandoc

        wrapper = tmp / "pandoc-counting"
        wrapper.write_text('#!/bin/sh\ncase " $* " in *" --citeproc "*) echo run >> "$PANDOC_CALL_LOG";; esac\n'
                           f'exec "{pypandoc.get_pandoc_path()}" "$@"\n', encoding="utf-8")
        wrapper.chmod(0o755)
        PANDOC_WRAPPER["path"] = wrapper
        PANDOC_WRAPPER["log"] = tmp / "pandoc-calls.log"
    return {"PYPANDOC_PANDOC": str(PANDOC_WRAPPER["path"]), "PANDOC_CALL_LOG": str(PANDOC_WRAPPER["log"])}


def build(project: Path, config: str, out_dir: Path, env: dict | None = None) -> tuple[float, str]:
    """Wall-clock seconds of one `mkdocs build --strict`; returns (seconds, citations log line + real calls)."""
    cmd = [PY, "-m", "mkdocs", "build", "--strict", "--clean", "-f", str(project / config), "-d", str(out_dir)]
    counting = pandoc_wrapper(project.parent)
    Path(counting["PANDOC_CALL_LOG"]).write_text("", encoding="utf-8")
    cpu = children_cpu()
    start = time.perf_counter()
    result = run_group(cmd, cwd=project, env={**ENV, **counting, **(env or {})}, timeout=1800)
    elapsed = time.perf_counter() - start
    CPU.append(children_cpu() - cpu)
    if result.returncode != 0:
        raise RuntimeError(f"build failed ({project.name}, {config}, {env}):\n{result.stderr[-3000:]}")
    match = CALLS_LINE.search(result.stderr)
    calls = len(Path(counting["PANDOC_CALL_LOG"]).read_text(encoding="utf-8").splitlines())
    return elapsed, f"{match.group(0) if match else 'no citations log line'}; pandoc ran {calls}x"


LAST_CPU: list[float] = []
# Cold: one pandoc run, or a few in parallel for a big site (see citations.chunk_blocks), and the hook's
# count must match the wrapper's. Warm: none.
COLD_CALLS = r"citations: ([1-9]\d*) pandoc call\(s\), cache off; pandoc ran \1x"
WARM_CALLS = r"citations: 0 pandoc call\(s\), cache hit; pandoc ran 0x"


def timed(project: Path, config: str, out_dir: Path, runs: int, env: dict | None = None,
          expect: str | None = None) -> tuple[float, list[str]]:
    """Median wall-clock seconds of `runs` builds; the median CPU seconds go to LAST_CPU."""
    times, cpus, notes = [], [], []
    for _ in range(runs):
        seconds, line = build(project, config, out_dir, env)
        times.append(seconds)
        cpus.append(CPU[-1])
        if expect is not None and not re.search(expect, line):
            notes.append(f"expected /{expect}/, log said '{line or 'nothing'}'")
    LAST_CPU.append(statistics.median(cpus))
    return statistics.median(times), notes


def load() -> str:
    return "load %.1f" % os.getloadavg()[0]


def clear_cache(project: Path) -> None:
    shutil.rmtree(project / ".cache", ignore_errors=True)


def copy_guide(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / name)
    return dest

