"""The article's language: from the page's declaration, else a cheap script-based guess."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "that",
        "for",
        "with",
        "was",
        "on",
        "as",
        "by",
        "are",
        "be",
        "this",
        "it",
        "from",
        "at",
    ]
)
_GERMAN = frozenset(
    [
        "der",
        "die",
        "und",
        "das",
        "ist",
        "nicht",
        "mit",
        "den",
        "von",
        "sich",
        "auch",
        "ein",
        "eine",
        "für",
        "auf",
        "dem",
    ]
)


def detect_language(sample: str, declared: str | None) -> str | None:
    """A primary language subtag such as 'en' or 'zh', or None when unsure.

    The page's declaration wins, except where the text plainly contradicts it between
    Chinese and a Latin-script language: sites such as CQC serve their English pages from
    the Chinese site's template, lang="zh-CN" and all.
    """
    guess = _guess(sample)
    primary = _primary(declared)
    if primary is None:
        return guess
    if guess is not None and (guess == "zh") != (primary == "zh"):
        return guess
    return primary


def _primary(declared: str | None) -> str | None:
    if not declared:
        return None
    primary = declared.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _guess(sample: str) -> str | None:
    if not sample:
        return None
    cjk = len(_CJK.findall(sample))
    if cjk / max(len(sample), 1) > 0.2:
        return "zh"
    words = [w.lower() for w in _LATIN_WORD.findall(sample)]
    if len(words) < 5:
        return None
    english = sum(w in _ENGLISH for w in words) / len(words)
    german = sum(w in _GERMAN for w in words) / len(words)
    if english > 0.08 and english > german:
        return "en"
    if german > 0.08:
        return "de"
    return None
