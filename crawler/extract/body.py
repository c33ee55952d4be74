"""The article's body: its lines after the head, less chrome, link rows, repeats and site-wide lines."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .attachments import document_links
from .blocks import Block
from .chrome import BOX_HEADINGS, is_chrome_line
from .dates import find_date, parse_date_line
from .hints import fold
from .layout import Head

# A body paragraph is mostly words, not links: above this share of link text it is navigation.
_MAX_LINK_DENSITY = 0.5
_MAX_LINK_DENSITY_PROSE = 0.8
_LONG_PARAGRAPH = 120
_SENTENCE_END = re.compile(r"[.!?。！？\"”»]\s*$")
_SALUTATION = re.compile(r"[,:：，]$")
_SHORT = 60
_SIGNATURE_LINES = 3
_LEAD_CHARS = 60
# Attachments listed in their own box just after the article text still belong to it.
_ATTACHMENT_TAIL = 6
_ATTACHMENT_LABEL = re.compile(
    r"^(?:附件|相关附件|附件下载|attachments?|annex(?:es)?|downloads?)\s*\d*\s*[:：]?$", re.I
)


def article_blocks(blocks: list[Block], members: list[bool], head: Head) -> list[Block]:
    """The article's blocks (its container and strong siblings) after its title and date line."""
    inside = [i for i, member in enumerate(members) if member]
    if not inside:
        return []
    start = inside[0]
    head_end = start
    if head.title_index is not None or head.dateline_index is not None:
        head_end = head.body_start
        if not start <= head_end <= inside[-1] + 1:
            head_end = start
        elif head.title_index is not None and start <= head.title_index:
            start = head.title_index + 1
        else:
            start = head_end
    # Between the headline and the date line only a lead paragraph is article text;
    # bylines, kickers and reading times are not.
    chosen = [
        i
        for i in inside
        if i >= head_end or (start <= i < head_end and i != head.dateline_index and _is_lead(blocks[i].text))
    ]
    return [blocks[i] for i in chosen + _attachment_tail(blocks, inside[-1])]


def _attachment_tail(blocks: list[Block], last: int) -> list[int]:
    """Blocks just after the article that list its attachments (a box of their own)."""
    tail: list[int] = []
    for i in range(last + 1, min(len(blocks), last + 1 + _ATTACHMENT_TAIL)):
        block = blocks[i]
        if block.chrome:
            break
        if document_links(block) or _ATTACHMENT_LABEL.match(block.text):
            tail.append(i)
        else:
            break
    while tail and not document_links(blocks[tail[-1]]):
        tail.pop()  # a label with nothing under it
    return tail


def _is_lead(text: str) -> bool:
    return len(text) >= _LEAD_CHARS


def _too_linked(block: Block) -> bool:
    """Mostly link text: navigation. A long paragraph of a sentence that links its sources is not."""
    if block.tag == "p" and len(block.text) >= _LONG_PARAGRAPH and _SENTENCE_END.search(block.text):
        return block.link_density > _MAX_LINK_DENSITY_PROSE
    return block.link_density > _MAX_LINK_DENSITY


def body_blocks(blocks: Sequence[Block], title: str | None, site_lines: frozenset[str] = frozenset()) -> list[Block]:
    """The blocks that are article text among those following the head.

    A line that repeats across the site's pages (`site_lines`, from the site profile) is
    chrome here too, except a notice's salutation and the signature over its signed date.
    """
    kept: list[Block] = []
    seen: set[str] = set()
    repeats = Counter(block.text for block in blocks)
    site_wide = _site_wide(blocks, site_lines)
    for i, block in enumerate(blocks):
        text = block.text
        if block.chrome or is_chrome_line(text) or (title and text == title) or i in site_wide:
            continue
        if text in seen or (repeats[text] >= 3 and len(text) < 80):
            continue  # a caption shown twice, a label ("Article content") between paragraphs
        seen.add(text)
        if (_too_linked(block) and not document_links(block)) or BOX_HEADINGS.match(text):
            continue  # an attachment line ("附件：<a>….pdf</a>") is all link, and article text
        kept.append(block)
    return kept


def body_paragraphs(blocks: Sequence[Block], title: str | None, site_lines: frozenset[str] = frozenset()) -> list[str]:
    """The article's paragraphs among blocks that follow the head."""
    return [block.text for block in body_blocks(blocks, title, site_lines)]


def _site_wide(blocks: Sequence[Block], site_lines: frozenset[str]) -> set[int]:
    """Indexes of the lines the profile knows as site-wide, less a salutation and a signature."""
    if not site_lines:
        return set()
    marked = {i for i, block in enumerate(blocks) if fold(block.text) in site_lines}
    first = next((i for i, b in enumerate(blocks) if not b.chrome and not is_chrome_line(b.text)), None)
    if first in marked and len(blocks[first].text) <= _SHORT and _SALUTATION.search(blocks[first].text):
        marked.discard(first)
    for i in sorted(marked):
        end = i
        while end + 1 in marked and end + 1 - i < _SIGNATURE_LINES:
            end += 1
        if end + 1 < len(blocks) and _is_date_only(blocks[end + 1].text) and end - i < _SIGNATURE_LINES:
            marked.difference_update(range(i, end + 1))
    return marked


def _is_date_only(text: str) -> bool:
    dated = parse_date_line(text)
    return (dated is not None and dated.bare) or (len(text) <= 20 and find_date(text) is not None)
