"""Page rules and page furniture.

Rules (each stops the build with file:line, what is wrong and the fix):
  before any page is built, every page's front matter (scripts/checks/front_matter.py: the allow-list of
  keys) and content safety in pages, includes, figures and references.bib (scripts/checks/content_safety.py);
  then per page: front matter values, explicit heading ids, the evidence markers, reading level of client pages.
Furniture: the crisis box on client pages, the data that overrides/main.html shows at the foot of a
page (review dates, cite this page). The inference badge, the glossary list, figures and helpline lists
are Python-Markdown extensions (scripts/markdown/).
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import logging
import os
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from scripts.checks import content_safety, front_matter, readability, spelling
from scripts.hooks import helplines, qr

review_log = logging.getLogger("belonging.review")
if not review_log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("WARNING -  %(message)s"))
    review_log.addHandler(_handler)
    review_log.propagate = False

MAX_GRADE = 6.0  # Flesch-Kincaid, client pages (NIH/AMA advise grade 6 or lower for the public)
MAX_SENTENCE = 20.0
READING_GATE_ALSO = ("index.md", "get-help-now.md")  # audience: all, but read by anyone first
SHORTCODE = re.compile(r"<!--\s*md:(\w+)((?:\s+[\w-]+=[\w,-]+)*)\s*-->")  # arguments (key=value[,value]): md:helplines only
SHORTCODES = ("inference", "glossary", "bibliography", "helplines", "regions")  # regions: scripts/hooks/trust.py
NEAR_SHORTCODE = re.compile(r"<!--\s*(md\b|md:|inference|glossary|bibliography|helplines)", re.I)
HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*$")
HEADING_ID = re.compile(r"\{[^}]*#([^\s}]+)[^}]*\}\s*$")
ID_FORM = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ADMONITION = re.compile(r"^\s*(!!!|\?\?\?\+?)\s+([\w-]+)(.*)$")
EXAMPLE_TITLE = "Illustrative example — not a guideline"
# The crisis box on client pages is written by scripts/hooks/helplines.py from includes/helplines.yml (no number
# is typed here): the emergency numbers, 988, Samaritans, one text line and the Get help now link.

DESCRIPTIONS: dict[str, str] = {}
GRADES: dict[str, dict] = {}


def on_pre_build(config):
    DESCRIPTIONS.clear()
    root = Path(config.config_file_path).parent
    docs = Path(config.docs_dir)
    problems = front_matter.check(docs, docs.name) + content_safety.check(root, docs.relative_to(root).as_posix())
    if problems:
        raise PluginError("\n".join(problems))
    spelling.check(root)


def today() -> dt.date:
    forced = os.environ.get("BUILD_DATE")
    return dt.date.fromisoformat(forced) if forced else dt.date.today()


def _src(page) -> str:
    return f"docs/{page.file.src_uri}"


def _fail(page, line: int, message: str):
    raise PluginError(f"{_src(page)}:{line}: {message}")


def _line_in_source(page, needle: str) -> int:
    text = page.file.content_string
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def _as_date(page, field: str):
    value = page.meta.get(field)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _fail(page, _line_in_source(page, f"{field}:"),
              f"{field} '{value}' is not a date. Fix: write it as YYYY-MM-DD.")


def check_front_matter(page):
    """What front_matter.check (run on every page before any is built: keys, types, dates, audience)
    cannot see alone: descriptions unique across pages, and the review dates against each other and today."""
    meta = page.meta
    description = str(meta["description"]).strip()
    if len(description) > 160:
        _fail(page, _line_in_source(page, "description:"),
              f"description is {len(description)} characters; the limit is 160. Fix: shorten it to one sentence.")
    other = DESCRIPTIONS.get(description)
    if other and other != page.file.src_uri:
        _fail(page, _line_in_source(page, "description:"),
              f"description is the same as docs/{other}'s. Fix: write a description unique to this page.")
    DESCRIPTIONS[description] = page.file.src_uri
    reviewed, next_review = _as_date(page, "reviewed"), _as_date(page, "next_review")
    limit = reviewed.replace(year=reviewed.year + 3) if not (reviewed.month == 2 and reviewed.day == 29) \
        else reviewed.replace(year=reviewed.year + 3, day=28)
    if not reviewed < next_review <= limit:
        _fail(page, _line_in_source(page, "next_review:"),
              f"next_review {next_review} must fall after reviewed {reviewed} and at most three years later "
              f"({limit}). Fix: set a date in that range.")
    if next_review < today():
        message = (f"{_src(page)}: review overdue since {next_review}. Fix: review the whole page, then update "
                   "reviewed and next_review.")
        if os.environ.get("REVIEW_AUDIT") == "1":
            raise PluginError(message)
        review_log.warning(message)


def check_markdown(page, markdown: str):
    ids: dict[str, int] = {}
    fenced = False
    for number, line in enumerate(page.file.content_string.split("\n"), start=1):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced:
            continue
        heading = HEADING.match(line)
        if heading:
            found = HEADING_ID.search(heading.group(2))
            if not found:
                _fail(page, number, f"heading '{heading.group(2)}' has no explicit id. Fix: end it with "
                                    "{#a-readable-id} so links to it never break.")
            anchor = found.group(1)
            if not ID_FORM.match(anchor):
                _fail(page, number, f"heading id '{anchor}' is not lowercase words joined by hyphens. "
                                    "Fix: e.g. {#two-part-requirement}.")
            if anchor in ids:
                _fail(page, number, f"heading id '{anchor}' is already used at line {ids[anchor]}. "
                                    "Fix: give this heading its own id.")
            ids[anchor] = number
        for near in NEAR_SHORTCODE.finditer(line):
            exact = SHORTCODE.match(line, near.start())
            if not exact or exact.group(1) not in SHORTCODES or (exact.group(2) and exact.group(1) != "helplines"):
                _fail(page, number, f"unknown marker '{line[near.start():near.start() + 40].strip()}'. "
                                    "Fix: write <!-- md:inference --> (or <!-- md:glossary --> on the glossary page, "
                                    "<!-- md:helplines --> for crisis lines).")
        if re.search(r"\bLLM\b", line):
            _fail(page, number, "'LLM' marker from the source notes. Fix: mark inference with <!-- md:inference -->.")
        admonition = ADMONITION.match(line)
        if admonition:
            kind, title = admonition.group(2), admonition.group(3).strip()
            mentions_example = kind == "example" or re.search(r"example|illustrat|vignette", title, re.I)
            if mentions_example and not (kind == "example" and title == f'"{EXAMPLE_TITLE}"'):
                _fail(page, number, f'example admonition in the wrong form. Fix: write exactly '
                                    f'!!! example "{EXAMPLE_TITLE}"')


def _url_relative(page, target: str) -> str:
    return posixpath.relpath(target, page.url.rstrip("/") or ".") + "/"


def on_page_markdown(markdown, page, config, files):
    check_front_matter(page)
    check_markdown(page, markdown)
    return markdown  # the markers themselves are Markdown extensions (scripts/markdown/)


def _cite_data(page, config):
    reviewed = _as_date(page, "reviewed")
    url = page.canonical_url
    slug = re.sub(r"[^a-z0-9]+", "-", page.file.src_uri.removesuffix(".md").removesuffix("index").casefold()).strip("-")
    title = page.meta["title"]
    apa = (f"{config.site_name}. ({reviewed.year}, {reviewed.strftime('%B')} {reviewed.day}). "
           f"<em>{htmllib.escape(title)}</em>. {url}")
    bibtex = (f"@misc{{belongingguide-{slug or 'home'},\n"
              f"  author = {{{{{config.site_name}}}}},\n"
              f"  title = {{{title}}},\n"
              f"  year = {{{reviewed.year}}},\n"
              f"  url = {{{url}}},\n"
              f"  note = {{Last reviewed {reviewed.isoformat()}}}\n}}")
    return {"apa": apa, "apa_text": re.sub(r"</?em>", "", apa), "bibtex": bibtex}


SHARE_HTML = (
    '<div class="share-page" data-search-exclude>\n'
    '<button class="md-button share-button" type="button" data-share-url="{url}" data-share-title="{title}" '
    'aria-controls="share-qr" aria-expanded="false">'
    "Share this page</button>\n"
    '<span class="share-status" role="status"></span>\n'
    '<figure class="share-qr" id="share-qr" hidden>{qr}<figcaption>Scan to open this page on a phone.</figcaption>'
    "</figure>\n</div>\n"
)
ABBR_OPEN = '<abbr title="'
# The tags that decide where a glossary term may sit. Python-Markdown escapes '<' and '>' inside
# attribute values and code, so a tag's '>' is its end.
_TERM_CONTEXT = re.compile(r"<(/?)(a|abbr|h[1-6])(?=[\s>/])[^>]*>", re.I)


def _place_glossary_terms(html: str) -> str:
    """Glossary terms become keyboard stops (tabindex="0"), except inside a link or a heading: there
    the term is left as plain text (a focusable element may not sit inside a link, and a heading's
    words are not a place for hovers), so only the term's <abbr> tags go and its words stay."""
    parts, last, links, headings, dropping = [], 0, 0, 0, False
    for tag in _TERM_CONTEXT.finditer(html):
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name == "abbr":
            if closing and dropping:
                parts.append(html[last:tag.start()])
                last, dropping = tag.end(), False
            elif not closing and tag.group(0).startswith(ABBR_OPEN):
                parts.append(html[last:tag.start()])
                last = tag.end()
                if links or headings:
                    dropping = True
                else:
                    parts.append('<abbr tabindex="0" title="' + tag.group(0)[len(ABBR_OPEN):])
        elif name == "a":
            links = max(0, links + (-1 if closing else 1))
        else:
            headings = max(0, headings + (-1 if closing else 1))
    parts.append(html[last:])
    return "".join(parts)


