"""Trust furniture: clinical review records, each page's change history, the feedback link.

- Review records (includes/reviews.yml, one per real review by a registered clinician): checked in
  on_config (every field present, a registration, a date not in the future, every page named exists;
  a problem stops the build with the file, the line and the fix). A page's footer
  (overrides/partials/page-footer.html) shows "Clinically reviewed by ..." only from a record, and
  "Changed since its clinical review on ..." when the page's newest `changes:` entry is later than the
  review. A page's own front matter may not name a reviewer: `clinical_review: none` stays.
- Change history: front matter `changes:` (newest first; each `date:` YYYY-MM-DD, not in the future, and a
  one-line `what:`), shown at the foot as "Changes to this page". The rule that ties it to reviews:
  the newest entry may not be older than `reviewed`. So moving `reviewed` forward stops the build until
  a change line dated that day (or later) says what changed. Checkable from the file alone; no git.
- `<!-- md:regions -->` (on /about/): the places whose crisis services the guide lists, from
  includes/helplines.yml, so the list is written once.
- Feedback: "Tell us about this page", a mailto: link to the one address in mkdocs.yml
  (extra.feedback.email), subject and body prefilled with the page's title and address. A publishing
  build (site_url not on a reserved example domain) stops while that address is still an example one.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import yaml
from mkdocs.exceptions import PluginError

from scripts.checks import helplines
from scripts.hooks import pages

REVIEWS = Path("includes") / "reviews.yml"
SCOPES = ("clinical accuracy", "safety", "plain language")
RECORD_FIELDS = ("reviewer", "profession", "registration", "date", "pages", "scope", "changed")
# Reserved for examples (RFC 2606, RFC 6761): a site or address there is not a real one.
EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net", "example", "test", "invalid", "localhost")
REGIONS_MARKER = "<!-- md:regions -->"
STATE: dict = {}


def is_example_host(host: str) -> bool:
    host = (host or "").lower().rstrip(".")
    return not host or any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS)


def _line(text: str, needle: str, start: int = 0) -> int:
    pos = text.find(needle, start)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def _record_lines(text: str) -> list[int]:
    """The line of each record's first key (a '- ' item under reviews:)."""
    return [n for n, line in enumerate(text.split("\n"), start=1) if re.match(r"^\s*-\s+\w+\s*:", line)
            and not line.lstrip().startswith("#")]


def load_reviews(root: Path, docs: Path, today: dt.date) -> list[dict]:
    """The records, checked; each problem names includes/reviews.yml, the line and the fix."""
    path = root / REVIEWS
    if not path.is_file():
        raise PluginError(f"{REVIEWS}: missing. Fix: restore it (it may hold 'reviews: []').")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise PluginError(f"{REVIEWS}:{mark.line + 1 if mark else 1}: not valid YAML ({getattr(error, 'problem', error)}). "
                          "Fix: indent each record as in the example at the top of the file.") from None
    records = data.get("reviews")
    if not isinstance(records, list):
        raise PluginError(f"{REVIEWS}:{_line(text, 'reviews:')}: 'reviews:' must be a list (or []). "
                          "Fix: write 'reviews: []' or one '- reviewer: ...' item per review.")
    starts = _record_lines(text)
    out = []
    for index, record in enumerate(records):
        line = starts[index] if index < len(starts) else 1

        def fail(field: str, message: str):
            at = _line(text, f"{field}:", text_offset(text, line)) if field else line
            raise PluginError(f"{REVIEWS}:{at}: review record {index + 1}: {message}")

        if not isinstance(record, dict):
            fail("", "is not a record. Fix: write it as in the example at the top of the file.")
        for field in RECORD_FIELDS:
            value = record.get(field)
            if value in (None, "", [], {}):
                fail("", f"has no '{field}'. Fix: add '{field}:' (the top of the file says what it holds); "
                         "never record a review that did not happen.")
        registration = record["registration"]
        if not (isinstance(registration, dict) and str(registration.get("body", "")).strip()
                and str(registration.get("number", "")).strip()):
            fail("registration", "has no registration body and number. Fix: write registration: {body: HCPC, "
                                 "number: ...} as the register shows it; a review is shown only with a registration.")
        date = record["date"]
        if not isinstance(date, dt.date):
            fail("date", f"date '{date}' is not a date. Fix: write it as YYYY-MM-DD.")
        if date > today:
            fail("date", f"date {date} is in the future. Fix: record a review on or after the day it was signed off.")
        pages_named = record["pages"] if isinstance(record["pages"], list) else [record["pages"]]
        for page in pages_named:
            if not (docs / str(page)).is_file():
                fail("pages", f"page '{page}' does not exist. Fix: name it as a path under docs/, e.g. "
                              "guide/why-rejection-hurts.md.")
        scope = record["scope"] if isinstance(record["scope"], list) else [record["scope"]]
        unknown = [s for s in scope if s not in SCOPES]
        if unknown:
            fail("scope", f"scope {unknown} is not one of {', '.join(SCOPES)}. Fix: use those words.")
        out.append({"reviewer": str(record["reviewer"]).strip(), "profession": str(record["profession"]).strip(),
                    "body": str(registration["body"]).strip(), "number": str(registration["number"]).strip(),
                    "date": date, "pages": [str(p) for p in pages_named], "scope": ", ".join(scope),
                    "changed": str(record["changed"]).strip()})
    return out


