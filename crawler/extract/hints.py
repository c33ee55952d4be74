"""Site evidence for extraction: what a crawler knows of a page beyond its own bytes.

A one-page extractor cannot tell a site's name from a headline when the site gives every
page the same <title>, nor a site-wide box from a paragraph. A monitor sees the whole
site: the text of the listing link that led to a page, and which lines and titles repeat
on every page. The hints carry that evidence into the pure core.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from .blocks import clean_text, text_weight

# A listing link shortened with an ellipsis still names the page by its first characters.
_ELLIPSIS = ("...", "…", "..")
# ...if that start says enough to name one page ("Notice on..." does not).
_MIN_PREFIX_WEIGHT = 16.0


def fold(text: str) -> str:
    """The form texts are compared in: whitespace collapsed, case folded.

    Lines are remembered: a page's candidate headlines are compared with every listing link
    text and a site's profile lines are folded for every page, a fifth of extraction time
    when recomputed. Paragraphs are not (they would fill the cache with whole articles).
    """
    return _fold_line(text) if len(text) <= CACHED_LINE else clean_text(text).casefold()


CACHED_LINE = 300  # characters: longer texts are computed each time


@lru_cache(maxsize=4096)
def _fold_line(text: str) -> str:
    return clean_text(text).casefold()


@dataclass(frozen=True)
class SiteProfile:
    """What repeats across a site's pages (see `build_profile`); values are compared folded.

    repeated_lines: lines of text on most of the site's pages (header, footer, boxes).
    site_titles: <title> values shared by several pages (never a headline).
    site_names: the site's own names (og:site_name, listing pages' <title>s and their parts).
    """

    repeated_lines: frozenset[str] = frozenset()
    site_titles: frozenset[str] = frozenset()
    site_names: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.repeated_lines or self.site_titles or self.site_names)


@dataclass(frozen=True)
class PageHints:
    """Evidence about one page from the rest of its site.

    link_texts: the anchor texts of the links to this page on the site's listing pages.
    profile: what repeats across the site's pages.
    """

    link_texts: tuple[str, ...] = ()
    profile: SiteProfile | None = None

    def __bool__(self) -> bool:
        return bool(self.link_texts or self.profile)


def hints_key(hints: PageHints | None) -> str:
    """A short stable hash of the hints ('' for none): equal for equal evidence, in any order.

    Pass the hints `applied_hints` kept for a page, so that what a profile learns about
    other pages does not change this page's key.
    """
    if not hints:
        return ""
    profile = hints.profile or SiteProfile()
    payload = {
        "link_texts": _sorted(hints.link_texts),
        "repeated_lines": _sorted(profile.repeated_lines),
        "site_titles": _sorted(profile.site_titles),
        "site_names": _sorted(profile.site_names),
    }
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:16]


def _sorted(values: Iterable[str]) -> list[str]:
    return sorted({fold(v) for v in values if fold(v)})


def link_names(link_text: str, line: str) -> bool:
    """True when a listing link's text names this line: the same text, or its shortened start."""
    link, text = fold(link_text), fold(line)
    if not link or not text:
        return False
    if link == text:
        return True
    for mark in _ELLIPSIS:
        if link.endswith(mark):
            stem = link[: -len(mark)].rstrip()
            return text_weight(stem) >= _MIN_PREFIX_WEIGHT and text.startswith(stem)
    return False


def applied_hints(hints: PageHints | None, page_texts: Iterable[str]) -> PageHints | None:
    """The part of the hints that can matter for a page whose texts (lines, titles, names) are given.

    Extraction only compares hints with texts of the page, so what is left out here cannot
    change the result; the key of the applied hints changes only when this page's does.
    """
    if not hints:
        return None
    texts = [t for t in page_texts if t]
    folded = {fold(t) for t in texts}
    links = tuple(sorted({fold(t) for t in hints.link_texts if any(link_names(t, line) for line in texts)}))
    profile = hints.profile
    kept = None
    if profile:
        kept = SiteProfile(
            repeated_lines=frozenset(v for v in map(fold, profile.repeated_lines) if v in folded),
            site_titles=frozenset(v for v in map(fold, profile.site_titles) if v in folded),
            site_names=frozenset(v for v in map(fold, profile.site_names) if v in folded),
        )
    result = PageHints(links, kept if kept else None)
    return result if result else None
