"""What an element says about its text: chrome by name or visibility, emphasis; fixes after flattening."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from .blocks import Block, text_weight

STRUCTURAL = frozenset({"html", "body", "main", "article"})
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
_NEVER_CHROME = frozenset({"p", "h1", "h2"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# A chrome-named region with this much sentence text is content after all.
_PROSE_REGION = 300.0

# Headlines of table-and-font era templates are set in bold or a large font, or sit in an
# element named for a title ("detail_title", "bt" for 标题, "tit").
_EMPHASIS_TAGS = frozenset({"strong", "b", "big"})
_EMPHASIS_STYLE = re.compile(
    r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)|font-size\s*:\s*(?:1[6-9]|[2-9]\d)(?:\.\d+)?px"
    r"|font-size\s*:\s*(?:1[2-9]|[2-9]\d)pt|font-size\s*:\s*(?:1\.[2-9]|[2-9])(?:\.\d+)?(?:em|rem)",
    re.I,
)
_TITLE_NAME = re.compile(r"(?:^|[\s_-])(?:title|tit|bt|biaoti|headline|heading)(?:$|[\s_-]|\d)", re.I)


def is_hidden(name: str, attrs: Mapping[str, str]) -> bool:
    """Hidden from readers by attribute or inline style."""
    if name in STRUCTURAL:
        return False
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return style is not None and _HIDDEN_STYLE.search(style) is not None


def is_chrome_element(name: str, attrs: Mapping[str, str]) -> bool:
    """Hidden, or named like chrome (by tag, class or id): its text is suspect, not removed."""
    if name in STRUCTURAL or name in _NEVER_CHROME:
        return False
    if name in _CHROME_TAGS:
        return True
    if not attrs:
        return False
    if is_hidden(name, attrs):
        return True
    return _chrome_named(f"{attrs.get('id') or ''} {attrs.get('class') or ''}")


def is_emphasis_element(name: str, attrs: Mapping[str, str]) -> bool:
    """Bold, large or named like a title: what makes a line prominent on pages without <h1>."""
    if name in _EMPHASIS_TAGS:
        return True
    if not attrs:
        return False
    size = attrs.get("size") if name == "font" else None
    if size is not None and size.strip().lstrip("+").isdigit() and int(size.strip().lstrip("+")) >= 4:
        return True
    style = attrs.get("style")
    if style is not None and _EMPHASIS_STYLE.search(style):
        return True
    names = attrs.get("class") or attrs.get("id")
    return bool(names) and _title_named(f"{attrs.get('id') or ''} {names}")


# Templates repeat a handful of class names on every element: each is matched once.
@lru_cache(maxsize=8192)
def _chrome_named(names: str) -> bool:
    return len(names) > 1 and _CHROME_NAME.search(names) is not None


@lru_cache(maxsize=8192)
def _title_named(names: str) -> bool:
    return _TITLE_NAME.search(names) is not None


def mark_teaser_articles(blocks: list[Block], articles: set[int]) -> None:
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


def clear_prose_regions(blocks: list[Block], regions: list[tuple[int, ...]]) -> None:
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
