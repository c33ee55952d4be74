"""Re-check verbs: a 304 answer, a missing page (404/410) and its return, a check that failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .db import write
from .identity import find_article
from .record import Fetch


@dataclass(frozen=True)
class MissResult:
    """What a missing answer meant: the article's miss count and whether it is now gone."""

    article_id: int | None
    misses: int
    gone: bool


def record_not_modified(db: Database, key: str, fetch: Fetch) -> bool:
    """A 304 answer: the article was checked and is unchanged. False for an unknown article."""
    with write(db):
        return _not_modified(db, key, fetch)


def record_all_not_modified(db: Database, keys: Sequence[str], fetch: Fetch) -> list[str]:
    """304 answers to several articles, in one transaction; the keys of unknown articles."""
    with write(db):
        return [key for key in keys if not _not_modified(db, key, fetch)]


_NOT_MODIFIED = "last_checked = ?, last_seen = ?, misses = 0, status = 'live', last_status = 304, last_error = NULL"


def _not_modified(db: Database, key: str, fetch: Fetch) -> bool:
    # The common case in one statement: the article by its own key, not gone (most of a re-crawl).
    if db.execute(
        f"UPDATE articles SET {_NOT_MODIFIED} WHERE key = ? AND status != 'gone'",
        [fetch.fetched_at, fetch.fetched_at, key],
    ).rowcount:
        return True
    row = find_article(db, [key])
    if row is None:
        return False
    if row["status"] == "gone":
        _event(db, "back", row, fetch)
    db.execute(f"UPDATE articles SET {_NOT_MODIFIED} WHERE id = ?", [fetch.fetched_at, fetch.fetched_at, row["id"]])
    return True


def record_missing(db: Database, key: str, status: int, fetch: Fetch, gone_after: int) -> MissResult:
    """A 404/410 answer. After gone_after misses in a row the article becomes gone, once."""
    with write(db):
        row = find_article(db, [key])
        if row is None:
            return MissResult(None, 0, False)
        misses = row["misses"] + 1
        gone = row["status"] != "gone" and misses >= gone_after
        status_value = "gone" if gone or row["status"] == "gone" else row["status"]
        db.execute(
            "UPDATE articles SET misses = ?, last_checked = ?, last_status = ?, status = ?, last_error = NULL"
            " WHERE id = ?",
            [misses, fetch.fetched_at, status, status_value, row["id"]],
        )
        if gone:
            _event(db, "gone", row, fetch)
    return MissResult(row["id"], misses, gone)


def record_check_failed(db: Database, key: str, status: int | None, reason: str) -> bool:
    """A re-check that got no usable answer: noted on the article, which stays due for its next check."""
    with write(db):
        row = find_article(db, [key])
        if row is None:
            return False
        db.execute("UPDATE articles SET last_status = ?, last_error = ? WHERE id = ?", [status, reason, row["id"]])
    return True


def _event(db: Database, kind: str, row: dict[str, Any], fetch: Fetch) -> None:
    db.execute(
        "INSERT INTO events (kind, at, site, article_id, version_id, crawl_id) VALUES (?, ?, ?, ?, ?, ?)",
        [kind, fetch.fetched_at, row["site"], row["id"], row["current_version_id"], fetch.crawl_id],
    )
