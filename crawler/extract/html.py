"""HTML pages: cut what is never content, parse with lxml, flatten its tree into blocks of text."""

from __future__ import annotations

import re

from lxml import etree

from .blocks import Block, Link, clean_text
from .regions import clear_prose_regions, is_chrome_element, is_emphasis_element, mark_teaser_articles

DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "embed",
    "button",
    "select",
    "input",
    "textarea",
    "option",
    "figcaption",
    "dialog",
    "audio",
    "video",
    "map",
    "head",
]
_DROP = frozenset(DROP_TAGS)
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "ul",
        "ol",
        "li",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "dl",
        "dt",
        "dd",
        "figure",
        "form",
        "fieldset",
        "address",
        "center",
        "hr",
        "body",
        "html",
        "details",
        "summary",
    ]
)


def parse(text: str) -> etree._Element:
    """Parse HTML with lxml into its own tree, after cutting what can never be text.

    A page libxml2's tree builder refuses (nested deeper than its limit of 2,048
    elements) is read by BeautifulSoup instead, which takes any depth (`soup.py`).
    """
    text = cut_markup(text)
    # Fed as text, the way BeautifulSoup feeds lxml: an XML declaration at the top is then
    # markup like any other, where lxml.html.fromstring() would refuse the whole page.
    parser = etree.HTMLParser(huge_tree=True, collect_ids=False)
    try:
        parser.feed(text)
        root = parser.close()
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return _soup_tree(text)
    error = parser.feed_error_log.last_error
    if error is not None and error.level == etree.ErrorLevels.FATAL:
        return _soup_tree(text)  # the tree stops where libxml2 gave up: the rest of the page is lost
    return root if root is not None else etree.Element("html")


def _soup_tree(text: str) -> etree._Element:
    # Imported on first use: BeautifulSoup (and soupsieve's selector grammar, compiled as it is
    # imported) cost every process 40 ms to start, and few pages ever need it.
    from .soup import soup_tree

    return soup_tree(text)


def cut_markup(text: str) -> str:
    """The markup worth parsing: scripts (but JSON-LD), styles, SVG and comments cut, the length capped.

    They are half of a typical news page's elements and never its text; each leaves a space.
    """
    text = _NEVER_TEXT.sub(" ", text)
    # Past this a page is a dump, not an article; its head is parsed, in bounded time.
    return text[:MAX_MARKUP] if len(text) > MAX_MARKUP else text


MAX_MARKUP = 3_000_000
# Each element up to its first end tag, as `.*?</script\s*>` would match it, but written out
# ("no '<', or a '<' that is not the end tag") so the scan takes a run of text at a time
# rather than one character at a time: five times faster on pages heavy with scripts. One
# never closed runs to the end of the page, as a browser reads it (and as the scan must: else
# each unclosed `<script` would scan the rest of the page again, quadratic in its length).
_NEVER_TEXT = re.compile(
    r"<script(?![^>]*ld\+json)[^>]*>[^<]*(?:<(?!/script\s*>)[^<]*)*(?:</script\s*>|\Z)"
    r"|<style[^>]*>[^<]*(?:<(?!/style\s*>)[^<]*)*(?:</style\s*>|\Z)"
    r"|<svg[^>]*>[^<]*(?:<(?!/svg\s*>)[^<]*)*(?:</svg\s*>|\Z)"
    r"|<!--[^-]*(?:-(?!->)[^-]*)*(?:-->|\Z)",
    re.I | re.S,
)


_IGNORED_HREF = re.compile(r"^\s*(?:javascript:|#|mailto:|tel:)", re.I)
_EVENTS = ("start", "end", "comment", "pi")
# What an open element was taken for, remembered until its end.
_BLOCK, _LINK, _EMPHASIS, _CHROME, _RUBY = 1, 2, 4, 8, 16
# Ruby annotations (the reading printed over a character) are not text; BeautifulSoup, whose
# reading of a page this walker keeps to the letter, always filed them apart.
_RUBY_TAGS = frozenset({"rt", "rp"})
_DOCUMENT = "[document]"  # the tag of text outside any block on a page without <body>