def _reader_extras(html: str, page) -> str:
    """Written into the page, not added by script after it has drawn (no layout shift, no work on load):
    the share button under the title (guide.js wires it; hidden without JavaScript), and glossary
    terms reachable by keyboard, so their definitions show on focus too (WCAG 2.1.1, 1.4.13), but
    never inside a link or a heading (_place_glossary_terms).
    citations.py's on_page_content runs after this one and takes terms out of reference lists, so
    source titles add no tab stops."""
    if page.meta.get("audience") in ("client", "clinician") and page.canonical_url and "</h1>" in html:
        share = SHARE_HTML.format(url=htmllib.escape(page.canonical_url), title=htmllib.escape(page.title or ""),
                                  qr=qr.qr_svg(page.canonical_url, svgclass="share-qr__code"))
        html = html.replace("</h1>", "</h1>\n" + share, 1)
    return _place_glossary_terms(html) if ABBR_OPEN in html else html


def _helpline_entries(html: str) -> set[str]:
    """The entries of /get-help-now/'s service lists (scripts/hooks/helplines.py): each is a record of the
    data file's fields (name and contact, hours, who it is for, what to expect), one short sentence each,
    not a paragraph; the three-sentence rule leaves them out. Grade and sentence length still count them."""
    if 'class="helplines' not in html:
        return set()
    from bs4 import BeautifulSoup
    lists = BeautifulSoup(html, "html.parser").select(".helplines")
    return set(readability.prose_blocks("".join(str(ul) for ul in lists)))