def text_offset(text: str, line: int) -> int:
    """The character offset where `line` (1-based) starts."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
    return offset


def feedback_email(config) -> str:
    feedback = (config.extra or {}).get("feedback") or {}
    email = str(feedback.get("email") or "").strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+|[^@\s]+@[^@\s]+", email):
        raise PluginError(f"mkdocs.yml:{_line(Path(config.config_file_path).read_text(encoding='utf-8'), 'feedback:')}: "
                          "extra.feedback.email is missing or not an email address. Fix: set it to the one address "
                          "where feedback is read.")
    site_host = urlsplit(str(config.site_url or "")).hostname or ""
    local = site_host in ("localhost", "127.0.0.1", "::1")  # `make serve` previews on the loopback: not publishing
    if not local and not is_example_host(site_host) and is_example_host(email.rsplit("@", 1)[1]):
        raise PluginError(f"mkdocs.yml:{_line(Path(config.config_file_path).read_text(encoding='utf-8'), 'email:')}: "
                          f"extra.feedback.email is still the example address {email}, but this build publishes to "
                          f"{site_host}. Fix: set it to the real address where feedback is read (and answered as "
                          "docs/about.md#report-an-error says).")
    return email


def on_config(config):
    root = Path(config.config_file_path).parent
    STATE["reviews"] = load_reviews(root, Path(config.docs_dir), pages.today())
    STATE["email"] = feedback_email(config)
    return config


def check_changes(page) -> list[dict]:
    """The page's `changes:`, checked, newest first."""
    changes = page.meta.get("changes")
    where = pages._line_in_source(page, "changes:")
    if not changes:
        pages._fail(page, 1, "front matter has no 'changes:'. Fix: add\nchanges:\n  - date: YYYY-MM-DD\n"
                             "    what: One plain line saying what changed.\n(see CONTRIBUTING.md, 'Front matter').")
    if not isinstance(changes, list):
        pages._fail(page, where, "'changes:' must be a list of '- date: ... / what: ...' items. Fix: see CONTRIBUTING.md.")
    out = []
    for item in changes:
        if not isinstance(item, dict) or set(item) != {"date", "what"}:
            pages._fail(page, where, f"change entry {item!r} must have exactly 'date' and 'what'. "
                                     "Fix: '- date: YYYY-MM-DD' then '    what: One plain line.'")
        date, what = item["date"], str(item["what"] or "").strip()
        line = pages._line_in_source(page, f"date: {date}")
        if not isinstance(date, dt.date):
            pages._fail(page, line, f"change date '{date}' is not a date. Fix: write it as YYYY-MM-DD.")
        if date > pages.today():
            pages._fail(page, line, f"change date {date} is in the future. Fix: date it the day the change was made.")
        if not what or "\n" in what or len(what) > 500:
            pages._fail(page, line, f"change on {date}: 'what' must be one plain line of at most 500 characters. "
                                    "Fix: say in one line what changed.")
        if out and date > out[-1]["date"]:
            pages._fail(page, line, f"change dated {date} comes after one dated {out[-1]['date']}. "
                                    "Fix: list changes newest first.")
        out.append({"date": date, "what": what})
    reviewed = pages._as_date(page, "reviewed")
    if out[0]["date"] < reviewed:
        pages._fail(page, pages._line_in_source(page, "reviewed:"),
                    f"reviewed is {reviewed}, but the newest entry under 'changes:' is {out[0]['date']}. "
                    f"Fix: add a change entry dated {reviewed} saying in one line what the review changed.")
    return out


def feedback_href(email: str, title: str, url: str) -> str:
    subject = f"The Belonging Guide: {title}"
    body = f"About the page: {title}\n{url}\n\nWhat I want to tell you:\n"
    return f"mailto:{email}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def clinical_status(src_uri: str, changes: list[dict]) -> dict | None:
    """The newest review record covering this page, and whether the page changed after it."""
    covering = [r for r in STATE.get("reviews", []) if src_uri in r["pages"]]
    if not covering:
        return None
    record = max(covering, key=lambda r: r["date"])
    newest = changes[0]["date"] if changes else None
    return {**record, "changed_since": bool(newest and newest > record["date"])}


def on_page_markdown(markdown, page, config, files):
    if str(page.meta.get("clinical_review", "none")).strip().lower() != "none":
        pages._fail(page, pages._line_in_source(page, "clinical_review:"),
                    "clinical_review must be 'none'. Fix: record a real review in includes/reviews.yml (the footer "
                    "is written from there) and keep 'clinical_review: none'.")
    changes = check_changes(page)
    page.meta["page_changes"] = changes
    page.meta["clinical"] = clinical_status(page.file.src_uri, changes)
    url = page.canonical_url or ""
    page.meta["feedback_href"] = feedback_href(STATE["email"], str(page.meta.get("title") or page.title or ""), url)
    if REGIONS_MARKER in markdown:
        data = helplines.load(Path(config.config_file_path).parent)
        names = [r["name"] for r in data["regions"].values() if r["id"] != "anywhere"]
        markdown = markdown.replace(REGIONS_MARKER, helplines.join_words(names, "and"))
    return markdown
