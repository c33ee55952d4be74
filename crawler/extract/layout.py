"""Find title, date line and body among a page's blocks: shared by HTML and plain text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .blocks import Block, is_prose
from .chrome import BOX_HEADINGS, is_breadcrumb, is_chrome_line
from .dates import DateLine, find_date, parse_date_line
from .headline import Evidence, linked_line, usable

# How far from the title a page's date line may stand, in blocks.
_DATELINE_AFTER = 4
_DATELINE_BEFORE = 2
_TOP = 200
# A signed date closes the text: no prose follows it within this many blocks.
_SIGNED_TAIL = 12
# A signed date is among the last lines of the text (an attachment list may follow it).
_SIGNED_LINES = 4


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


def is_signed_date(blocks: Sequence[Block], i: int, since: int = 0) -> bool:
    """A bare date after the text it closes ('China Quality Certification Centre', '12. 29. 2020').

    It follows prose (after `since`) and no prose follows it: the notice's signed date,
    which is article text, not the page's date line.
    """
    earlier = [b for b in blocks[since:i] if not b.chrome]
    if not earlier or is_prose(earlier[-1]) or not any(is_prose(b) for b in earlier):
        return False  # no text to close, or no signature line over the date
    return not any(is_prose(b) for b in blocks[i + 1 : i + 1 + _SIGNED_TAIL] if not b.chrome)


def head_datelines(blocks: Sequence[Block]) -> dict[int, DateLine]:
    """The date lines near the top that may be the page's own (signed dates left out)."""
    found: dict[int, DateLine] = {}
    for i, block in enumerate(blocks[:_TOP]):
        if block.chrome or len(block.text) > 160:
            continue
        dated = parse_date_line(block.text)
        if dated and not (dated.bare and is_signed_date(blocks, i)):
            found[i] = dated
    return found


def signed_date(body: Sequence[Block]) -> date | None:
    """The date a notice is signed with, among the last lines of its body."""
    for i in range(len(body) - 1, max(-1, len(body) - 1 - _SIGNED_LINES), -1):
        dated = parse_date_line(body[i].text)
        if dated is not None and dated.bare and is_signed_date(body, i):
            return dated.published
    return None


def find_dateline(blocks: Sequence[Block], title_index: int | None, limit: int = 12) -> tuple[int, DateLine] | None:
    """The date line nearest after the title (or at the top when there is no title)."""
    window: Sequence[int]
    if title_index is None:
        window = range(0, min(limit, len(blocks)))
    else:
        lo = max(0, title_index - _DATELINE_BEFORE)
        after = range(title_index + 1, min(len(blocks), title_index + 1 + _DATELINE_AFTER))
        window = [*after, *range(title_index - 1, lo - 1, -1)]
    since = title_index + 1 if title_index is not None else 0
    for i in window:
        if blocks[i].chrome:
            continue
        found = parse_date_line(blocks[i].text)
        if found is None and title_index is not None and i > title_index:
            found = _short_dated_line(blocks[i].text)
        if found is None or (found.bare and i >= since and is_signed_date(blocks, i, since)):
            continue
        return i, found
    return None


def _short_dated_line(text: str) -> DateLine | None:
    """'21.04.2024 , 20:24 Uhr' or 'Publié le 30 août 2023': a date in a few words under a headline."""
    if len(text) > 80 or len(text.split()) > 10:
        return None
    found = find_date(text)
    return DateLine(found, None, bare=True) if found else None


def plain_head(blocks: Sequence[Block], evidence: Evidence) -> Head:
    """The head of a page without markup: header lines, the title, an optional date line, the body.

    The title is the line a listing linked the page with, else the line over the page's
    date line when only header lines stand before it, else the first line that is not
    header chrome. A notice dated only at its end keeps its signed date in the body.
    """
    title_index = linked_line(blocks, evidence)
    if title_index is None:
        title_index = _over_dateline(blocks, evidence)
    if title_index is None:
        title_index = first_title_like(blocks, evidence)
    dated = find_dateline(blocks, title_index) if title_index is not None else None
    if dated:
        return Head(title_index, dated[0], dated[1])
    return Head(title_index, None, None)


def _over_dateline(blocks: Sequence[Block], evidence: Evidence) -> int | None:
    for i in sorted(evidence.datelines):
        above = i - 1
        if above < 0 or any(is_prose(b) for b in blocks[:above]):
            return None
        if usable(blocks[above], evidence):
            return above
    return None


def first_title_like(blocks: Sequence[Block], evidence: Evidence) -> int | None:
    """Index of the first block that is neither chrome, nor a site name, nor inside a link box."""
    in_box = False
    for i, block in enumerate(blocks):
        if BOX_HEADINGS.match(block.text):
            in_box = True
            continue
        if in_box and (block.gap_before or is_breadcrumb(block.text)):
            in_box = False
        if in_box or block.chrome or is_chrome_line(block.text) or is_breadcrumb(block.text):
            continue
        if usable(block, evidence):
            return i
    return None
