"""How text enters the search index: words for Latin scripts, one word per CJK character.

SQLite's unicode61 tokenizer splits text at punctuation and spaces, but reads a run of
Chinese characters — `年度CCC认证` — as one word, and `GB/T19001` as `gb` and `t19001`.
Spaced out first (`年 度 CCC 认 证`, `GB/T 19001`), every Chinese character and every run of
letters or digits is a word, so `CCC`, `认证` (a phrase of two words) and `GB/T 19001-2016`
(the phrase `gb t 19001 2016`) are all found, for about a sixth of what a trigram index of
the same text costs to build and store.
"""

from __future__ import annotations

import re

# Chinese, Japanese kana and Korean syllables: scripts written without spaces between words.
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
# Codes glue letters to digits (`GB/T19001`, `C01`); the two sides are words of their own.
# Found from the digit runs: a zero-width pattern tried at every position of a 15,000-character
# body cost 0.45 ms a page, a third of storing it.
_DIGITS = re.compile(r"[0-9]+")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_WORD = re.compile(r"[^\W_]+")


def index_text(text: str | None) -> str:
    """Text spaced as the index reads it (registered in SQLite as nw_index_text for the triggers)."""
    if not text:
        return ""
    # A run of CJK characters is spaced out in one step (a callback per character is 10× slower).
    spaced = _CJK_RUN.sub(lambda run: f" {' '.join(run.group(0))} ", text)
    return _split_letters_from_digits(spaced)


def _split_letters_from_digits(text: str) -> str:
    """A space wherever an ASCII letter meets a digit (`GB/T19001` → `GB/T 19001`), nowhere else."""
    parts: list[str] = []
    last = 0
    for run in _DIGITS.finditer(text):
        start, end = run.span()
        if start > 0 and text[start - 1] in _ASCII_LETTERS:
            parts += (text[last:start], " ")
            last = start
        if end < len(text) and text[end] in _ASCII_LETTERS:
            parts += (text[last:end], " ")
            last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def words(text: str) -> list[str]:
    """The index's words of a text, lower-cased: what a query must find, in order."""
    return [w.casefold() for w in _WORD.findall(index_text(text))]


def is_partial_word(word: str) -> bool:
    """A Latin word a user may have typed only the start of (`certif`): matched as a prefix."""
    return word.isalpha() and not _CJK.fullmatch(word)
