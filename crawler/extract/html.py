"""HTML pages: strip what is never content, flatten to blocks, find the article's container."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from .blocks import Block, clean_text, text_weight

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
_STRUCTURAL = frozenset({"html", "body", "main", "article"})
_CHROME_NAME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|breadcrumbs?|crumbs?|share|sharing|social|related|"
    r"recommend(?:ed|ations)?|comments?|cookies?|consent|newsletter|subscribe|advert(?:isement)?|ads?|"
    r"banner|sidebar|footer|pagination|pager|prevnext|print|toolbar|hot|login|signup|search|"
    r"widget|promo|teasers?|teaser-list|more-articles|tags?|byline-share|captions?|credits?|infobox|author-bio|"
    r"newsletter-signup|outbrain|taboola|sr-only|visually-hidden|screen-reader-text|"
    r"authors?|byline|author-box|bio|timestamp|article-meta|post-meta|carousel|slideshow|gallery|lightbox|"
    r"donate|donation|support-us|upsell|regwall|login-wall)"
    # ...but not a layout block that merely bears the name: "sidebar-grid__header", "nav-wrapper".
    r"(?:$|\s|[_-](?!_|grid|layout|wrap|container|page|template|relative|column|col\b|row\b))",
    re.I,
)
# Elements that are chrome by their name, unless a broken template wraps the article in one.
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "figure"})  # a figure's text is its caption
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# A chrome-named region with this much sentence text is content after all.
_PROSE_REGION = 300.0


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


def _is_hidden(tag: Tag) -> bool:
    if tag.name in _STRUCTURAL:
        return False
    attrs = tag.attrs
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return isinstance(style, str) and _HIDDEN_STYLE.search(style) is not None


def _is_chrome_element(tag: Tag) -> bool:
    """Hidden, or named like chrome (by tag, class or id): its text is suspect, not removed."""
    if tag.name in _STRUCTURAL or tag.name in {"p", "h1", "h2"}:
        return False
    if tag.name in _CHROME_TAGS or _is_hidden(tag):
        return True
    attrs = tag.attrs
    names = f"{attrs.get('id') or ''} {attrs.get('class') or ''}"
    return len(names) > 1 and _CHROME_NAME.search(names) is not None


def _mark_teaser_articles(blocks: list[Block], articles: set[int]) -> None:
    """On a page of several <article>s, the small ones are teaser cards of other stories."""
    if len(articles) < 2:
        return
    size: dict[int, float] = dict.fromkeys(articles, 0.0)
    for block in blocks:
        weight = text_weight(block.text)
        for element_id in block.path:
            if element_id in size:
                size[element_id] += weight
    largest = max(size.values())
    small = {a for a, s in size.items() if s < 0.2 * largest}
    for block in blocks:
        if small.intersection(block.path):
            block.chrome = True


def _clear_prose_regions(blocks: list[Block], regions: list[tuple[int, ...]]) -> None:
    """Un-mark chrome regions that hold most of the page's sentence text.

    Templates wrap whole articles in elements named like chrome (an <aside> of a broken
    layout, "PrintThis") or hidden until a script shows them (streamed React pages). Real
    chrome (menus, teasers, footers) seldom holds most of a page's prose.
    """
    prose: dict[int, float] = {}
    headed: set[int] = set()  # regions holding an <h1>
    page_prose = 0.0
    free_h1 = False
    for block, chain in zip(blocks, regions, strict=True):
        if block.tag == "h1":
            headed.update(chain)
            free_h1 = free_h1 or not chain
        if block.link_density < 0.3 and len(block.text) >= 40:
            weight = text_weight(block.text)
            page_prose += weight
            for region in chain:
                prose[region] = prose.get(region, 0.0) + weight
    # A consent or teaser box can out-talk a short article; the article's region holds the headline.
    keep = {
        r
        for r, w in prose.items()
        if w >= _PROSE_REGION and (w >= 0.7 * page_prose or (w >= 0.4 * page_prose and (r in headed or not free_h1)))
    }
    for block, chain in zip(blocks, regions, strict=True):
        if chain and all(region in keep for region in chain):
            block.chrome = False


def blocks_of(root: Tag) -> list[Block]:
    """Flatten an element into blocks of text, breaking at block elements and <br>."""
    blocks: list[Block] = []
    parts: list[str] = []
    state = {"link": 0, "link_chars": 0}
    path: list[Tag] = [root]
    chrome_stack: list[int] = []
    regions: list[tuple[int, ...]] = []  # per block: ids of its chrome ancestors
    articles: set[int] = set()  # ids of <article> elements

    def flush() -> None:
        text = clean_text("".join(parts))
        if text:
            blocks.append(
                Block(
                    text=text,
                    tag=path[-1].name,
                    link_chars=min(state["link_chars"], len(text)),
                    path=tuple(id(el) for el in path),
                    chrome=bool(chrome_stack),
                )
            )
            regions.append(tuple(chrome_stack))
        parts.clear()
        state["link_chars"] = 0

    # An explicit stack, not recursion: a hostile page may nest thousands of levels.
    stack: list[object] = list(reversed(list(root.children)))
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):  # the end of an element
            kind, tag = node
            if kind == "block":
                flush()
                path.pop()
            elif kind == "link":
                state["link"] -= 1
            if chrome_stack and chrome_stack[-1] == id(tag):
                chrome_stack.pop()
            continue
        if isinstance(node, NavigableString):
            if type(node) is NavigableString or node.__class__.__name__ == "CData":
                parts.append(str(node))
                if state["link"]:
                    state["link_chars"] += len(str(node).strip())
            continue
        if not isinstance(node, Tag):
            continue
        if node.name == "br":
            flush()
            continue
        if node.name in _DROP:
            continue
        if node.name in BLOCK_TAGS:
            flush()  # the text before this element belongs to the enclosing block, chrome or not
        if _is_chrome_element(node):
            chrome_stack.append(id(node))
        if node.name in BLOCK_TAGS:
            if node.name == "article":
                articles.add(id(node))
            path.append(node)
            stack.append(("block", node))
        elif node.name == "a":
            state["link"] += 1
            stack.append(("link", node))
        else:
            stack.append(("inline", node))
        stack.extend(reversed(list(node.children)))
    flush()
    _clear_prose_regions(blocks, regions)
    _mark_teaser_articles(blocks, articles)
    return blocks
