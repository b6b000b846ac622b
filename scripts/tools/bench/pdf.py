"""Section 4: python -m scripts.build.pdf timings."""
from __future__ import annotations

import ast
import re
import time
from pathlib import Path

from scripts.tools.bench.common import ENV, PY, ROOT, build, copy_guide, out, run_group


def is_stub(script: Path) -> bool:
    tree = ast.parse(script.read_text(encoding="utf-8"))
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) or isinstance(node, ast.Pass)
               for node in tree.body)


SMOKE_HANDOUT = "guide/why-rejection-hurts.md"
ONE_HANDOUT = """import sys
from scripts.build.pdf import make_handout
path, seconds, pages = make_handout(sys.argv[1], sys.argv[2], sys.argv[3])
print(f"pdf: one handout ({sys.argv[2]}): {pages} pages in {seconds:.1f} s")
"""


def section_pdf(tmp: Path, site: Path | None, smoke: bool = False) -> None:
    out("== 4. PDF: python -m scripts.build.pdf SITE_DIR ==" + (" (smoke: one handout)" if smoke else ""))
    script = ROOT / "scripts" / "build" / "pdf.py"
    if not script.is_file() or is_stub(script):
        out("pdf: not built yet")
        return
    if site is None or not (site / "index.html").is_file():
        project = copy_guide(tmp / "pdf-guide")
        site = tmp / "pdf-site"
        build(project, "mkdocs.yml", site)
    start = time.perf_counter()
    command = ([PY, "-c", ONE_HANDOUT, str(site), SMOKE_HANDOUT, str(tmp / "smoke-handout.pdf")] if smoke
               else [PY, "-m", "scripts.build.pdf", str(site)])
    result = run_group(command, cwd=ROOT, env=ENV, timeout=900)
    elapsed = time.perf_counter() - start
    status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    out(f"pdf: {elapsed:.2f}s total, {status}")
    for line in (result.stdout + result.stderr).splitlines():
        if line.strip() and (result.returncode != 0 or re.search(r"\d(\.\d+)?\s*s\b|second", line)):
            out(f"    {line.rstrip()[:400]}")


