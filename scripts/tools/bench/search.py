"""Section 6: time from typing to the first search result, on a phone over slow 4G with a cold cache.

Chromium (Playwright) at 375 x 740, the network throttled as Lighthouse's mobile "slow 4G" applies it
through DevTools (562.5 ms request latency, 1,474.56 kbit/s down, 675 kbit/s up) and the CPU slowed 4x,
cache disabled, the site served gzip -6 (reader.py). The reader opens the page, and as soon as it has
loaded taps the search box and types; the clock runs from the first key to the first result on screen
(search index, worker and lunr all still on their way: the worst case). A second figure types 3 s after
load, when the index has usually arrived. Median of RUNS cold loads each.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from scripts.tools.bench.common import CHROME_FLAGS, CHROMIUM, SMOKE, build, copy_guide, out, verdict
from scripts.tools.bench.reader import serve_dir

FIRST_RESULT_MAX_S = 1.5
RUNS = 3
QUERY = "lonely"
PAGES = {"home": "", "guide": "guide/belonging-vs-fitting-in/", "clinician": "clinicians/evidence-base/"}
SLOW_4G = {"offline": False, "latency": 562.5, "downloadThroughput": 1474.56 * 1024 / 8,
           "uploadThroughput": 675 * 1024 / 8}
CPU_SLOWDOWN = 4


def first_result(browser, url: str, wait_after_load: float) -> float:
    """Seconds from the first key typed to the first result shown, in a fresh (cold) context."""
    ctx = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        page.goto(url, wait_until="load", timeout=120_000)
        if wait_after_load:
            page.wait_for_timeout(wait_after_load * 1000)
        page.locator("label.md-header__button[for='__search']").first.click()
        box = page.locator("input.md-search__input")
        start = time.perf_counter()
        box.type(QUERY, delay=0)
        page.wait_for_selector(".md-search-result__item", timeout=60_000)
        return time.perf_counter() - start
    finally:
        ctx.close()


def section_search(tmp: Path, site: Path | None) -> None:
    out(f"== 6. Search: typing to first result on a phone, slow 4G ({SLOW_4G['latency']} ms, "
        f"{SLOW_4G['downloadThroughput'] * 8 / 1024:.0f} kbit/s down), CPU / {CPU_SLOWDOWN}, cold cache; "
        f"median of {RUNS} ==")
    if site is None or not (site / "index.html").is_file():
        site = tmp / "search-site"
        build(copy_guide(tmp / "search-guide"), "mkdocs.yml", site)
    from playwright.sync_api import sync_playwright

    server, base = serve_dir(site)
    runs = 1 if SMOKE["on"] else RUNS
    pages = dict(list(PAGES.items())[:1]) if SMOKE["on"] else PAGES  # smoke: one page, typing at load
    waits = (0.0,) if SMOKE["on"] else (0.0, 3.0)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROME_FLAGS)
            try:
                for label, path in pages.items():
                    for wait in waits:
                        times = [first_result(browser, base + path, wait) for _ in range(runs)]
                        median = statistics.median(times)
                        when = "at load" if not wait else f"{wait:.0f} s after load"
                        target = f"   [<={FIRST_RESULT_MAX_S} s {verdict(median <= FIRST_RESULT_MAX_S)}]" if not wait else ""
                        out(f"{label} /{path}: typing {when}: first result {median:.2f} s "
                            f"({', '.join(f'{t:.2f}' for t in times)}){target}")
            finally:
                browser.close()
    finally:
        server.shutdown()
