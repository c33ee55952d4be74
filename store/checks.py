"""Re-check verbs: a 304 answer, a missing page (404/410) and its return, gone after N misses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .record import Fetch


@dataclass(frozen=True)
class MissResult:
    """What a missing answer meant: the article's miss count and whether it is now gone."""

    article_id: int | None
    misses: int
    gone: bool


def record_not_modified(db: Database, url: str, fetch: Fetch) -> bool:
    """A 304 answer: the article was checked and is unchanged. False for an unknown URL."""
    with db.atomic():
        row = _article(db, url)
        if row is None:
            return False
        if row["status"] == "gone":
            _event(db, "back", row, fetch)
        db.execute(
            "UPDATE articles SET last_checked = ?, last_seen = ?, misses = 0, status = 'live', last_status = 304"
            " WHERE id = ?",
            [fetch.fetched_at, fetch.fetched_at, row["id"]],
        )
    return True


def record_missing(db: Database, url: str, status: int, fetch: Fetch, gone_after: int) -> MissResult:
    """A 404/410 answer. After gone_after misses in a row the article becomes gone, once."""
    with db.atomic():
        row = _article(db, url)
        if row is None:
            return MissResult(None, 0, False)
        misses = row["misses"] + 1
        gone = row["status"] != "gone" and misses >= gone_after
        status_value = "gone" if gone or row["status"] == "gone" else row["status"]
        db.execute(
            "UPDATE articles SET misses = ?, last_checked = ?, last_status = ?, status = ? WHERE id = ?",
            [misses, fetch.fetched_at, status, status_value, row["id"]],
        )
        if gone:
            _event(db, "gone", row, fetch)
    return MissResult(row["id"], misses, gone)


def mark_back_if_gone(db: Database, url: str, fetch: Fetch) -> bool:
    """Called when a gone article answers with content again: a 'back' event. True if it was gone."""
    with db.atomic():
        row = _article(db, url)
        if row is None or row["status"] != "gone":
            return False
        _event(db, "back", row, fetch)
        db.execute("UPDATE articles SET status = 'live', misses = 0 WHERE id = ?", [row["id"]])
    return True


def _article(db: Database, url: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM articles WHERE url = ?", [url]))
    return rows[0] if rows else None


def _event(db: Database, kind: str, row: dict[str, Any], fetch: Fetch) -> None:
    db.execute(
        "INSERT INTO events (kind, at, site, article_id, version_id, crawl_id) VALUES (?, ?, ?, ?, ?, ?)",
        [kind, fetch.fetched_at, row["site"], row["id"], row["current_version_id"], fetch.crawl_id],
    )
