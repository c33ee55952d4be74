"""What one crawl learns about its site beyond single pages: listing link texts, listing
titles and the site profile, handed to the extraction core as page hints."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from crawler.extract import PageHints, ProfileBuilder, SiteProfile
from crawler.extract.profile import PageRank, Sampled, read_sample

if TYPE_CHECKING:
    from crawler.siteview import SiteView

# A site seen for the first time has no profile yet: its first pages are held (not read)
# until this many have arrived, or no other page can come, and the profile is learned
# from them, so even the first digest never shows a site's name as a headline.
WARMUP_PAGES = 20
WARMUP_MAX_SECONDS = 10.0  # a listing page that never answers must not hold the crawl
_POLL_SECONDS = 0.1


# Reads a page for the site profile: (page, content type, its rank) -> what the sample keeps.
ReadSample = Callable[[bytes, str | None, PageRank], Awaitable[Sampled]]


async def _read_here(page: bytes, content_type: str | None, rank: PageRank) -> Sampled:
    return read_sample(page, content_type, rank)


class SiteEvidence:
    """Link texts, listing titles and the site profile of one crawl of one site."""

    def __init__(self, profile: SiteProfile | None, listing_titles: Iterable[str] = ()):
        self.profile = profile
        self.listing_titles: set[str] = set(listing_titles)
        self.link_texts: dict[str, list[str]] = defaultdict(list)
        self._builder = ProfileBuilder() if profile is None else None
        self.held = 0

    @classmethod
    def from_view(cls, view: SiteView | None) -> SiteEvidence:
        """The evidence a crawl starts from: the site's stored profile, if it has one."""
        if view is None:
            return cls(None)
        profile, titles = view.profile()
        return cls(profile, titles)

    def add_link(self, key: str, text: str) -> None:
        """A listing linked the article with this text (kept once, in the order seen)."""
        text = " ".join(text.split())
        if text and text not in self.link_texts[key]:
            self.link_texts[key].append(text)

    def add_listing_title(self, title: str | None) -> None:
        """A listing page's <title>: the site's (or a section's) name, never a headline."""
        if title:
            self.listing_titles.add(title)

    def links_of(self, key: str) -> tuple[str, ...]:
        """The link texts that led to an article in this crawl."""
        return tuple(self.link_texts.get(key, ()))

    async def hints(
        self,
        key: str,
        page: bytes,
        url: str,
        content_type: str | None,
        nothing_else_coming: Callable[[], bool],
        read: ReadSample = _read_here,
    ) -> PageHints | None:
        """The hints for one page; while a new site's profile is being learned, wait for it.

        `read` reads a page for the profile (the crawl passes its extraction pool's: a parse
        on the reactor thread would hold every download meanwhile).
        """
        if self._builder is not None and self.profile is None:
            rank = self._builder.wants(page, url)
            if rank is not None:
                sampled = await read(page, content_type, rank)
                if self.profile is None:  # (else learned while this page was read)
                    self._builder.keep(sampled)
            self.held += 1  # once read: the profile is learned from every page held
            waited = 0.0
            while self.profile is None:
                if self.held >= WARMUP_PAGES or nothing_else_coming() or waited >= WARMUP_MAX_SECONDS:
                    self._learned()
                    break
                await asyncio.sleep(_POLL_SECONDS)
                waited += _POLL_SECONDS
        hints = PageHints(self.links_of(key), self.profile)
        return hints if hints else None

    def _learned(self) -> None:
        assert self._builder is not None
        for title in sorted(self.listing_titles):
            self._builder.add_listing_title(title)
        self.profile = self._builder.profile()
