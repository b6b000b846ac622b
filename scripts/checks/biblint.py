"""Editorial rules for references.bib. Each problem is one line: file:line: key: what, and the fix.

Every entry carries, on the line(s) straight above it, a `% verified: ...` comment saying where each
field was seen (publisher page, PubMed record, first page ...); an entry without one stops the build.
An entry may give its design and size in one field of fixed form (EVIDENCE_FORM), shown after the
reference: evidence = {meta-analysis; 148 studies; 308,849 participants}.

Run alone: python -m scripts.checks.biblint references.bib
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from pybtex.database import parse_string
from pybtex.scanner import PybtexSyntaxError

ENTRY_START = re.compile(r"^[ \t]*@(\w+)\s*\{\s*([^,\s]*)\s*,", re.M)
KEY_FORM = re.compile(r"^[a-z][a-z0-9-]*[0-9]{4}[a-z0-9-]*$")
DOI_FORM = re.compile(r"^10\.\d{4,9}/\S+$")
LATEX_COMMAND = re.compile(r"\\[A-Za-z]+|\\['`^\"~=.]|\\&")
IDENTIFIERS = ("doi", "url", "isbn")
VERIFIED_NOTE = re.compile(r"^\s*%\s*verified:\s*(.*)$", re.I)
RULES_VERSION = 3  # part of the clean-file cache key (scripts/hooks/citations/bibdata.py): bump when a rule changes

DESIGNS = ("meta-analysis", "systematic review", "umbrella review", "randomised trial", "non-randomised trial",
           "cohort", "case-control", "cross-sectional", "experiment", "experiments", "longitudinal", "qualitative",
           "psychometric", "narrative review", "theory", "guideline", "book", "report")
_COUNT = r"(?:[1-9]\d{0,2}(?:,\d{3})*)"  # thousands commas: 308,849, never 308849
EVIDENCE_FORM = re.compile(rf"^(?P<design>{'|'.join(map(re.escape, DESIGNS))})"
                           rf"(?:; (?:1 study|{_COUNT} studies))?"
                           rf"(?:; (?:n = {_COUNT}|{_COUNT} participants))?$")
EVIDENCE_FIX = ("Fix: write evidence = {DESIGN[; K studies][; n = N | N participants]}, DESIGN one of "
                + ", ".join(DESIGNS) + "; numbers with thousands commas, e.g. {meta-analysis; 148 studies; "
                "308,849 participants}, {randomised trial; n = 243}, {narrative review}.")


def evidence_problem(value: str) -> str | None:
    """None if `value` is in the fixed form, else what is wrong."""
    return None if EVIDENCE_FORM.match(value) else f"evidence '{value}' is not in the fixed form"


def _verification_note(lines: list[str], start: int) -> str | None:
    """The text of the `% verified:` comment in the block of % lines straight above line `start`
    (no blank line between), or None if that block has none."""
    n = start - 1
    while n >= 1 and lines[n - 1].lstrip().startswith("%"):
        m = VERIFIED_NOTE.match(lines[n - 1])
        if m:
            return m.group(1).strip()
        n -= 1
    return None


def _entry_lines(text: str):
    """(key, type, first line, last line) for every entry, in file order."""
    starts = []
    line, pos = 1, 0
    for m in ENTRY_START.finditer(text):
        line, pos = line + text.count("\n", pos, m.start()), m.start()  # counted from the last entry on
        if m.group(1).lower() not in ("comment", "string", "preamble"):
            starts.append((m.group(2), m.group(1).lower(), line))
    total = text.count("\n") + 1
    out = []
    for i, (key, kind, line) in enumerate(starts):
        end = starts[i + 1][2] - 1 if i + 1 < len(starts) else total
        out.append((key, kind, line, end))
    return out


def _field_line(lines: list[str], start: int, end: int, field: str) -> int:
    pattern = re.compile(rf"^\s*{field}\s*=", re.I)
    for n in range(start, end + 1):
        if pattern.match(lines[n - 1]):
            return n
    return start


def lint_parsed(text: str, name: str):
    """(problems, pybtex's parse of the text, or None if it did not get that far)."""
    problems: list[str] = []
    lines = text.split("\n")
    entries = _entry_lines(text)

    seen: dict[str, tuple[str, int]] = {}
    for key, _kind, line, _end in entries:
        if not key:
            problems.append(f"{name}:{line}: entry has no citation key. Fix: write @type{{authorYEARword, ...")
            continue
        if key.casefold() in seen:
            other, other_line = seen[key.casefold()]
            problems.append(
                f"{name}:{line}: {key}: duplicate key (also '{other}' at line {other_line}; keys differing only in "
                "case count as the same). Fix: merge the two entries or rename one."
            )
        else:
            seen[key.casefold()] = (key, line)
        if not KEY_FORM.match(key):
            problems.append(f"{name}:{line}: {key}: key is not of the form authorYEARword in lowercase "
                            "(letters, digits, hyphens). Fix: rename it, e.g. baumeister1995need.")
    if problems:
        return problems, None

    try:
        data = parse_string(text, "bibtex")
    except PybtexSyntaxError as error:
        line = getattr(error, "lineno", None) or 1
        return [f"{name}:{line}: malformed BibTeX: {error}. Fix: check braces, commas and quotes in that entry."], None
    except Exception as error:  # pybtex reports some faults without a line
        return [f"{name}:1: malformed BibTeX: {error}. Fix: check the entry it names."], None

    for key, kind, start, end in entries:
        entry = data.entries.get(key)
        if entry is None:
            continue
        note = _verification_note(lines, start)
        if note is None:
            problems.append(
                f"{name}:{start}: {key}: no '% verified:' comment above the entry. Fix: on the line straight above "
                f"@{kind}{{{key}, write '% verified: <each field> from <where it was seen: publisher page, PubMed "
                "record (PMID), first page ...>; <fields not seen>, left out' (no blank line between).")
        elif len(note) < 20:
            problems.append(
                f"{name}:{start - 1}: {key}: the '% verified:' comment says too little ('{note}'). Fix: say which "
                "fields were seen and where, e.g. '% verified: authors, year, title, journal, volume, pages and DOI "
                "from the PubMed record (PMID 12345678)'.")
        fields = {k.lower(): v for k, v in entry.fields.items()}
        # APA 7 gives a print book as author, year, title and publisher; it needs no identifier.
        print_book = kind.lower() == "book" and "publisher" in fields
        if not print_book and not any(f in fields for f in IDENTIFIERS):
            problems.append(f"{name}:{start}: {key}: no doi, url or isbn. Fix: add a verified identifier "
                            "(a book may give its verified publisher instead), or leave the reference out.")
        if "doi" in fields and not DOI_FORM.match(fields["doi"]):
            problems.append(f"{name}:{_field_line(lines, start, end, 'doi')}: {key}: doi '{fields['doi']}' is not "
                            "of the form 10.NNNN/suffix. Fix: write the bare DOI, without https://doi.org/.")
        year = fields.get("year")
        if year is None or not re.fullmatch(r"\d{4}", year):
            problems.append(f"{name}:{_field_line(lines, start, end, 'year')}: {key}: year '{year}' is not four "
                            "digits. Fix: give the year of publication, e.g. year = {1995}.")
        pages = fields.get("pages")
        if pages and re.search(r"\d\s*(-|–|—)\s*\d", pages) and "--" not in pages:
            problems.append(f"{name}:{_field_line(lines, start, end, 'pages')}: {key}: page range '{pages}' must "
                            "use two hyphens. Fix: pages = {497--529}.")
        evidence = fields.get("evidence")
        if evidence is not None and evidence_problem(evidence):
            problems.append(f"{name}:{_field_line(lines, start, end, 'evidence')}: {key}: "
                            f"{evidence_problem(evidence)}. {EVIDENCE_FIX}")
        for n in range(start, end + 1):
            raw = lines[n - 1]
            if "~" in raw:
                problems.append(f"{name}:{n}: {key}: '~' renders as a stray character. Fix: use a plain space.")
            command = LATEX_COMMAND.search(raw)
            if command:
                problems.append(f"{name}:{n}: {key}: LaTeX '{command.group(0)}' is mangled by the renderer. "
                                "Fix: write the character itself (&, é, –).")
    return problems, data


def lint(path: Path) -> list[str]:
    return lint_parsed(Path(path).read_text(encoding="utf-8"), Path(path).name)[0]


if __name__ == "__main__":
    found = lint(Path(sys.argv[1] if len(sys.argv) > 1 else "references.bib"))
    print("\n".join(found) or "references.bib: no problems")
    sys.exit(1 if found else 0)
