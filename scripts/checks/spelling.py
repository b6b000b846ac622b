"""Spelling gate: codespell over docs/ and the glossary, with the project's word list.

A normal module (not a hook), so its memory of clean checks survives mkdocs serve rebuilds.
"""
from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

SPELLING_WORDS = Path(__file__).parent / "spelling-words.txt"
CHECKED: set = set()


def _tree_signature(*roots: Path) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                 for root in roots for p in sorted(root.rglob("*")) if p.is_file())


def check(root: Path) -> None:
    """codespell over docs/ and the glossary, with the project's word list for names and terms.
    Skipped when nothing changed since the last clean check (mkdocs serve rebuilds)."""
    import contextlib
    import io

    from codespell_lib import main as codespell

    signature = _tree_signature(root / "docs", root / "includes") + ((SPELLING_WORDS.stat().st_mtime_ns,),)
    if signature in CHECKED:
        return

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        found = codespell("--ignore-words", str(SPELLING_WORDS), str(root / "docs"), str(root / "includes"))
    if found:
        lines = [line.replace(str(root) + "/", "") for line in out.getvalue().splitlines() if line.strip()]
        raise PluginError("spelling:\n" + "\n".join(f"{line}. Fix: correct the word, or add a name or term to "
                                                     "scripts/checks/spelling-words.txt" for line in lines))
    CHECKED.add(signature)
