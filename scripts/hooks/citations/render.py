"""Citations, part 3: citation markers and reference lists rendered by us, as a Python-Markdown extension
(PrerenderedReferences, added to the build by the hook's on_config), byte for byte what the footnotes
extension would write, without running them through Python-Markdown's inline patterns; each reference
is rendered once (and cached with the citations).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from scripts.hooks.citations.bibdata import STATS

_NOTE_BODY = re.compile(r"^(\[\^ref-[^\]]+\]: )(.+)$")


class PrerenderedReferences(Extension):
    """Citation markers and reference lists rendered by us, to the same HTML as Python-Markdown's
    footnotes extension, at a fraction of its cost.

    mkdocs-bibtex writes in-text citations as footnote references (`(Author, 2020)[^ref-key]`) and the
    reference list as footnote definitions (`[^ref-key]: APA text`). The footnotes extension parses
    every definition as a document of its own, and every marker costs the inline pass a restart: ~3 ms
    a citing page, more than the rest of the page. Here:
    - the preprocessor takes the page's definitions out and puts a placeholder where each marker is,
      so the inline pass treats it as plain text;
    - just before the inline pass, the markers are numbered in the order that pass would meet them
      (breadth first, text then tail), so repeats get the same fnref2:, fnref3: ids;
    - just after it, each marker gets the `<sup id="fnref:...">` HTML the footnotes extension would
      have made there (an element where a later pass could tell the difference: in a heading, or
      before a quote), and the list gets its HTML, each reference rendered once per build (cached
      with the citations).
    A page with any other footnote, a marker beside code, or the footnotes' place marker is left to
    the footnotes extension. CITATION_BATCH=0 (mkdocs-bibtex as shipped) turns this off: the cache
    test compares both."""

    def __init__(self, smarty_config: dict, fast: bool = True):
        super().__init__()
        self.smarty_config = smarty_config
        self.renderer = markdown.Markdown(extensions=["smarty"], extension_configs={"smarty": smarty_config})
        self.rendered: dict[str, str] = {}
        self.fast = fast
        self.page: dict | None = None  # this page's definitions and markers, preprocessor to list

    def html(self, text: str) -> str:
        if text not in self.rendered:
            html = self.renderer.reset().convert(text)
            self.rendered[text] = html[3:-4] if html.startswith("<p>") and html.endswith("</p>") else html
        return self.rendered[text]

    def extendMarkdown(self, md):
        md.preprocessors.register(_StashReferences(md, self), "prerendered_references", 25)
        md.treeprocessors.register(_NumberMarkers(md, self), "prerendered_markers", 21)  # inline: 20
        md.treeprocessors.register(_ReferenceList(md, self), "prerendered_references", 19)


_REF = re.compile(r"\[\^(ref-[^\]]+)\]")
_PLACEHOLDER = re.compile(markdown.util.HTML_PLACEHOLDER % r"([0-9]+)")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_FOOTNOTES_DEFAULTS = {"UNIQUE_IDS": False, "USE_DEFINITION_ORDER": True, "SEPARATOR": ":",
                       "PLACE_MARKER": "///Footnotes Go Here///"}


def _footnotes(md):
    """The page's footnotes extension, if it is configured the way the fast path writes HTML."""
    for ext in md.registeredExtensions:
        if type(ext).__name__ == "FootnoteExtension":
            ok = all(ext.getConfig(k) == v for k, v in _FOOTNOTES_DEFAULTS.items())
            return ext if ok else None
    return None


class _StashReferences(Preprocessor):
    def __init__(self, md, extension: PrerenderedReferences):
        super().__init__(md)
        self.extension = extension

    def run(self, lines):
        self.extension.page = None
        footnotes = _footnotes(self.md) if self.extension.fast else None
        definitions = {}
        body = []
        for line in lines:
            match = _NOTE_BODY.match(line)
            if match:
                definitions[match.group(1)[2:-3]] = match.group(2)
            else:
                body.append(line)
        if not definitions:
            return lines
        STATS["pages"] += 1
        if footnotes is None or not self._simple(body, definitions):
            return self._stash_texts(lines)
        STATS["direct"] += 1
        markers: dict[int, str] = {}

        def marker(match):
            markers[self.md.htmlStash.html_counter] = match.group(1)
            return self.md.htmlStash.store(match.group(0))  # becomes an element after the inline pass

        body = [_REF.sub(marker, line) if "[^ref-" in line else line for line in body]
        while body and not body[-1].strip():
            body.pop()
        listing = self.md.htmlStash.html_counter
        body += ["", self.md.htmlStash.store("")]  # the list, written by _ReferenceList
        self.extension.page = {"footnotes": footnotes, "definitions": definitions, "markers": markers,
                               "list": listing, "number": {key: n for n, key in enumerate(definitions, start=1)}}
        return body

    @staticmethod
    def _simple(body, definitions) -> bool:
        """Only our markers, each defined, none beside code or the footnotes' place marker."""
        for line in body:
            if "[^" in line:
                if "`" in line or "///Footnotes Go Here///" in line:
                    return False
                refs = _REF.findall(line)
                if line.count("[^") != len(refs) or any(ref not in definitions for ref in refs):
                    return False
        return True

    def _stash_texts(self, lines):
        out = []
        for line in lines:
            match = _NOTE_BODY.match(line)
            if match:
                line = match.group(1) + self.md.htmlStash.store(self.extension.html(match.group(2)))
            out.append(line)
        return out


