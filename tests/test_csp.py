"""The Content-Security-Policy as browsers meet it: a build at another site_url and depth gets its own
matching hashes, and real Chromium through nginx, with the served CSP enforced, loads every page, the
redirects and the site's features without a violation or a console error."""
from __future__ import annotations

import pytest

from conftest import content_pages, copy_project, html_pages, mkdocs_build
from serving import GUIDE_PAGE, assert_every_inline_script_allowed, hosted_copy, inline_scripts, served_csp, sha

from scripts.tools import nginx

pytestmark = pytest.mark.hosting


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
from browsing import STUB, TOOLTIP, Watch, run_search, url_path  # noqa: E402

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
        # Cite this page is shown on clinician pages only (hidden on client pages, as in print)
        page.goto(base + "clinicians/evidence-base/")
        page.get_by_role("button", name="Copy APA citation").click()
        page.wait_for_function("() => window.__shared.length === 1")
        copied = page.evaluate("() => window.__shared[0]")
        assert copied[0] == "copy" and "The Belonging Guide" in copied[1], copied
        assert page.get_by_role("button", name="Copied").count() == 1
        problems = watch.take() + [f"CSP violation: {v}" for v in page.evaluate("() => window.__csp")]
        assert not problems, problems
    finally:
        ctx.close()
