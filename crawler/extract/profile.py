"""build_profile(): learn from a site's pages which lines and <title>s repeat (pure, bounded)."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from common.urls import url_key

from .core import is_plain_page, page_text
from .hints import SiteProfile, fold
from .html import blocks_of, parse
from .meta import read_meta
from .text import text_blocks
from .title import title_segments

# How many pages the profile reads: a fixed, order-independent sample (the pages whose
# address hashes lowest), so a site of thousands of pages costs as much as one of a hundred.
SAMPLE_SIZE = 100
_MAX_LINES = 400  # distinct lines kept per sampled page
_MAX_LINE = 500  # longer lines are prose, never site chrome
# A line on at least this share of the sampled pages (and on 3 at least) is site chrome.
_LINE_SHARE = 0.5
_MIN_PAGES = 3
_MAX_NAMES = 200


@dataclass(frozen=True)
class SitePage:
    """One page of a site: its bytes (or decoded text), address and Content-Type."""

    page: bytes | str
    url: str
    content_type: str | None = None


@dataclass(frozen=True)
class PageRank:
    """Where a page stands in a site's sample: its URL key, and the hashes that rank it."""

    key: str
    rank: tuple[str, str]


@dataclass(frozen=True)
class Sampled:
    """What the profile keeps of one sampled page: its distinct lines, <title> and site name, folded."""

    key: str
    rank: tuple[str, str]
    lines: frozenset[str]
    title: str | None
    site_name: str | None


class ProfileBuilder:
    """Accumulates pages into a profile; add pages as they arrive, read `profile()` any time."""

    def __init__(self, sample_size: int = SAMPLE_SIZE):
        self.sample_size = sample_size
        self._sample: dict[str, Sampled] = {}
        self._listing_names: set[str] = set()

    def add(self, page: bytes | str, url: str, content_type: str | None = None) -> None:
        """Learn from one article page (another version of a known address replaces it only by rank)."""
        wanted = self.wants(page, url)
        if wanted is not None:
            self.keep(read_sample(page, content_type, wanted))

    def wants(self, page: bytes | str, url: str) -> PageRank | None:
        """The page's rank when the sample would take it (read it with `read_sample`, then
        `keep` what that returns: the reading may happen in another process); None when not."""
        key = url_key(url)  # www. or not, http or https: one page
        rank = PageRank(
            key,
            (_digest(key.encode("utf-8")), _digest(page.encode("utf-8", "replace") if isinstance(page, str) else page)),
        )
        known = self._sample.get(key)
        if known is not None and known.rank <= rank.rank:
            return None
        if known is None and len(self._sample) >= self.sample_size and rank.rank >= self._worst():
            return None
        return rank

    def keep(self, sampled: Sampled) -> None:
        """Take a page `read_sample` read into the sample (unless a better-ranked version came meanwhile)."""
        known = self._sample.get(sampled.key)
        if known is not None and known.rank <= sampled.rank:
            return
        self._sample[sampled.key] = sampled
        if len(self._sample) > self.sample_size:
            worst = max(self._sample, key=lambda k: self._sample[k].rank)
            del self._sample[worst]

    @property
    def sampled(self) -> int:
        """How many pages the profile is read from (at most `sample_size`)."""
        return len(self._sample)

    def add_listing_title(self, title: str) -> None:
        """A listing page's <title> names the site (or a section of it): never a headline."""
        for name in [title, *title_segments([title])]:
            if fold(name):
                self._listing_names.add(fold(name))
        while len(self._listing_names) > _MAX_NAMES:  # keep the same names whatever the order
            self._listing_names.remove(max(self._listing_names))

    def profile(self) -> SiteProfile:
        """What the pages seen so far share."""
        pages = list(self._sample.values())
        need = max(_MIN_PAGES, math.ceil(_LINE_SHARE * len(pages)))
        lines = Counter(line for page in pages for line in page.lines)
        titles = Counter(page.title for page in pages if page.title)
        return SiteProfile(
            repeated_lines=frozenset(line for line, n in lines.items() if n >= need),
            site_titles=frozenset(title for title, n in titles.items() if n >= _MIN_PAGES),
            site_names=frozenset(self._listing_names | {p.site_name for p in pages if p.site_name}),
        )

    def _worst(self) -> tuple[str, str]:
        return max(page.rank for page in self._sample.values())


def build_profile(
    pages: Iterable[SitePage], listing_titles: Iterable[str] = (), sample_size: int = SAMPLE_SIZE
) -> SiteProfile:
    """The profile of a site from its article pages and its listing pages' <title>s."""
    builder = ProfileBuilder(sample_size)
    for page in pages:
        builder.add(page.page, page.url, page.content_type)
    for title in listing_titles:
        builder.add_listing_title(title)
    return builder.profile()


def page_title(page: bytes | str, url: str, content_type: str | None = None) -> str | None:
    """The <title> of a page (for a listing page's title)."""
    text = page_text(page, content_type)
    if text is None or is_plain_page(text, content_type):
        return None
    return read_meta(parse(text)).title_tag


def read_sample(page: bytes | str, content_type: str | None, rank: PageRank) -> Sampled:
    """Read a page the sample wants (`ProfileBuilder.wants`): parsed and flattened, pure."""
    text = page_text(page, content_type)
    if text is None:
        return Sampled(rank.key, rank.rank, frozenset(), None, None)
    if is_plain_page(text, content_type):
        return Sampled(rank.key, rank.rank, _distinct(b.text for b in text_blocks(text)), None, None)
    root = parse(text)
    meta = read_meta(root)
    lines = _distinct(b.text for b in blocks_of(root))
    title = fold(meta.title_tag) if meta.title_tag else None
    return Sampled(rank.key, rank.rank, lines, title, fold(meta.site_name) if meta.site_name else None)


def _distinct(texts: Iterable[str]) -> frozenset[str]:
    kept: dict[str, None] = {}
    for text in texts:
        if len(text) <= _MAX_LINE:
            kept.setdefault(fold(text))
            if len(kept) >= _MAX_LINES:
                break
    return frozenset(kept)


def _digest(value: bytes) -> str:
    return hashlib.sha1(value).hexdigest()
