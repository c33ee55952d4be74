"""Plain-text pages: one line a block, as the seed renderings are written."""

from __future__ import annotations

from .blocks import Block, clean_text


def text_blocks(text: str) -> list[Block]:
    """Each non-empty line of text as a block, remembering blank lines before it."""
    blocks: list[Block] = []
    gap = False
    for raw in text.splitlines():
        line = clean_text(raw)
        if not line:
            gap = True
            continue
        blocks.append(Block(text=line, tag="p", gap_before=gap))
        gap = False
    return blocks
