"""<!-- md:inference --> straight after a sentence: the evidence marker, a link to the legend on /about/.

Clinician pages read "inference"; pages for the public (audience: client) read "Our view, not a research
finding". Both carry the same link, a title, and the explanation as visually hidden text for screen
readers. Configured in mkdocs.yml as `scripts.markdown.inference`.
"""
from __future__ import annotations

import re

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from scripts.checks import front_matter
from scripts.markdown import page_file, relative

MARKER = re.compile(r"\s*<!--\s*md:inference\s*-->")
INFERENCE_TITLE = "Clinical inference: reasoning from the theory, not a finding stated by a cited source"
CLIENT_INFERENCE_LABEL = "Our view, not a research finding"
CLIENT_INFERENCE_TITLE = ("Our view: what we think follows from the research. "
                          "No study we cite says this directly")


def audience(md) -> str:
    file = page_file(md)
    if file is None:
        return "clinician"
    try:
        return str(front_matter.read(file.content_string, f"docs/{file.src_uri}")[0].get("audience", "clinician"))
    except front_matter.FrontMatterError:
        return "clinician"  # the pages hook has already stopped the build on it


def badge(md) -> str:
    about = relative(md, "about.md")
    if audience(md) == "client":
        label, title, classes = CLIENT_INFERENCE_LABEL, CLIENT_INFERENCE_TITLE, ".evidence-inference .evidence-inference--plain"
    else:
        label, title, classes = "inference", INFERENCE_TITLE, ".evidence-inference"
    hidden = ": " + title.split(": ", 1)[1]
    return (f' [{label}<span class="visually-hidden">{hidden}</span>]'
            f'({about}#evidence-markers "{title}"){{ {classes} }}')


class _Markers(Preprocessor):
    def run(self, lines):
        text = "\n".join(lines)
        if "md:inference" not in text:
            return lines
        label = badge(self.md)
        return MARKER.sub(lambda _m: label, text).split("\n")


class InferenceExtension(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(_Markers(md), "guide_inference", 29)  # after snippets, before code and HTML


def makeExtension(**kwargs):
    return InferenceExtension(**kwargs)
