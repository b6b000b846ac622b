"""Search that answers the reader, and "Where to start".

- Whom a page is for: every page's search entries carry a tag by its front matter's audience ("For you",
  "For clinicians"; pages for everyone carry both), which Material shows under each result, and a
  search boost by audience (AUDIENCES), so a short client page is not outranked by a long clinician page
  on a reader's question. A page's own `search: boost:` wins.
- What search leaves out (data-search-exclude, read by Material's search plugin): blocks repeated on many
  pages (the crisis box, inference markers), the "For clinicians" and "Related pages" link sections, and
  the glossary, bibliography, handout and worksheet lists, which only repeat words other pages explain.
  The glossary's definitions show on hover wherever a term is used.
- The crisis card: javascripts/crisis-data.js, written at build from includes/crisis-phrases.yml and
  includes/helplines.yml, gives docs/javascripts/wayfinding.js the phrases and the card to show above
  the search results. A script file, not JSON, so it loads from file:// too (the offline edition).
- "Where to start": <!-- routes:list --> on that page becomes the questions and, for readers without
  JavaScript, the plain list of routes from includes/routes.yml. A route naming a page or a worksheet
  that does not exist stops the build with includes/routes.yml:LINE and the fix.
"""
from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils.meta import get_data

from scripts.hooks import helplines

# audience: (tags shown in search results, search boost)
AUDIENCES = {
    "client": (["For you"], 2.0),
    "clinician": (["For clinicians"], 1.0),
    "all": (["For you", "For clinicians"], 0.5),   # home, about, lists; /get-help-now/ sets its own
}
CRISIS_DATA = "javascripts/crisis-data.js"
GET_HELP = "get-help-now.md"
ROUTES_MARKER = "<!-- routes:list -->"
QUESTIONS = {"happening": "What is happening for you?",
             "how-long": "How long has it been going on?",
             "feeling": "How do you feel right now?"}
ID_FORM = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PHRASE_FORM = re.compile(r"^[a-z0-9]+( [a-z0-9]+)*$")

# Blocks that search leaves out: (opening tag as the hooks before this one write it).
EXCLUDE = (
    '<aside class="crisis-help"',           # the crisis box on every client page (pages.py)
    '<a class="evidence-inference',         # inference markers and their hidden explanation (pages.py)
    '<h2 id="for-clinicians"',              # a client page's links into the clinician section
    '<h2 id="related-pages"',               # a clinician page's links to its neighbours
    '<dl class="glossary"',                 # /glossary/: every term, already shown on hover
    '<ul class="full-bibliography"',        # /references/
    '<ul class="handout-list"',             # /handouts/
)
# On these pages every section below the given heading level only lists what other pages explain.
EXCLUDE_HEADINGS = {"worksheets.md": ("<h2 id=\"the-worksheets\"", "<h3 ")}


def _root(config) -> Path:
    return Path(config.config_file_path).parent


class _Loader(yaml.SafeLoader):
    """YAML with each mapping's line number under "__line__" (for file:line messages)."""


def _mapping(loader, node):
    value = loader.construct_mapping(node, deep=True)
    value["__line__"] = node.start_mark.line + 1
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise PluginError(f"{path.name}:{mark.line + 1 if mark else 1}: not valid YAML ({error}). "
                          "Fix: check the indentation and quotes on that line.") from None


# --- crisis phrases ------------------------------------------------------------------------------

def crisis_phrases(root: Path) -> list[str]:
    path = root / "includes" / "crisis-phrases.yml"
    data = _load(path)
    phrases = data.get("phrases") if isinstance(data, dict) else None
    if not phrases:
        raise PluginError(f"includes/{path.name}:1: no 'phrases:' list. Fix: list the phrases under 'phrases:'.")
    lines = path.read_text(encoding="utf-8").splitlines()
    for phrase in phrases:
        if not isinstance(phrase, str) or not PHRASE_FORM.match(phrase):
            number = next((n for n, line in enumerate(lines, 1) if line.strip().startswith(f"- {phrase}")), 1)
            raise PluginError(f"includes/{path.name}:{number}: phrase {phrase!r} is not lower-case words "
                              "separated by single spaces. Fix: write it as the file's top says "
                              "(\"don't\" -> dont, \"self-harm\" -> self harm).")
    return sorted(set(phrases))


