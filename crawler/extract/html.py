"""HTML pages: strip what is never content, then flatten the page into blocks of text."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

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


def parse(text: str) -> BeautifulSoup:
    """Parse HTML with lxml under BeautifulSoup, after cutting what can never be text.

    Scripts (but JSON-LD), styles, SVG drawings and comments are half of a typical news
    page's elements; cutting them before parsing halves the parse, the slowest step.
    """
    text = _NEVER_TEXT.sub(" ", text)
    if len(text) > MAX_MARKUP:
        # Past this a page is a dump, not an article; its head is parsed, in bounded time.
        text = text[:MAX_MARKUP]
    # One string per class attribute, not a list: splitting every attribute is costly.
    return BeautifulSoup(text, "lxml", multi_valued_attributes=None)


MAX_MARKUP = 3_000_000
_NEVER_TEXT = re.compile(
    r"<script(?![^>]*ld\+json)[^>]*>.*?</script\s*>|<style[^>]*>.*?</style\s*>|<svg[^>]*>.*?</svg\s*>|<!--.*?-->",
    re.I | re.S,
)


_IGNORED_HREF = re.compile(r"^\s*(?:javascript:|#|mailto:|tel:)", re.I)


class _Flattener:
    """Walks an element with an explicit stack (a hostile page may nest thousands of levels)."""

    def __init__(self, root: Tag):
        self.blocks: list[Block] = []
        self.regions: list[tuple[int, ...]] = []  # per block: ids of its chrome ancestors
        self.articles: set[int] = set()  # ids of <article> elements
        self.path: list[Tag] = [root]
        self.chrome: list[int] = []
        self.parts: list[str] = []
        self.link_depth = 0
        self.link_chars = 0
        self.emphasis_depth = 0
        self.emphasis_chars = 0
        self.anchors: list[tuple[str, list[str]]] = []  # open <a href>: href and its text so far
        self.links: list[Link] = []  # links closed in the current block

    def flush(self) -> None:
        """End the current block: its text, link share, emphasis and links become one Block."""
        text = clean_text("".join(self.parts))
        if text:
            self.blocks.append(
                Block(
                    text=text,
                    tag=self.path[-1].name,
                    link_chars=min(self.link_chars, len(text)),
                    path=tuple(id(el) for el in self.path),
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
        self.parts.append(value)
        if self.link_depth:
            self.link_chars += len(value.strip())
        if self.emphasis_depth:
            self.emphasis_chars += len("".join(value.split()))
        for _, words in self.anchors:
            words.append(value)

    def close(self, kind: str, tag: Tag) -> None:
        """The end of an element opened earlier."""
        if kind == "block":
            self.flush()
            self.path.pop()
        elif kind == "link":
            self.link_depth -= 1
            if self.anchors:
                href, words = self.anchors.pop()
                text = clean_text("".join(words))
                if text and href:
                    self.links.append(Link(text, href))
        elif kind == "emphasis":
            self.emphasis_depth -= 1
            return  # the element's own end marker follows
        if self.chrome and self.chrome[-1] == id(tag):
            self.chrome.pop()

    def open(self, node: Tag, stack: list[object]) -> None:
        """Enter an element: note what it is, schedule its end, then its children."""
        if node.name in BLOCK_TAGS:
            self.flush()  # the text before this element belongs to the enclosing block, chrome or not
        if is_chrome_element(node):
            self.chrome.append(id(node))
        if node.name in BLOCK_TAGS:
            if node.name == "article":
                self.articles.add(id(node))
            self.path.append(node)
            stack.append(("block", node))
        elif node.name == "a":
            self.link_depth += 1
            href = node.get("href")
            usable = isinstance(href, str) and not _IGNORED_HREF.match(href)
            self.anchors.append((href.strip() if usable and isinstance(href, str) else "", []))
            stack.append(("link", node))
        else:
            stack.append(("inline", node))
        if is_emphasis_element(node):
            self.emphasis_depth += 1
            stack.append(("emphasis", node))
        stack.extend(reversed(list(node.children)))

    def run(self, root: Tag) -> list[Block]:
        stack: list[object] = list(reversed(list(root.children)))
        while stack:
            node = stack.pop()
            if isinstance(node, tuple):
                self.close(*node)
            elif isinstance(node, NavigableString):
                if type(node) is NavigableString or node.__class__.__name__ == "CData":
                    self.text(str(node))
            elif isinstance(node, Tag) and node.name not in _DROP:
                if node.name == "br":
                    self.flush()
                else:
                    self.open(node, stack)
        self.flush()
        clear_prose_regions(self.blocks, self.regions)
        mark_teaser_articles(self.blocks, self.articles)
        return self.blocks


def blocks_of(root: Tag) -> list[Block]:
    """Flatten an element into blocks of text, breaking at block elements and <br>."""
    return _Flattener(root).run(root)
