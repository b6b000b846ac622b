"""Section 2: seconds from editing a guide page to `mkdocs serve --dirty` having rebuilt it."""
from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from scripts.tools.bench.common import (
    ENV, GUIDE_PAGE, GUIDE_PAGE_SRC, PY, REBUILD_MAX, copy_guide, free_port, out, verdict)
from scripts.tools.bench.sites import generate_site

SMOKE_SRC, SMOKE_URL = "docs/part-01/page-0001.md", "part-01/page-0001/"  # sites.generate_site's first page


def section_rebuild(tmp: Path, edits: int = 3, smoke: bool = False) -> None:
    if smoke:  # a 10-page generated site, one edit: proves the section runs, in seconds
        out("== 2. Rebuild: `mkdocs serve --dirty` on a 10-page generated site, one page edited once (smoke) ==")
        project, page_src, page_url, edits = generate_site(tmp / "serve-smoke", 10, 200), SMOKE_SRC, SMOKE_URL, 1
    else:
        out("== 2. Rebuild: `mkdocs serve --dirty` (as `make serve` runs it) on a copy of the guide, one guide page edited ==")
        project, page_src, page_url = copy_guide(tmp / "serve-guide"), GUIDE_PAGE_SRC, GUIDE_PAGE
    port = free_port()
    env = {**ENV, "STRICT": "false"}
    proc = subprocess.Popen([PY, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"], cwd=project,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    lines: list[tuple[float, str]] = []

    def reader():
        for line in proc.stdout:
            lines.append((time.perf_counter(), line.rstrip("\n")))

    threading.Thread(target=reader, daemon=True).start()
    url = f"http://127.0.0.1:{port}/{page_url}"

    def wait_for(pred, timeout):
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if pred():
                return True
            if proc.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    try:
        t_start = time.perf_counter()
        if not wait_for(lambda: any("Serving on" in l for _, l in lines), 300):
            out("rebuild: serve did not start:\n" + "\n".join(l for _, l in lines[-20:]))
            return
        first = next((l for _, l in lines if "Documentation built in" in l), "")
        out(f"first build (serve start to 'Serving on'): {lines[-1][0] - t_start:.2f}s; {first.strip()}")
        time.sleep(1.0)
        log_times, http_times, built_in = [], [], []
        src = project / page_src
        for i in range(edits):
            sentence = f"We added this short line {i + 1} to see how fast the page is built again."
            seen = len(lines)
            t0 = time.perf_counter()
            with src.open("a", encoding="utf-8") as handle:
                handle.write(f"\n{sentence}\n")
            t_http = None
            t_log = None
            end = t0 + 120
            while time.perf_counter() < end and (t_log is None or t_http is None):
                if t_log is None:
                    for stamp, line in lines[seen:]:
                        if "Documentation built in" in line:
                            t_log = stamp - t0
                            built_in.append(float(re.search(r"built in ([\d.]+)", line).group(1)))
                            break
                if t_http is None:
                    try:
                        with urllib.request.urlopen(url, timeout=5) as response:
                            if sentence in response.read().decode("utf-8", "replace"):
                                t_http = time.perf_counter() - t0
                    except Exception:
                        pass
                if proc.poll() is not None:
                    break
                time.sleep(0.02)
            if t_log is None or t_http is None:
                out(f"rebuild edit {i + 1}: no rebuild seen (log={t_log}, page={t_http}); last log lines:")
                for _, l in lines[-10:]:
                    out(f"    {l}")
                return
            log_times.append(t_log)
            http_times.append(t_http)
            time.sleep(1.0)
        t_log, t_http = statistics.median(log_times), statistics.median(http_times)
        out(f"rebuild after edit: log 'Documentation built in' after {t_log:.2f}s (mkdocs says "
            f"{statistics.median(built_in):.2f}s), served page has the new sentence after {t_http:.2f}s "
            f"(median of {edits})   [<{REBUILD_MAX}s {verdict(t_http < REBUILD_MAX)}]")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except Exception:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except Exception:
                pass