def crisis_card(root: Path) -> str:
    """The card's inner HTML; wayfinding.js sets the link's address for the page it is on."""
    return ('<a class="md-search-result__link crisis-card__link" href="#">'
            '<article class="md-search-result__article md-typeset">'
            "<h1>Get help now</h1>"
            "<p>If you are thinking of suicide or of harming yourself, you can talk to someone now. "
            "Tap a number to call or text.</p></article></a>"
            f'<div class="crisis-card__lines md-typeset">{helplines.short_html(root)}</div>')


def crisis_data(root: Path, use_directory_urls: bool) -> str:
    data = {"phrases": crisis_phrases(root), "card": crisis_card(root),
            "getHelp": "get-help-now/" if use_directory_urls else "get-help-now.html"}
    return ("// Written by scripts/hooks/search.py from includes/crisis-phrases.yml and includes/helplines.yml.\n"
            f"window.guideCrisis = {json.dumps(data, ensure_ascii=False, indent=0)};\n")


# --- routes ---------------------------------------------------------------------------------------

def _slugs(root: Path) -> dict[str, str]:
    """{worksheet slug: title} from includes/worksheets.yml."""
    data = yaml.safe_load((root / "includes" / "worksheets.yml").read_text(encoding="utf-8"))
    return {w["slug"]: w["title"] for w in data.get("worksheets", [])}


def load_routes(root: Path, files) -> dict:
    """includes/routes.yml, checked: every page and worksheet exists, ids are unique."""
    name = "includes/routes.yml"
    data = _load(root / name)
    slugs = _slugs(root)
    if not isinstance(data, dict) or set(QUESTIONS) - set(data):
        raise PluginError(f"{name}:1: expected the lists {', '.join(QUESTIONS)}. Fix: see the top of the file.")
    seen: dict[str, int] = {}
    for question in QUESTIONS:
        for answer in data[question]:
            line = answer.get("__line__", 1)
            where = f"{name}:{line}"
            if not ID_FORM.match(str(answer.get("id", ""))) or not answer.get("answer"):
                raise PluginError(f"{where}: every answer needs an id (lowercase words joined by hyphens) and "
                                  "an 'answer'. Fix: add them.")
            if answer["id"] in seen:
                raise PluginError(f"{where}: id {answer['id']!r} is already used at line {seen[answer['id']]}. "
                                  "Fix: give this answer its own id.")
            seen[answer["id"]] = line
            pages = answer.get("pages") or []
            if question == "happening" and not (2 <= len(pages) <= 3 and answer.get("worksheet")):
                raise PluginError(f"{where}: route {answer['id']!r} needs 2 or 3 pages and one worksheet. "
                                  "Fix: list them under pages: and worksheet:.")
            if (pages or answer.get("crisis")) and not answer.get("if"):
                raise PluginError(f"{where}: answer {answer['id']!r} leads somewhere but has no 'if' line. "
                                  "Fix: add if: (\"If you ...\"), how the plain list introduces it.")
            for page in pages:
                path = page.split("#")[0]
                if files.get_file_from_path(path) is None:
                    raise PluginError(f"{where}: page {page!r} does not exist in docs/. "
                                      "Fix: name a page by its path under docs/, e.g. guide/building-belonging.md.")
            sheet = answer.get("worksheet")
            if sheet is not None and sheet not in slugs:
                raise PluginError(f"{where}: worksheet {sheet!r} is not a slug in includes/worksheets.yml. "
                                  f"Fix: use one of {', '.join(sorted(slugs))}.")
    return data


