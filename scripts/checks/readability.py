"""How a client page's reading level is measured, used by the build gate and the tests alike.

The prose is the page's paragraphs and list items, leaving out the reference list, the crisis box,
the cite-this-page block and admonition titles. Grade is Flesch-Kincaid (textstat 0.7.8, which
ships its pronunciation data and needs no network).
"""
from __future__ import annotations

import functools
import re

import textstat
from bs4 import BeautifulSoup

LEFT_OUT = ".footnote, .references-heading, .crisis-help, .cite-this-page, .page-review, .admonition-title, " \
           ".headerlink, .evidence-inference, .handout-link, .print-qr"
# A full stop after an initial is not a sentence end: APA citations name authors who share a
# surname by their initials, "(K.-A. Allen et al., 2021)", and "M. R. Leary" is one name.
SENTENCE_END = re.compile(r"(?<![\s(.\-][A-Z]\.)(?<=[.!?])[\"”’)]*\s+")


def prose_blocks(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    for node in soup.select(LEFT_OUT):
        node.decompose()
    blocks = []
    for node in soup.find_all(["p", "li"]):
        if node.name == "p" and node.find_parent("li"):
            continue  # counted with its list item
        if node.name == "li" and node.find(["ul", "ol"]):
            for sub in node.find_all(["ul", "ol"]):
                sub.extract()
        text = " ".join(node.get_text(" ").split())
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if not text:
            continue
        if text[-1] not in ".!?:":
            text += "."
        blocks.append(text)
    return blocks


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text) if s.strip()]


@functools.lru_cache(maxsize=512)  # a normal module: the cache survives mkdocs serve rebuilds
def measure(html: str) -> dict:
    blocks = prose_blocks(html)
    body = "\n".join(blocks)
    all_sentences = [s for b in blocks for s in sentences(b)]
    words = sum(len(s.split()) for s in all_sentences)
    return {
        "grade": round(textstat.flesch_kincaid_grade(body), 2) if body else 0.0,
        "avg_sentence_words": round(words / max(1, len(all_sentences)), 1),
        "long_paragraphs": [b for b in blocks if len(sentences(b)) > 3],
        "sentences": len(all_sentences),
    }
