"""The headline: the page's own heading, confirmed by its metadata where possible."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .blocks import Block
from .chrome import is_breadcrumb, is_chrome_line
from .meta import Meta

# "Headline - Site Name", "Headline | Site", "Headline_CQC" …
_TITLE_SEPARATORS = re.compile(
    r"\s+(?:[-|–—:•·»]|--|::)\s+|\s*[|_｜]\s*|(?<=[\u4e00-\u9fff\uff09）])\s*[-–—]\s*(?=[\u4e00-\u9fff])"
)
_MAX_TITLE = 300
# Only the top of the page is searched for a block that repeats the <title>.
_TITLE_SCAN = 200


def choose_title(meta: Meta, blocks: Sequence[Block]) -> tuple[str | None, int | None]:
    """The title text and the index of the block that shows it (None when not shown)."""
    refs = [r for r in [*meta.headlines, meta.title_tag] if r]
    refs_lower = [r.lower() for r in refs]
    # An <h1> that agrees with the metadata is the headline even inside a chrome-named element.
    headings = [(i, b) for i, b in enumerate(blocks) if b.tag == "h1" and _usable(b, allow_chrome=True)]
    for i, block in headings:
        if block.text in meta.headlines:
            return block.text, i
    # The article's structured headline is what its editors titled it; SEO and social
    # titles (og:, twitter:) and <h1>s with a kicker glued on differ more often.
    for headline in meta.ld_headlines:
        if 0 < len(headline) <= _MAX_TITLE and not headline.endswith(("...", "…")):
            return headline, _index_of(blocks, headline)
    for i, block in headings:
        low = block.text.lower()
        if any(low in ref or ref in low for ref in refs_lower):
            return block.text, i
    segments = _title_segments(refs)
    found = _block_matching(blocks, segments)
    if found is not None:
        return blocks[found].text, found
    if meta.headlines:
        headline = meta.headlines[0]
        return headline, _index_of(blocks, headline)
    if headings:
        i, block = headings[0]
        return block.text, i
    for level in ("h2", "h3"):
        for i, block in enumerate(blocks[:_TITLE_SCAN]):
            if block.tag == level and _usable(block):
                return block.text, i
    if segments:
        return segments[0], None
    return None, None


def _usable(block: Block, allow_chrome: bool = False) -> bool:
    text = block.text
    if not 0 < len(text) <= _MAX_TITLE or (block.chrome and not allow_chrome):
        return False
    return not is_chrome_line(text) and not is_breadcrumb(text)


def _title_segments(refs: Sequence[str]) -> list[str]:
    """Whole references first, then their parts split at separators, longest first."""
    segments: list[str] = []
    for ref in refs:
        if ref not in segments:
            segments.append(ref)
    parts: list[str] = []
    for ref in refs:
        for part in _TITLE_SEPARATORS.split(ref):
            part = part.strip()
            if len(part) >= 4 and part not in segments and part not in parts:
                parts.append(part)
    return segments + sorted(parts, key=len, reverse=True)


def _block_matching(blocks: Sequence[Block], segments: Sequence[str]) -> int | None:
    wanted = {s.lower(): rank for rank, s in enumerate(segments)}
    best: tuple[int, int] | None = None
    for i, block in enumerate(blocks[:_TITLE_SCAN]):
        rank = wanted.get(block.text.lower())
        if rank is not None and _usable(block) and (best is None or rank < best[0]):
            best = (rank, i)
    return best[1] if best else None


def _index_of(blocks: Sequence[Block], text: str) -> int | None:
    """The block showing the title: the same text, else an <h1> containing it or contained in it."""
    low = text.lower()
    for i, block in enumerate(blocks[:_TITLE_SCAN]):
        if block.text.lower() == low:
            return i
    for i, block in enumerate(blocks):
        heading = block.text.lower()
        if block.tag == "h1" and heading and (heading in low or low in heading):
            return i
    return None