def _title(root: Path, path: str) -> str:
    _, meta = get_data((root / "docs" / path).read_text(encoding="utf-8"))
    return meta["title"]


def _href(files, page, target: str) -> str:
    path, _, anchor = target.partition("#")
    url = files.get_file_from_path(path).url_relative_to(page.file)
    return htmllib.escape(url + (f"#{anchor}" if anchor else ""))


def routes_html(root: Path, files, page) -> str:
    """The questions (shown by wayfinding.js) and the routes as a plain list (what shows without it)."""
    data = load_routes(root, files)
    slugs = _slugs(root)
    e = htmllib.escape
    form = ['<form class="where-to-start" hidden autocomplete="off" data-search-exclude>']
    for number, (question, ask) in enumerate(QUESTIONS.items(), 1):
        form.append(f"<fieldset><legend>{number}. {e(ask)}</legend>")
        for answer in data[question]:
            form.append(f'<label><input type="radio" name="{question}" value="{answer["id"]}"> '
                        f"{e(answer['answer'])}</label>")
        form.append("</fieldset>")
    form.append('<button class="md-button md-button--primary" type="submit">Show my pages</button></form>')
    result = ('<section class="where-to-start-result" hidden aria-live="polite" data-search-exclude>'
              '<h2 id="your-pages" tabindex="-1" data-search-exclude>Pages for you</h2>'
              '<ul class="where-to-start-result__body"></ul></section>')
    items = []
    for question in QUESTIONS:
        for answer in data[question]:
            if not answer.get("if"):
                continue
            links = [f'Read <a href="{_href(files, page, p)}">{e(_title(root, p.split("#")[0]))}</a>.'
                     for p in answer.get("pages") or []]
            if answer.get("worksheet"):
                sheet = answer["worksheet"]
                links.append(f'Try the worksheet <a href="{_href(files, page, "worksheets.md#" + sheet)}">'
                             f"{e(slugs[sheet])}</a>.")
            body = "".join(f"<li>{link}</li>" for link in links)
            if answer.get("crisis"):
                body = (f"<li>Call or text someone now. {helplines.short_html(root)}</li>"
                        f'<li>See every crisis line on <a href="{_href(files, page, GET_HELP)}">Get help now</a>.</li>')
                crisis = " data-crisis"
            else:
                crisis = ""
            items.append(f'<li data-route="{answer["id"]}"{crisis}><p><strong>{e(answer["if"])}:</strong></p>'
                         f"<ul>{body}</ul></li>")
    # A <div> around the list: Material's search parser ends an exclusion at the first closing tag of the
    # same name, so an excluded <ul> would let the nested lists back into the index.
    routes = ('<div class="where-to-start-routes" data-search-exclude><ul>' + "\n".join(items) + "</ul></div>")
    return "\n".join(form) + "\n" + result + "\n" + routes


# --- hooks ----------------------------------------------------------------------------------------

def on_files(files, config):
    root = _root(config)
    content = crisis_data(root, config.use_directory_urls)
    files.append(File.generated(config, CRISIS_DATA, content=content))
    return files


def on_page_markdown(markdown, page, config, files):
    tags, boost = AUDIENCES.get(page.meta.get("audience"), ([], 1.0))
    page.meta.setdefault("tags", tags)
    search = page.meta.setdefault("search", {}) or {}
    page.meta["search"] = search
    search.setdefault("boost", boost)
    if ROUTES_MARKER in markdown:
        markdown = markdown.replace(ROUTES_MARKER, routes_html(_root(config), files, page))
    return markdown


def on_page_content(html, page, config, files):
    for tag in EXCLUDE:
        html = html.replace(tag, tag.replace(" ", " data-search-exclude ", 1))
    for tag in EXCLUDE_HEADINGS.get(page.file.src_uri, ()):
        html = html.replace(tag, tag.replace(" ", " data-search-exclude ", 1))
    return html
