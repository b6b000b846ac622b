"""<!-- md:helplines --> (the short form) or <!-- md:helplines show=WHAT region=ID -->: crisis lines from
includes/helplines.yml as HTML lists (scripts/hooks/helplines.py writes them; WHAT is one of its SHOWS).
A shortcode with another argument stops the build with the page's file and line. Configured as
`scripts.markdown.helplines`.
"""
from __future__ import annotations

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from scripts.hooks.helplines import MARKER, SHOWS, load, render
from scripts.markdown import ContentError, project_root, where


def arguments(md, match, root) -> tuple[str, str | None]:
    show, region = "short", None
    for arg in match.group("args").split():
        key, _, value = arg.partition("=")
        if key == "show" and value in SHOWS:
            show = value
        elif key == "region" and value in load(root)["regions"]:
            region = value
        else:
            raise ContentError(f"{where(md, match.group(0))}: unknown helplines argument '{arg}'. Fix: use "
                               f"show=one of {', '.join(SHOWS)}, and region=one of "
                               f"{', '.join(load(root)['regions'])}, or write <!-- md:helplines --> alone.")
    return show, region


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
