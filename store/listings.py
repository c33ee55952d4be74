"""Listing pages remembered between crawls: their validators and the links they held.

A listing page that answers 304 to its validators holds what it held when last read whole,
so the crawl follows the links remembered for it instead of reading it again: every link as
Scrapy's extractor read it, with its text, so the registry as it is at the next crawl decides
which of them are articles or listing pages to follow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .db import write


@dataclass(frozen=True)
class Listing:
    """One listing page as last read whole: validators, <title>, its links (URL, text) in page order."""

    url: str
    etag: str | None
    last_modified: str | None
    title: str | None
    links: tuple[tuple[str, str], ...]
    read_at: str | None = None  # when it was last read whole (ISO 8601, UTC)


def remembered_listings(db: Database, site: str) -> dict[str, Listing]:
    """The site's listing pages by URL (the clean form the crawl requests)."""
    rows = db.query("SELECT url, etag, last_modified, title, links, read_at FROM listings WHERE site = ?", [site])
    return {row["url"]: _listing(row) for row in rows}


def remember_listings(db: Database, site: str, listings: list[Listing], at: str) -> None:
    """Keep listing pages as read whole (replacing what was kept of each), in one transaction;
    `at` stands for when a page was read if the Listing does not say."""
    rows = [
        [
            site,
            x.url,
            x.etag,
            x.last_modified,
            x.title,
            json.dumps([list(k) for k in x.links], ensure_ascii=False),
            x.read_at or at,
        ]
        for x in listings
    ]
    with write(db):
        db.conn.executemany(
            "INSERT INTO listings (site, url, etag, last_modified, title, links, read_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(site, url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,"
            " title = excluded.title, links = excluded.links, read_at = excluded.read_at",
            rows,
        )


def _listing(row: dict[str, Any]) -> Listing:
    links = tuple((str(url), str(text)) for url, text in json.loads(row["links"]))
    return Listing(row["url"], row["etag"], row["last_modified"], row["title"], links, row["read_at"])