class _NumberMarkers(Treeprocessor):
    """Before the inline pass: each marker's id, in the order InlineProcessor.run would reach it
    (a queue of elements, each child's text then its tail, left to right)."""

    def __init__(self, md, extension: PrerenderedReferences):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        page = self.extension.page
        if page is None:
            return
        markers, seen, ids = page["markers"], {}, {}
        queue = [root]
        while queue:
            element = queue.pop(0)
            for child in element:
                for text in (child.text, child.tail):
                    if text and not isinstance(text, AtomicString):
                        for match in _PLACEHOLDER.finditer(text):
                            index = int(match.group(1))
                            if index in markers:
                                key = markers[index]
                                seen[key] = seen.get(key, 0) + 1
                                ids[index] = f"fnref{seen[key] if seen[key] > 1 else ''}:{key}"
                if len(child):
                    queue.append(child)
        page["seen"], page["ids"] = seen, ids


class _ReferenceList(Treeprocessor):
    """After the inline pass: the markers' `<sup>` (FootnoteInlineProcessor's) and the list
    (FootnoteExtension.makeFootnotesDiv, each reference's text already rendered, and
    FootnotePostTreeprocessor's back-link per repeat). The list stays stashed HTML: as elements it
    would cost the passes after this one (smarty, abbr, serialising) ~0.7 ms a page."""

    def __init__(self, md, extension: PrerenderedReferences):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        page, self.extension.page = self.extension.page, None
        if page is None:
            return
        footnotes, number, seen, ids = page["footnotes"], page["number"], page["seen"], page["ids"]
        superscript = footnotes.getConfig("SUPERSCRIPT_TEXT")

        def sup(index: int, tail: str):
            key = page["markers"][index]
            element = etree.Element("sup", {"id": ids[index]})
            link = etree.SubElement(element, "a", {"href": f"#fn:{key}", "class": "footnote-ref"})
            link.text = superscript.format(number[key])
            element.tail = tail or None
            return element

        def as_html(index: int) -> str:
            key = page["markers"][index]
            self.md.htmlStash.rawHtmlBlocks[index] = (f'<sup id="{ids[index]}"><a class="footnote-ref" '
                                                      f'href="#fn:{key}">{superscript.format(number[key])}</a></sup>')
            return markdown.util.HTML_PLACEHOLDER % index

        def split(text, in_heading):
            """Text up to the first marker that must be an element, then (marker, text up to the
            next) pairs. Only two things tell a marker element from its HTML in the text: the toc
            leaves `<sup id="fnref...">` elements out of heading ids, and smarty closes a quote that
            starts a text node ("...(Author, 2020)".). Every other marker stays stashed HTML: fewer
            text nodes for the passes after this one."""
            parts = _PLACEHOLDER.split(text)
            head, pairs = parts[0], []
            for index, after in zip(parts[1::2], parts[2::2]):
                index = int(index)
                if index in ids and (in_heading or after[:1] in ("'", '"')):
                    pairs.append((index, after))
                    continue
                piece = (as_html(index) if index in ids else markdown.util.HTML_PLACEHOLDER % index) + after
                if pairs:
                    pairs[-1] = (pairs[-1][0], pairs[-1][1] + piece)
                else:
                    head += piece
            return head, pairs

        in_heading = {element for heading in root.iter() if heading.tag in _HEADINGS for element in heading.iter()}
        for parent in list(root.iter()):
            texts = [parent.text] + [child.tail for child in parent]
            if not any(t and "\x02" in t and not isinstance(t, AtomicString) for t in texts):
                continue
            children = []
            for position, text in enumerate(texts):
                if position:
                    children.append(parent[position - 1])
                if not text or isinstance(text, AtomicString) or not _PLACEHOLDER.search(text):
                    continue
                head, pairs = split(text, parent in in_heading)
                if position:
                    children[-1].tail = head or None
                else:
                    parent.text = head or None
                children.extend(sup(index, after) for index, after in pairs)
            parent[:] = children

        title = footnotes.getConfig("BACKLINK_TITLE")
        back_text = footnotes.getConfig("BACKLINK_TEXT")
        items = []
        for key, text in page["definitions"].items():
            backs = "".join(
                f'<a class="footnote-backref" href="#fnref{n if n > 1 else ""}:{key}" '
                f'title="{title.format(number[key])}">{back_text}</a>'
                for n in range(1, max(seen.get(key, 0), 1) + 1))
            items.append(f'<li id="fn:{key}">\n<p>{self.extension.html(text)}&#160;{backs}</p>\n</li>')
        self.md.htmlStash.rawHtmlBlocks[page["list"]] = (
            '<div class="footnote">\n<hr />\n<ol>\n' + "\n".join(items) + "\n</ol>\n</div>")
        # The list is stashed HTML, which MkDocs does not read for anchors: tell it the list's ids, so
        # the links of markers that are elements (see split) check out under --strict.
        if "mkdocs_extract_anchors" in self.md.treeprocessors:
            self.md.treeprocessors["mkdocs_extract_anchors"].present_anchor_ids.update(
                f"fn:{key}" for key in page["definitions"])
