"""Plain-text pages: one line a block, as the seed renderings are written."""

from __future__ import annotations

from .blocks import Block, clean_text
from .layout import Head, body_paragraphs, plain_head


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


def read_plain(text: str) -> tuple[str | None, Head, list[str]]:
    """Title, head and body paragraphs of a plain-text page."""
    blocks = text_blocks(text)
    head = plain_head(blocks)
    title = blocks[head.title_index].text if head.title_index is not None else None
    body = body_paragraphs(blocks[head.body_start :], title)
    return title, head, body
