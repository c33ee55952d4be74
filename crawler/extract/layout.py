"""Find title, date line and body among a page's blocks: shared by HTML and plain text."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .blocks import Block
from .chrome import BOX_HEADINGS, is_breadcrumb, is_chrome_line
from .dates import DateLine, find_date, parse_date_line

# How far from the title a page's date line may stand, in blocks.
_DATELINE_AFTER = 4
_DATELINE_BEFORE = 2
_MAX_TITLE = 300
# A body paragraph is mostly words, not links: above this share of link text it is navigation.
_MAX_LINK_DENSITY = 0.5
_MAX_LINK_DENSITY_PROSE = 0.8
_LONG_PARAGRAPH = 120
_SENTENCE_END = re.compile(r"[.!?。！？\"”»]\s*$")


@dataclass(frozen=True)
class Head:
    """Where the article starts: the title's block, the date line's block and what it said."""

    title_index: int | None
    dateline_index: int | None
    dateline: DateLine | None

    @property
    def body_start(self) -> int:
        """Index of the first block after the title and date line."""
        marks = [i for i in (self.title_index, self.dateline_index) if i is not None]
        return max(marks) + 1 if marks else 0


def find_dateline(blocks: Sequence[Block], title_index: int | None, limit: int = 12) -> tuple[int, DateLine] | None:
    """The date line nearest after the title (or at the top when there is no title)."""
    window: Sequence[int]
    if title_index is None:
        window = range(0, min(limit, len(blocks)))
    else:
        lo = max(0, title_index - _DATELINE_BEFORE)
        after = range(title_index + 1, min(len(blocks), title_index + 1 + _DATELINE_AFTER))
        window = [*after, *range(title_index - 1, lo - 1, -1)]
    for i in window:
        if blocks[i].chrome:
            continue
        found = parse_date_line(blocks[i].text)
        if found:
            return i, found
        if title_index is not None and i > title_index and (short := _short_dated_line(blocks[i].text)):
            return i, short
    return None


def _short_dated_line(text: str) -> DateLine | None:
    """'21.04.2024 , 20:24 Uhr' or 'Publié le 30 août 2023': a date in a few words under a headline."""
    if len(text) > 80 or len(text.split()) > 10:
        return None
    found = find_date(text)
    return DateLine(found, None) if found else None


def plain_head(blocks: Sequence[Block]) -> Head:
    """Locate the head of a page that gives no markup: the line before its date line is the title."""
    for i, block in enumerate(blocks[:15]):
        found = parse_date_line(block.text)
        if found and i > 0 and _could_be_title(blocks[i - 1].text):
            return Head(i - 1, i, found)
    title_index = first_title_like(blocks)
    dated = find_dateline(blocks, title_index) if title_index is not None else None
    if dated:
        return Head(title_index, dated[0], dated[1])
    return Head(title_index, None, None)


def first_title_like(blocks: Sequence[Block]) -> int | None:
    """Index of the first block that is neither chrome nor inside a link box."""
    in_box = False
    for i, block in enumerate(blocks):
        if BOX_HEADINGS.match(block.text):
            in_box = True
            continue
        if in_box and (block.gap_before or is_breadcrumb(block.text)):
            in_box = False
        if in_box or block.chrome or is_chrome_line(block.text) or is_breadcrumb(block.text):
            continue
        if _could_be_title(block.text):
            return i
    return None


def _could_be_title(text: str) -> bool:
    return 0 < len(text) <= _MAX_TITLE and not is_chrome_line(text) and not is_breadcrumb(text)


def _too_linked(block: Block) -> bool:
    """Mostly link text: navigation. A long paragraph of a sentence that links its sources is not."""
    if block.tag == "p" and len(block.text) >= _LONG_PARAGRAPH and _SENTENCE_END.search(block.text):
        return block.link_density > _MAX_LINK_DENSITY_PROSE
    return block.link_density > _MAX_LINK_DENSITY


def body_paragraphs(blocks: Sequence[Block], title: str | None) -> list[str]:
    """The article text among blocks that follow the head: chrome, links and repeats dropped."""
    paragraphs: list[str] = []
    seen: set[str] = set()
    repeats = Counter(block.text for block in blocks)
    for block in blocks:
        text = block.text
        if block.chrome or is_chrome_line(text) or (title and text == title):
            continue
        if text in seen or (repeats[text] >= 3 and len(text) < 80):
            continue  # a caption shown twice, a label ("Article content") between paragraphs
        seen.add(text)
        if _too_linked(block) or BOX_HEADINGS.match(text):
            continue
        paragraphs.append(text)
    return paragraphs
