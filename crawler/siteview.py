"""What a crawl reads about its site before and while it crawls: known articles (for
re-checks and identity), their attachments, the site profile, and whether a stored page
was whole. Two sources behind one interface: the store itself (one machine), or a
snapshot of it that a distributed crawl job carries (no worker opens the SQLite file)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlite_utils import Database

from crawler.extract import SiteProfile
from crawler.integrity import is_unclosed
from crawler.site_profile import profile_data, profile_from_data, stored_profile
from store.attachments import articles_with_attachments, known_attachments
from store.listings import Listing, remembered_listings
from store.queries import current_page, known_articles, known_keys
from store.snapshot import current_pages, site_attachments, site_keys


class SiteView(Protocol):
    """The store as one crawl of one site sees it."""

    def known_keys(self) -> set[str]:
        """Every URL key leading to one of the site's articles (their own and their aliases)."""
        ...

    def known_articles(self) -> list[dict[str, Any]]:
        """Key, URL, first seen, last checked, validators and link texts of each known article."""
        ...

    def attachments(self, key: str) -> list[dict[str, Any]]:
        """The known attachments of the article a URL key identifies (with validators)."""
        ...

    def with_attachments(self) -> set[str]:
        """The keys of the site's articles that have attachments (the rest need no lookup)."""
        ...

    def profile(self) -> tuple[SiteProfile | None, tuple[str, ...]]:
        """The site's stored profile and the listing titles it was built with."""
        ...

    def stored_page_whole(self, key: str) -> bool | None:
        """Whether the stored current page of that article closes its document; None without one."""
        ...

    def listings(self) -> dict[str, Listing]:
        """The site's listing pages as last read whole, by URL (validators and links)."""
        ...


class StoreView:
    """The site as the store says, read when asked (the crawl runs next to the store)."""

    def __init__(self, db: Database, site: str):
        self.db = db
        self.site = site

    def known_keys(self) -> set[str]:
        return known_keys(self.db, self.site)

    def known_articles(self) -> list[dict[str, Any]]:
        return known_articles(self.db, self.site)

    def attachments(self, key: str) -> list[dict[str, Any]]:
        return known_attachments(self.db, key)

    def with_attachments(self) -> set[str]:
        return articles_with_attachments(self.db, self.site)

    def profile(self) -> tuple[SiteProfile | None, tuple[str, ...]]:
        return stored_profile(self.db, self.site)

    def stored_page_whole(self, key: str) -> bool | None:
        page = current_page(self.db, key)
        return None if page is None else not is_unclosed(page)

    def listings(self) -> dict[str, Listing]:
        return remembered_listings(self.db, self.site)


@dataclass
class SiteSnapshot:
    """The same answers, read from the store at once and carried to a worker as JSON."""

    site: str
    keys: dict[str, str] = field(default_factory=dict)  # any URL key -> the article's own key
    articles: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # article key -> attachments
    profile_data: dict[str, Any] | None = None
    listing_titles: tuple[str, ...] = ()
    whole: dict[str, bool] = field(default_factory=dict)  # article key -> its stored page closes its document

    @classmethod
    def read(cls, db: Database, site: str) -> SiteSnapshot:
        """Everything a crawl of the site reads, from the store, now."""
        profile, titles = stored_profile(db, site)
        return cls(
            site=site,
            keys=site_keys(db, site),
            articles=known_articles(db, site),
            files=site_attachments(db, site),
            profile_data=profile_data(profile) if profile is not None else None,
            listing_titles=titles,
            whole={key: not is_unclosed(raw) for key, raw in current_pages(db, site) if raw is not None},
        )

    def known_keys(self) -> set[str]:
        return set(self.keys)

    def known_articles(self) -> list[dict[str, Any]]:
        return list(self.articles)

    def attachments(self, key: str) -> list[dict[str, Any]]:
        return [dict(row) for row in self.files.get(self.keys.get(key, key), [])]

    def with_attachments(self) -> set[str]:
        return set(self.files)

    def profile(self) -> tuple[SiteProfile | None, tuple[str, ...]]:
        if self.profile_data is None:
            return None, ()
        return profile_from_data(self.profile_data), tuple(self.listing_titles)

    def stored_page_whole(self, key: str) -> bool | None:
        return self.whole.get(self.keys.get(key, key))

    def listings(self) -> dict[str, Listing]:
        return {}  # a distributed crawl reads every listing page whole (the writer keeps none)

    def to_json(self) -> str:
        """The snapshot as JSON text."""
        data = {
            "site": self.site,
            "keys": self.keys,
            "articles": self.articles,
            "files": self.files,
            "profile": self.profile_data,
            "listing_titles": list(self.listing_titles),
            "whole": self.whole,
        }
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> SiteSnapshot:
        """The snapshot to_json() wrote."""
        data = json.loads(text)
        return cls(
            site=data["site"],
            keys=data["keys"],
            articles=data["articles"],
            files=data["files"],
            profile_data=data["profile"],
            listing_titles=tuple(data["listing_titles"]),
            whole=data["whole"],
        )