def on_page_content(html, page, config, files):
    meta = page.meta
    meta["reviewed_date"] = _as_date(page, "reviewed")
    meta["next_review_date"] = _as_date(page, "next_review")
    section = page.file.src_uri.split("/")[0]
    meta["is_article"] = section in ("guide", "clinicians")
    if meta["is_article"]:
        meta["cite"] = _cite_data(page, config)
    if meta.get("audience") == "client":
        link = f'<a href="{_url_relative(page, "get-help-now/")}">Get help now</a>'
        box = helplines.crisis_box_html(Path(config.config_file_path).parent, link)
        for marker in ('<h2 class="references-heading"', '<div class="footnote"'):
            if marker in html:
                html = html.replace(marker, box + marker, 1)
                break
        else:
            html += box
    # The reading gate: client pages, and the two pages every reader may land on first (S18).
    if meta.get("audience") == "client" or page.file.src_uri in READING_GATE_ALSO:
        result = readability.measure(html)
        GRADES[page.file.src_uri] = result
        if result["grade"] > MAX_GRADE:
            _fail(page, 1, f"reading grade {result['grade']:.1f} is above {MAX_GRADE} (Flesch-Kincaid). "
                           "Fix: shorter sentences and plainer words.")
        entries = _helpline_entries(html) if result["long_paragraphs"] else set()
        long_paragraphs = [p for p in result["long_paragraphs"] if p not in entries]
        if long_paragraphs:
            _fail(page, _line_in_source(page, long_paragraphs[0][:30]),
                  f"a paragraph has more than three sentences: '{long_paragraphs[0][:60]}...'. "
                  "Fix: split it.")
        if result["avg_sentence_words"] > MAX_SENTENCE:
            _fail(page, 1, f"sentences average {result['avg_sentence_words']} words; the limit is "
                           f"{MAX_SENTENCE:.0f}. Fix: split long sentences.")
    return _reader_extras(html, page)
