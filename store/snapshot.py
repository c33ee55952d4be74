"""What a crawl of one site needs to know from the store, read in one go (for a crawl that
runs on another machine: the scheduler reads it and the job carries it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from .record import raw_page


def site_keys(db: Database, site: str) -> dict[str, str]:
    """Every URL key that leads to one of the site's articles (own keys and aliases) -> the article's key."""
    rows = db.query(
        "SELECT u.key AS alias, a.key AS key FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE a.site = ? UNION SELECT key, key FROM articles WHERE site = ?",
        [site, site],
    )
    return {r["alias"]: r["key"] for r in rows}


def site_attachments(db: Database, site: str) -> dict[str, list[dict[str, Any]]]:
    """The attachments of each of the site's articles (by article key), with validators, digest and size."""
    rows = db.query(
        """SELECT a.key AS article_key, t.url, t.text, t.etag, t.last_modified, f.sha256, f.size
           FROM attachments t JOIN articles a ON a.id = t.article_id
           LEFT JOIN attachment_files f ON f.id = t.current_file_id WHERE a.site = ? ORDER BY t.id""",
        [site],
    )
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = row.pop("article_key")
        found[key].append(row)
    return dict(found)


def current_pages(db: Database, site: str) -> Iterator[tuple[str, bytes | None]]:
    """Each of the site's articles' key with the raw page of its current version (None without one)."""
    ids = [(r["id"], r["key"]) for r in db.query("SELECT id, key FROM articles WHERE site = ?", [site])]
    for article_id, key in ids:
        rows = list(
            db.query(
                "SELECT v.raw FROM articles a JOIN versions v ON v.id = a.current_version_id WHERE a.id = ?",
                [article_id],
            )
        )
        yield key, raw_page(db, rows[0]) if rows else None
