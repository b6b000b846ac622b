"""<!-- md:helplines --> (the short form), <!-- md:helplines show=WHAT region=ID --> or
<!-- md:helplines ids=ID,ID -->: crisis lines from includes/helplines.yml as HTML lists
(scripts/hooks/helplines.py writes them; WHAT is one of its SHOWS; ids= names services by their `id`, in
the order the page wants them). A shortcode with another argument, or an id the data file does not have,
stops the build with the page's file and line. Configured as `scripts.markdown.helplines`.
"""
from __future__ import annotations

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from scripts.hooks.helplines import DATA_FILE, MARKER, SHOWS, load, render
from scripts.markdown import ContentError, project_root, where


def arguments(md, match, root) -> tuple[str, str | None, list[str] | None]:
    show, region, ids = "short", None, None
    args = match.group("args").split()
    for arg in args:
        key, _, value = arg.partition("=")
        if key == "show" and value in SHOWS:
            show = value
        elif key == "region" and value in load(root)["regions"]:
            region = value
        elif key == "ids" and value and len(args) == 1:
            ids = value.split(",")
            for ident in ids:
                if ident not in load(root)["services"]:
                    raise ContentError(f"{where(md, match.group(0))}: unknown helpline id '{ident}'. Fix: use "
                                       f"an id from {DATA_FILE}: {', '.join(load(root)['services'])}.")
        else:
            raise ContentError(f"{where(md, match.group(0))}: unknown helplines argument '{arg}'. Fix: use "
                               f"show=one of {', '.join(SHOWS)}, and region=one of "
                               f"{', '.join(load(root)['regions'])}; or ids=ID,ID alone; "
                               f"or write <!-- md:helplines --> alone.")
    return show, region, ids


class _Lists(Preprocessor):
    def run(self, lines):
        text = "\n".join(lines)
        if "md:helplines" not in text:
            return lines
        root = project_root(self.md)

        def replace(match):
            return "\n" + render(root, *arguments(self.md, match, root)) + "\n"

        return MARKER.sub(replace, text).split("\n")


class HelplinesExtension(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(_Lists(md), "guide_helplines", 29)  # after snippets, before code and HTML


def makeExtension(**kwargs):
    return HelplinesExtension(**kwargs)
