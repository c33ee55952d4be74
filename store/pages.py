"""Reads for the web view's pages (the rest come from store.queries and store.search)."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from .queries import with_body


def article_row(db: Database, article_id: int) -> dict[str, Any] | None:
    """One article's row."""
    rows = list(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    return rows[0] if rows else None


def version_of(db: Database, article_id: int, version_id: int) -> dict[str, Any] | None:
    """A version row (no raw page) only if it belongs to that article."""
    rows = list(
        db.query(
            "SELECT id, article_id, title, published, origin, language, body, body_z, body_base, fetched_at,"
            " extractor FROM versions WHERE id = ? AND article_id = ?",
            [version_id, article_id],
        )
    )
    return with_body(db, rows[0]) if rows else None


def digest_runs(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    """Digests written, newest first."""
    return list(db.query("SELECT * FROM digests ORDER BY id DESC LIMIT ?", [limit]))


def digest_run(db: Database, digest_id: int) -> dict[str, Any] | None:
    """One digest run's row."""
    rows = list(db.query("SELECT * FROM digests WHERE id = ?", [digest_id]))
    return rows[0] if rows else None


def failed_runs(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """The newest crawl runs that did not end ok, newest first."""
    return list(
        db.query("SELECT * FROM crawls WHERE status NOT IN ('ok', 'running', 'busy') ORDER BY id DESC LIMIT ?", [limit])
    )
