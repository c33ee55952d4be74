"""Read verbs: events in a time window, an article's versions, sites' state."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

_EVENT_SQL = """
SELECT e.id AS event_id, e.kind, e.at, e.site, e.article_id, e.version_id, e.previous_version_id,
       e.changed_fields, a.url
FROM events e JOIN articles a ON a.id = e.article_id
WHERE e.at >= ? AND e.at < ? {kinds}
ORDER BY e.at, e.id
"""


def events_between(db: Database, start: str, end: str, kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Events with start <= at < end (ISO UTC strings), oldest first."""
    filt = ""
    params: list[Any] = [start, end]
    if kinds:
        filt = f"AND e.kind IN ({', '.join('?' for _ in kinds)})"
        params += list(kinds)
    return list(db.query(_EVENT_SQL.format(kinds=filt), params))


def version(db: Database, version_id: int | None) -> dict[str, Any] | None:
    """One version row without its raw page."""
    if version_id is None:
        return None
    rows = list(
        db.query(
            "SELECT id, article_id, fingerprint, title, published, origin, language, body, fetched_at,"
            " crawl_id, fetched_url FROM versions WHERE id = ?",
            [version_id],
        )
    )
    return rows[0] if rows else None


def article_by_url(db: Database, url: str) -> dict[str, Any] | None:
    """The article row for a URL (exact, then ignoring a trailing slash and the scheme)."""
    rows = list(db.query("SELECT * FROM articles WHERE url = ?", [url]))
    if not rows:
        bare = url.split("://", 1)[-1].rstrip("/")
        rows = list(db.query("SELECT * FROM articles WHERE url LIKE ? OR url LIKE ?", [f"%://{bare}", f"%://{bare}/"]))
    return rows[0] if rows else None


def versions_of(db: Database, article_id: int) -> list[dict[str, Any]]:
    """All versions of an article, oldest first, without raw pages."""
    return list(
        db.query(
            "SELECT id, fingerprint, title, published, origin, fetched_at, length(body) AS body_chars,"
            " length(raw) AS raw_bytes FROM versions WHERE article_id = ? ORDER BY id",
            [article_id],
        )
    )


def events_of(db: Database, article_id: int) -> list[dict[str, Any]]:
    """All events of an article, oldest first."""
    return list(db.query("SELECT * FROM events WHERE article_id = ? ORDER BY id", [article_id]))


def counts(db: Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("articles", "versions", "events", "crawls")
    }
