"""Blocks: a page flattened into lines of text, the unit every later step reasons about."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Prose: a sentence of some length, or a long line.
_PROSE_WEIGHT = 60.0
_PROSE_LONG = 150
_PROSE_END = re.compile(r"[.!?。！？\"”»）)]\s*$")
# Everything but Chinese, Japanese and Korean characters: what is left after cutting it is counted.
_NOT_CJK = re.compile(r"[^\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]+")


@dataclass(frozen=True)
class Link:
    """A link inside a block: its text and its href as written (relative or absolute)."""

    text: str
    href: str


@dataclass
class Block:
    """One line of page text with what is known of where it stood."""

    text: str
    tag: str = "p"
    link_chars: int = 0
    path: tuple[int, ...] = field(default_factory=tuple)  # numbers of the enclosing block elements
    chrome: bool = False  # inside an element marked as site chrome
    gap_before: bool = False  # a blank line before it (plain-text pages)
    emphasis: bool = False  # set in bold, a large font or an element named like a title
    links: tuple[Link, ...] = ()

    @property
    def link_density(self) -> float:
        """Share of the text that is link text."""
        return self.link_chars / len(self.text) if self.text else 0.0

    @property
    def is_heading(self) -> bool:
        """True for h1 to h6."""
        return len(self.tag) == 2 and self.tag[0] == "h" and self.tag[1].isdigit()


def clean_text(text: str) -> str:
    """Collapse whitespace (including no-break and ideographic spaces) and trim."""
    # No Unicode normalization here: the text stays as the page wrote it (the store's
    # fingerprint normalizes, so composed and decomposed forms are still the same version).
    # str.split() splits at exactly the characters str.isspace() and a regex's \s name.
    return " ".join(text.replace("\u200b", "").replace("\ufeff", "").split())


def text_weight(text: str) -> float:
    """Length in Latin-equivalent characters: a Chinese, Japanese or Korean character says about as much as 2.5."""
    if text.isascii():
        return float(len(text))
    return len(text) + 1.5 * len(_NOT_CJK.sub("", text))


def is_prose(block: Block) -> bool:
    """A line of running text: long, or a sentence of some length, and not a row of links."""
    text = block.text
    if block.link_density > 0.5:
        return False
    return len(text) >= _PROSE_LONG or (text_weight(text) >= _PROSE_WEIGHT and _PROSE_END.search(text) is not None)
