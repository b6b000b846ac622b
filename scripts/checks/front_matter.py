"""Front matter: the one list of the keys a page may carry, and a reader that says file:line and the fix.

FIELDS below is the allow-list: one line a key, with what its value must be. Adding a key is adding a
line. An impossible date (2026-13-45), a value of the wrong type, an unknown or misspelt key, or front
matter that is not YAML stops the build (scripts/hooks/pages.py, on_pre_build) with the page, the line
and the fix, never a traceback. What a key means is in CONTRIBUTING.md ("Front matter").
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

import yaml


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _date(value) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _words(value) -> bool:
    return isinstance(value, list) and all(_text(v) for v in value)


def _changes(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(c, dict) and set(c) == {"date", "what"} and _date(c["date"]) and _text(c["what"]) for c in value)


def _search(value) -> bool:
    return isinstance(value, dict) and set(value) <= {"boost", "exclude"} and \
        isinstance(value.get("boost", 1), (int, float)) and isinstance(value.get("exclude", False), bool)


def _hide(value) -> bool:
    return isinstance(value, list) and set(value) <= {"navigation", "toc", "footer", "feedback", "tags", "path"}


# key: (required, check, what the value must be)
FIELDS = {
    "title": (True, _text, "the page's title, as its # heading"),
    "description": (True, _text, "one sentence, unique across the site, at most 160 characters"),
    "audience": (True, lambda v: v in ("client", "clinician", "all"), "client, clinician or all"),
    "reviewed": (True, _date, "a date, YYYY-MM-DD"),
    "next_review": (True, _date, "a date, YYYY-MM-DD"),
    "clinical_review": (True, _text, "none, or who reviewed the page and when (never invented)"),
    "changes": (False, _changes, "a list of '- date: YYYY-MM-DD' with 'what: one plain line', newest first"),
    "further_reading": (False, _words, "a list of references.bib keys listed but not cited"),
    "tags": (False, _words, "a list of words"),
    "packs": (False, _words, "a list of pack ids from includes/packs.yml"),
    "search": (False, _search, "Material's search settings: boost: a number, exclude: true or false"),
    "hide": (False, _hide, "a list of navigation, toc, footer, feedback, tags or path (Material)"),
    "bibliography": (False, _text, "text"),
}

BLOCK = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


class FrontMatterError(Exception):
    """One problem: 'file:line: what. Fix: how'."""


class _Loader(yaml.SafeLoader):
    """Keeps each top-level key's line; a date YAML cannot make (2026-13-45) is an error with its line."""


def _timestamp(loader, node):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        raise yaml.MarkedYAMLError(problem=f"'{node.value}' is not a real date ({error})",
                                   problem_mark=node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read(text: str, name: str) -> tuple[dict, dict[str, int]]:
    """(front matter, the line of each key) of a page's text; ({}, {}) if it has none.
    Raises FrontMatterError; name is how the file is shown (docs/guide/x.md)."""
    match = BLOCK.match(text)
    if not match:
        return {}, {}
    body = match.group(1) or ""
    try:
        node = yaml.compose(body, Loader=_Loader)
        data = yaml.load(body, Loader=_Loader) or {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else 1
        problem = error.problem or "not valid YAML"
        fix = ("write it as YYYY-MM-DD with a month from 01 to 12 and a day that month has"
               if "real date" in problem else
               "put a value that holds ': ' or '#' in quotes (\"...\"), and check the indentation")
        raise FrontMatterError(f"{name}:{line}: front matter: {problem}. Fix: {fix}.") from None
    if not isinstance(data, dict):
        raise FrontMatterError(f"{name}:2: front matter is not a list of 'key: value' lines. Fix: write one "
                               "'key: value' a line between the two '---' lines.")
    lines = {key.value: key.start_mark.line + 2 for key, _ in node.value} if node is not None else {}
    return data, lines


def problems(text: str, name: str) -> list[str]:
    """Everything wrong with a page's front matter, each as 'file:line: what. Fix: how'."""
    try:
        data, lines = read(text, name)
    except FrontMatterError as error:
        return [str(error)]
    if not BLOCK.match(text):
        return [f"{name}:1: no front matter. Fix: start the page with '---', the keys in CONTRIBUTING.md "
                "(\"Front matter\"), and '---'."]
    found = []
    for key, value in data.items():
        line = lines.get(key, 2)
        if key not in FIELDS:
            near = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            found.append(f"{name}:{line}: unknown front-matter key '{key}'. Fix: {hint}use one of "
                         f"{', '.join(FIELDS)} (a new key is one line in FIELDS, scripts/checks/front_matter.py).")
        elif not FIELDS[key][1](value):
            shown = yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("\n...")
            found.append(f"{name}:{line}: {key} is {shown[:80]}. Fix: {key} must be {FIELDS[key][2]}.")
    for key, (required, _check, must) in FIELDS.items():
        if required and key not in data:
            found.append(f"{name}:2: front matter has no '{key}'. Fix: add '{key}:', {must} (see CONTRIBUTING.md).")
    return found


def check(docs: Path, shown_as: str = "docs") -> list[str]:
    """Every page under docs/ (shown_as: the folder's name in messages)."""
    found = []
    for path in sorted(docs.rglob("*.md")):
        found += problems(path.read_text(encoding="utf-8"), f"{shown_as}/{path.relative_to(docs).as_posix()}")
    return found


if __name__ == "__main__":
    import sys

    found = check(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
    print("\n".join(found) or "front matter: no problems")
    sys.exit(1 if found else 0)
