"""The benchmark cannot silently break: `python -m scripts.tools.bench --smoke` runs the smallest case of
every section (a 10-page generated site plain, cold and warm; one rebuild under `mkdocs serve`; the
reader's bytes; one handout PDF; a second of wrk through nginx; one cold search a page over slow 4G) on
the session's build, and each section must print a figure and no error. `make bench` prints the real
figures."""
from __future__ import annotations

import re
import subprocess

from conftest import ENV, PY, ROOT

SECTIONS = ("1. Build", "2. Rebuild", "3. Reader", "4. PDF", "5. Load", "6. Search")
FIGURE = re.compile(r"\d\s?(s|KB|ms|req/s)\b")
FAILURE = re.compile(r"ERROR|FAILED|Traceback|not run|did not start|no rebuild seen|browser failed|n/a")


def test_smoke_bench_prints_a_figure_in_every_section(site):
    result = subprocess.run([PY, "-m", "scripts.tools.bench", "--smoke", "--site", str(site)], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    parts = re.split(r"^== ", output, flags=re.M)[1:]
    assert len(parts) == len(SECTIONS) and all(p.startswith(s) for p, s in zip(parts, SECTIONS)), output
    for part in parts:
        figures = [line for line in part.splitlines()[1:] if FIGURE.search(line)]
        assert figures, f"section '{part.splitlines()[0]}' printed no figure:\n{part}"
    failures = [line for line in output.splitlines() if FAILURE.search(line)]
    assert not failures, "\n".join(failures) + "\n\n" + output
