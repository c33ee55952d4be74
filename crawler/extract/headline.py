"""The headline among a page's visible lines, by evidence that agrees: listing link, date line, emphasis, <title>.

Pages of the table-and-font generation give every page one <title> (the site's name, or
"Details") and set the headline in a bold <td>, <span> or <font>. No single rule finds it;
several weak signals that agree do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .blocks import Block, is_prose
from .chrome import BOX_HEADINGS, is_breadcrumb, is_chrome_line
from .hints import fold, link_names

# Page-type words that template <title>s use instead of a headline.
GENERIC_TITLES = frozenset(
    fold(word)
    for word in [
        "details", "detail", "article", "articles", "article detail", "article details", "news",
        "news detail", "news details", "news center", "news centre", "content", "contents", "view",
        "page", "index", "home", "homepage", "home page", "default", "untitled", "untitled document",
        "document", "notice", "notices", "announcement", "announcements", "information", "info",
        "正文", "详情", "详细", "详细内容", "详情页", "详细页", "新闻详情", "新闻详细", "新闻内容", "新闻正文",
        "文章详情", "文章内容", "内容", "内容页", "内容详情", "信息详情", "资讯详情", "新闻", "新闻中心",
        "新闻动态", "新闻资讯", "通知公告", "公告", "通知", "动态", "无标题文档", "要闻", "中心要闻",
        "首页", "网站首页", "浏览", "查看", "文章", "信息", "资讯",
    ]
)  # fmt: skip
_MAX_TITLE = 300
_MIN_TITLE = 4  # characters; "通知" alone is a label, not a headline
_TITLE_SCAN = 200
_SENTENCE_END = re.compile(r"[.。;；,，:：]$")
_LONG_LINE = 150
# Points for each kind of evidence; a line needs this many to be taken as the headline.
_LINKED, _FULL_REF, _SEGMENT_REF, _ABOVE_DATE, _H1, _HEADING, _EMPHASIS, _OPENS = 4, 3, 2, 3, 2, 1, 1, 1
THRESHOLD = 3
WEAK_THRESHOLD = 2


@dataclass(frozen=True)
class Evidence:
    """What the page and its site say about the headline, beyond the lines themselves."""

    refs: tuple[str, ...] = ()  # specific <title>/metadata headlines (folded)
    segments: tuple[str, ...] = ()  # their parts between separators (folded)
    link_texts: tuple[str, ...] = ()  # listing links to this page
    not_headlines: frozenset[str] = frozenset()  # site names, shared titles, site-wide lines (folded)
    datelines: frozenset[int] = frozenset()  # blocks that are the page's date line(s)
    container_start: int | None = None  # first block of the article's container
    text_start: int | None = None  # first line of the article's running text


def usable(block: Block, evidence: Evidence, allow_chrome: bool = False) -> bool:
    """Could this line be a headline at all?"""
    text = block.text
    if not _MIN_TITLE <= len(text) <= _MAX_TITLE or (block.chrome and not allow_chrome):
        return False
    if is_chrome_line(text) or is_breadcrumb(text) or BOX_HEADINGS.match(text):
        return False
    return fold(text) not in evidence.not_headlines and fold(text) not in GENERIC_TITLES


def score(blocks: Sequence[Block], i: int, evidence: Evidence) -> int:
    """Points of evidence that block i is the headline."""
    block = blocks[i]
    text = fold(block.text)
    points = 0
    if any(link_names(link, block.text) for link in evidence.link_texts):
        points += _LINKED
    if text in evidence.refs:
        points += _FULL_REF
    elif text in evidence.segments:
        points += _SEGMENT_REF
    if above_date(i, evidence):
        points += _ABOVE_DATE
    points += _H1 if block.tag == "h1" else _HEADING if block.tag in {"h2", "h3"} else 0
    if block.emphasis and block.tag != "h1":
        points += _EMPHASIS
    if evidence.container_start is not None and evidence.container_start - 1 <= i <= evidence.container_start:
        points += _OPENS
    if _SENTENCE_END.search(block.text) or len(block.text) > _LONG_LINE or block.link_density > 0.5:
        points -= 3  # a paragraph, a salutation ("Dear customers,") or a link to elsewhere
    return points


def text_start(blocks: Sequence[Block], container_start: int | None) -> int | None:
    """Index of the article's first line of running text."""
    if container_start is None:
        return None
    return next((i for i in range(container_start, len(blocks)) if is_prose(blocks[i]) and not blocks[i].chrome), None)


def below_text(i: int, evidence: Evidence) -> bool:
    """True for a line under the article's running text: a signature, never the headline."""
    return evidence.text_start is not None and i > evidence.text_start


def best_line(blocks: Sequence[Block], evidence: Evidence, minimum: int = THRESHOLD) -> int | None:
    """The line with most evidence, if it has at least `minimum` points.

    On a tie the line over the date line wins, else the earlier one.
    """
    best: tuple[tuple[int, bool], int] | None = None
    for i, block in enumerate(blocks[:_TITLE_SCAN]):
        if i in evidence.datelines or not usable(block, evidence, allow_chrome=block.tag == "h1"):
            continue
        if below_text(i, evidence):
            continue
        points = (score(blocks, i, evidence), above_date(i, evidence))
        if points[0] >= minimum and (best is None or points > best[0]):
            best = (points, i)
    return best[1] if best else None


def linked_line(blocks: Sequence[Block], evidence: Evidence) -> int | None:
    """The line a listing linked this page with, when one is shown (the best of several)."""
    if not evidence.link_texts:
        return None
    matching = [
        i
        for i, block in enumerate(blocks[:_TITLE_SCAN])
        if usable(block, evidence) and any(link_names(link, block.text) for link in evidence.link_texts)
    ]
    if not matching:
        return None
    return max(matching, key=lambda i: (score(blocks, i, evidence), -i))


def segment_line(blocks: Sequence[Block], evidence: Evidence) -> int | None:
    """The line equal to a whole <title>/metadata headline, else to the longest of their parts."""
    wanted = {text: rank for rank, text in enumerate([*evidence.refs, *evidence.segments])}
    best: tuple[int, int] | None = None
    for i, block in enumerate(blocks[:_TITLE_SCAN]):
        rank = wanted.get(fold(block.text))
        if rank is None or (best is not None and rank >= best[0]) or not usable(block, evidence):
            continue
        if not below_text(i, evidence):
            best = (rank, i)
    return best[1] if best else None


def above_date(i: int, evidence: Evidence) -> bool:
    """True when a date line follows the line directly."""
    return i + 1 in evidence.datelines or i + 2 in evidence.datelines
