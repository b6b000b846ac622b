"""Content carries no code and loads nothing from another host.

Pages (docs/**/*.md), figures and other SVGs (docs/**/*.svg), includes (includes/**) and references.bib
may not hold a raw <script>, <iframe>, <object> or <embed>, an inline event handler (onload=, onclick=,
...), a javascript: URL, or a src/href/srcset/poster/data attribute, CSS url() or @import, or Markdown
image that loads a resource from another host. Links a reader follows (<a href>, Markdown links) to other
sites stay allowed. Code in Markdown code spans and fenced blocks is shown, not run, so it is not read.

check(root) returns every problem as "file:line: what. Fix: how", for the hook (scripts/hooks/pages.py,
on_pre_build) to stop the build with, and for the tests.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

DOCS_SUFFIXES = (".md", ".svg")
INCLUDE_SUFFIXES = (".md", ".yml", ".yaml", ".txt", ".html", ".svg")

FORBIDDEN_TAG = re.compile(r"<\s*(script|iframe|object|embed|frame|frameset|applet)\b", re.I)
TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:\s+[^<>]*?)?)\s*/?>", re.S)
ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
URL_ATTRIBUTES = {"src", "srcset", "href", "xlink:href", "poster", "data", "background", "action", "formaction",
                  "manifest", "icon", "codebase", "cite", "longdesc", "lowsrc", "dynsrc"}
FOLLOWED = {"a", "area"}  # a link a reader chooses to follow loads nothing by itself
REMOTE = re.compile(r"^\s*(?:(?:https?|ftp|wss?):)?//", re.I)
JAVASCRIPT = re.compile(r"\b(?:java|vb)script\s*:", re.I)
CSS_REMOTE = re.compile(r"""(?:url\(\s*|@import\s+)["']?\s*((?:(?:https?|ftp):)?//[^"')\s;]*)""", re.I)
MD_IMAGE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?((?:(?:https?|ftp):)?//[^)\s>]+)")
MD_IMAGE_REF = re.compile(r"!\[((?:[^\]\\]|\\.)*)\]\[([^\]]*)\]")
MD_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)

FIX_CODE = "Fix: remove it; pages carry no code (the site's own scripts are files in docs/javascripts/)."
FIX_REMOTE = ("Fix: save the file in this project (docs/figures/, docs/assets/) and point to it with a relative "
              "path, or make it a link the reader follows (<a href> or [text](https://...)).")


def _mask_code(text: str) -> str:
    """Markdown code (fenced blocks and code spans) blanked out, line breaks kept."""
    lines, fence = text.split("\n"), None
    for n, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * len(match.group(1))
            lines[n] = ""
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            lines[n] = ""
    text = "\n".join(lines)
    return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def check_text(text: str, name: str, markdown: bool = False) -> list[str]:
    """Problems in one file's text; name is how the file is shown (docs/guide/x.md)."""
    if markdown:
        text = _mask_code(text)
    problems: list[tuple[int, str]] = []
    for match in FORBIDDEN_TAG.finditer(text):
        problems.append((_line(text, match.start()), f"raw <{match.group(1).lower()}> in content. {FIX_CODE}"
                         if match.group(1).lower() == "script" else
                         f"raw <{match.group(1).lower()}> in content: it runs or frames something from elsewhere. "
                         "Fix: remove it; link to the page instead ([title](https://...)), which readers can follow."))
    for match in TAG.finditer(text):
        tag = match.group(1).lower()
        if FORBIDDEN_TAG.match(match.group(0)):
            continue  # reported above, whatever it loads
        where = _line(text, match.start())
        for attribute in ATTRIBUTE.finditer(match.group(2) or ""):
            name_, raw = attribute.group(1).lower(), attribute.group(2) or ""
            value = html.unescape(raw.strip("\"'"))
            if re.fullmatch(r"on[a-z]+", name_):
                problems.append((where, f"inline event handler {name_}= on <{tag}>. {FIX_CODE}"))
            elif name_ in URL_ATTRIBUTES and JAVASCRIPT.match(value.strip()):
                pass  # reported once below, as a javascript: URL
            elif name_ in URL_ATTRIBUTES and tag not in FOLLOWED:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if name_ == "srcset" else [value]
                for url in urls:
                    if REMOTE.match(url):
                        problems.append((where, f"<{tag} {name_}=\"{url}\"> loads a resource from another host "
                                                f"(it would tell that host who reads the page). {FIX_REMOTE}"))
    decoded = html.unescape(text)  # &#106;avascript: is javascript: to a browser
    for match in JAVASCRIPT.finditer(decoded):
        problems.append((_line(decoded, match.start()),
                         "javascript: URL. Fix: link to a page (a relative .md link or https://...) instead."))
    for match in CSS_REMOTE.finditer(decoded):  # <style> blocks and style="" attributes
        problems.append((_line(decoded, match.start()), f"CSS url() or @import loads {match.group(1)} from "
                                                        f"another host. {FIX_REMOTE}"))
    if markdown:
        for match in MD_IMAGE.finditer(text):
            problems.append((_line(text, match.start()), f"the image ![...]({match.group(1)}) loads from another "
                                                         f"host. {FIX_REMOTE}"))
        targets = {label.casefold(): url for label, url in MD_REF_DEF.findall(text)}
        for match in MD_IMAGE_REF.finditer(text):
            url = targets.get((match.group(2) or match.group(1)).casefold(), "")
            if REMOTE.match(url):
                problems.append((_line(text, match.start()), f"the image ![{match.group(1)}][{match.group(2)}] "
                                                             f"loads {url} from another host. {FIX_REMOTE}"))
    return [f"{name}:{line}: {message}" for line, message in sorted(set(problems))]


def files(root: Path, docs_dir: str = "docs") -> list[tuple[Path, bool]]:
    """(file, is Markdown) for every file content comes from."""
    found = [(p, p.suffix == ".md") for p in sorted((root / docs_dir).rglob("*")) if p.suffix in DOCS_SUFFIXES]
    found += [(p, p.suffix == ".md") for p in sorted((root / "includes").rglob("*")) if p.suffix in INCLUDE_SUFFIXES]
    bib = root / "references.bib"
    if bib.is_file():
        found.append((bib, False))
    return found


def check(root: Path, docs_dir: str = "docs") -> list[str]:
    problems = []
    for path, markdown in files(root, docs_dir):
        problems += check_text(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix(), markdown)
    return problems
