"""Bulk loading: fill a new store fast with rows made elsewhere (the benchmark's generated stores).

Rows go in with executemany inside the caller's transaction, in the columns named here, so the
schema stays owned by `store/` and every trigger (per-site index, totals) runs as it does for
`record()`; `finish()` builds the search index once the rows are in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database

# The columns a bulk row gives, in order, per table.
COLUMNS: dict[str, tuple[str, ...]] = {
    "articles": (
        "id", "key", "url", "site", "first_seen", "last_seen", "last_checked", "current_version_id", "status",
        "misses", "etag", "last_modified", "last_status",
    ),
    "article_urls": ("key", "article_id"),
    "versions": (
        "id", "article_id", "fingerprint", "title", "published", "origin", "language", "body", "fetched_at",
        "crawl_id", "fetched_url", "content_type", "raw", "extractor", "hints",
    ),
    "events": (
        "id", "kind", "at", "site", "article_id", "version_id", "previous_version_id", "crawl_id", "changed_fields",
    ),
    "crawls": (
        "id", "site", "started_at", "finished_at", "status", "pages", "new", "edited", "unchanged", "failed",
        "not_modified", "missing", "skipped", "error",
    ),
    "failures": ("crawl_id", "site", "url", "status", "reason", "at", "outcome"),
}  # fmt: skip


class BulkError(Exception):
    """A bulk load was asked for a table it does not know."""


def insert(db: Database, table: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert rows (tuples in COLUMNS[table] order) in the current transaction; returns how many."""
    if table not in COLUMNS:
        raise BulkError(f"no bulk load for table {table!r}; known: {', '.join(COLUMNS)}")
    columns = COLUMNS[table]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    cursor = db.conn.executemany(sql, rows)
    return int(cursor.rowcount)


@contextmanager
def loading(db: Database, cache_mib: int = 1024) -> Iterator[Database]:
    """Settings for filling a store nobody else has open: no journal, no fsync, a large cache.

    A crash while loading leaves a broken file: load into a new file and rename it when done.
    The store is back in WAL mode afterwards, as `open_db` leaves it.
    """
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    try:
        yield db
    finally:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")


@contextmanager
def batch(db: Database) -> Iterator[Database]:
    """One transaction for a batch of bulk inserts."""
    db.execute("BEGIN")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def finish(db: Database) -> None:
    """Index what bulk rows could not: the full text of current versions (the search index is kept
    by triggers on articles, and a bulk article row names its version before that row exists)."""
    db.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