class _Flattener:
    """Walks lxml's tree once, in document order, without recursion (a hostile page may nest deep)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.regions: list[tuple[int, ...]] = []  # per block: numbers of its chrome ancestors
        self.articles: set[int] = set()  # numbers of <article> elements
        self.path: list[int] = [0]  # numbers of the enclosing block elements, the root first
        self.names: list[str] = []  # their tags
        self.chrome: list[int] = []
        self.opened: list[int] = []  # per open element below the root: what it was taken for
        self.count = 0  # elements numbered so far: a number names an element in Block.path
        self.parts: list[str] = []
        self.link_depth = 0
        self.link_chars = 0
        self.emphasis_depth = 0
        self.emphasis_chars = 0
        self.ruby_depth = 0
        self.anchors: list[tuple[str, list[str]]] = []  # open <a href>: href and its text so far
        self.links: list[Link] = []  # links closed in the current block

    def flush(self) -> None:
        """End the current block: its text, link share, emphasis and links become one Block."""
        if not self.parts:  # then no text was counted either; a link without text may be pending
            self.links.clear()
            return
        joined = "".join(self.parts)
        # Most runs of text between blocks are the markup's line breaks and indentation.
        text = "" if joined.isspace() else clean_text(joined)
        if text:
            self.blocks.append(
                Block(
                    text=text,
                    tag=self.names[-1],
                    link_chars=min(self.link_chars, len(text)),
                    path=tuple(self.path),
                    chrome=bool(self.chrome),
                    emphasis=self.emphasis_chars > 0 and self.emphasis_chars >= 0.8 * len(text.replace(" ", "")),
                    links=tuple(self.links),
                )
            )
            self.regions.append(tuple(self.chrome))
        self.parts.clear()
        self.links.clear()
        self.link_chars = 0
        self.emphasis_chars = 0

    def text(self, value: str) -> None:
        if self.ruby_depth:
            return
        self.parts.append(value)
        if self.link_depth:
            self.link_chars += len(value.strip())
        if self.emphasis_depth:
            self.emphasis_chars += len("".join(value.split()))
        for _, words in self.anchors:
            words.append(value)

    def open(self, node: etree._Element, name: str) -> int:
        """Enter an element: note what it is; returns what to remember until its end."""
        attrs = node.attrib
        kind = 0
        if name in BLOCK_TAGS:
            self.flush()  # the text before this element belongs to the enclosing block, chrome or not
            kind = _BLOCK
        self.count += 1
        if is_chrome_element(name, attrs):
            self.chrome.append(self.count)
            kind |= _CHROME
        if kind & _BLOCK:
            if name == "article":
                self.articles.add(self.count)
            self.path.append(self.count)
            self.names.append(name)
        elif name == "a":
            self.link_depth += 1
            href = attrs.get("href")
            usable = href is not None and not _IGNORED_HREF.match(href)
            self.anchors.append((href.strip() if usable and href is not None else "", []))
            kind |= _LINK
        if is_emphasis_element(name, attrs):
            self.emphasis_depth += 1
            kind |= _EMPHASIS
        if name in _RUBY_TAGS:
            self.ruby_depth += 1
            kind |= _RUBY
        return kind

    def close(self, kind: int) -> None:
        """The end of an element opened earlier."""
        if kind & _EMPHASIS:
            self.emphasis_depth -= 1
        if kind & _RUBY:
            self.ruby_depth -= 1
        if kind & _BLOCK:
            self.flush()
            self.path.pop()
            self.names.pop()
        elif kind & _LINK:
            self.link_depth -= 1
            if self.anchors:
                href, words = self.anchors.pop()
                text = clean_text("".join(words))
                if text and href:
                    self.links.append(Link(text, href))
        if kind & _CHROME:
            self.chrome.pop()

    def run(self, root: etree._Element) -> list[Block]:
        body = next(root.iter("body"), None)
        walk = etree.iterwalk(body if body is not None else root, events=_EVENTS)
        if body is not None:
            next(walk)  # <body> is the root of the walk: entered, never opened
            self.names.append("body")
            if body.text:
                self.text(body.text)
        else:
            self.names.append(_DOCUMENT)
        for event, node in walk:
            if event == "start":
                name = node.tag
                if name in _DROP or name == "br":
                    walk.skip_subtree()
                    self.opened.append(0)
                    if name == "br":
                        self.flush()
                    continue
                self.opened.append(self.open(node, name))
                if node.text:
                    self.text(node.text)
                continue
            if event == "end":
                if not self.opened:
                    break  # the end of <body>
                kind = self.opened.pop()
                if kind:  # a plain inline element needs nothing at its end
                    self.close(kind)
            if node.tail:  # after an element, a comment or a processing instruction
                self.text(node.tail)
        self.flush()
        clear_prose_regions(self.blocks, self.regions)
        mark_teaser_articles(self.blocks, self.articles)
        return self.blocks


def blocks_of(root: etree._Element) -> list[Block]:
    """Flatten a parsed page (its <body>, else all of it) into blocks of text, breaking at block elements and <br>."""
    return _Flattener().run(root)
