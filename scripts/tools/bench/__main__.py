"""Speed and size figures for The Belonging Guide. Prints a table; never fails on time (exit 0).

Usage: .venv/bin/python -m scripts.tools.bench [--quick] [--sections build,rebuild,reader,pdf,load,search]

1. build   - build time of generated sites (N pages x 10 citations, M-entry .bib) without the citation
             plugin (plain), with it and no cache (cold: CITATION_CACHE=0) and with the cache (warm);
             the real guide cold and warm; the unbatched plugin (CITATION_BATCH=0) for reference.
2. rebuild - seconds from editing a guide page to `mkdocs serve` having rebuilt it.
3. reader  - bytes a reader's browser fetches (gzip, as a gzip server sends them) and Lighthouse through
             nginx as `make preview` runs it, beside stock Material's scores for the same pages
             (serve.py).
4. pdf     - scripts/build/pdf.py timings.
5. load    - wrk against nginx (as `make preview`) and against Python's http.server, same URL mix
             (serve.py).
6. search  - seconds from typing to the first search result on a phone over slow 4G, cold cache (search.py).

Everything runs on throw-away copies in a temp dir; the checkout is only read (the Lighthouse CLI is
installed once into .cache/lighthouse). --quick runs N=10,100 with M=200 only.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from scripts.tools.bench import serve
from scripts.tools.bench.build import section_build
from scripts.tools.bench.common import SMOKE, build, copy_guide, load, out
from scripts.tools.bench.pdf import section_pdf
from scripts.tools.bench.reader import section_reader
from scripts.tools.bench.rebuild import section_rebuild
from scripts.tools.bench.search import section_search


def guide_site(tmp: Path, site: Path | None) -> Path:
    """The guide built by section 1, or a build of a copy when that section did not run."""
    if site is not None and (site / "index.html").is_file():
        return site
    built = tmp / "load-guide-site"
    if not (built / "index.html").is_file():
        build(copy_guide(tmp / "load-guide"), "mkdocs.yml", built)
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=10,100 and M=200 only")
    parser.add_argument("--sections", default="build,rebuild,reader,pdf,load,search")
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest case of each section, in seconds (tests/test_bench.py runs it in make test)")
    parser.add_argument("--site", type=Path, help="an already built guide (with PDFs) for reader, pdf and load")
    args = parser.parse_args()
    if args.smoke:
        SMOKE["on"] = True
        serve.WRK_SECONDS = 1
    sections = set(args.sections.split(","))
    started = time.perf_counter()
    out(f"bench: {time.strftime('%Y-%m-%d %H:%M')} {os.cpu_count()} CPU(s), {load()}; targets are printed with "
        "PASS/MISS and never fail the run; wall times are noisy when other builds share the machine, "
        "the cpu lines less so")
    with tempfile.TemporaryDirectory(prefix="belonging-bench-") as tmpdir:
        tmp = Path(tmpdir)
        site = args.site.resolve() if args.site else None
        for name, fn in (("build", lambda: section_build(tmp, args.quick, args.smoke)),
                         ("rebuild", lambda: section_rebuild(tmp, smoke=args.smoke)),
                         ("reader", lambda: section_reader(tmp, site)),
                         ("pdf", lambda: section_pdf(tmp, site, args.smoke)),
                         ("load", lambda: serve.section_load(tmp, guide_site(tmp, site))),
                         ("search", lambda: section_search(tmp, guide_site(tmp, site)))):
            if name not in sections:
                continue
            try:
                result = fn()
                if name == "build" and result is not None:
                    site = result
            except Exception:
                out(f"{name}: ERROR\n{traceback.format_exc()}")
            out()
    out(f"bench: done in {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
