"""Crawl runs and failed fetches: start, count, finish.

A run ends `ok` (every page had an answer), `partial` (some pages failed), `failed` (every
page failed, or the store could not be written), `timeout`, `killed`, `crashed`, or
`stopped` (asked to stop); `busy` when another crawl of the site held its lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from .record import now_iso


@dataclass
class CrawlCounts:
    """Tallies of one crawl run, as the summary shows them."""

    pages: int = 0
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    failed: int = 0
    not_modified: int = 0  # re-checks answered 304 (also counted as unchanged)
    missing: int = 0  # re-checks answered 404/410
    skipped: int = 0  # not fetched on purpose: robots.txt forbids it, or the page limit was reached
    attachments: int = 0  # attachment files fetched or checked (a replaced one also counts as edited)


def start_crawl(db: Database, site: str, started_at: str | None = None) -> int:
    """Open a crawl run row and return its id."""
    cursor = db.execute(
        "INSERT INTO crawls (site, started_at, status) VALUES (?, ?, 'running')",
        [site, started_at or now_iso()],
    )
    return int(cursor.lastrowid or 0)


def finish_crawl(db: Database, crawl_id: int, counts: CrawlCounts, status: str, error: str | None = None) -> None:
    """Close a crawl run with its counts and how it ended."""
    db.execute(
        """UPDATE crawls SET finished_at = ?, status = ?, pages = ?, new = ?, edited = ?,
           unchanged = ?, failed = ?, not_modified = ?, missing = ?, skipped = ?, attachments = ?, error = ?
           WHERE id = ?""",
        [
            now_iso(),
            status,
            counts.pages,
            counts.new,
            counts.edited,
            counts.unchanged,
            counts.failed,
            counts.not_modified,
            counts.missing,
            counts.skipped,
            counts.attachments,
            error,
            crawl_id,
        ],
    )


def record_failure(
    db: Database,
    crawl_id: int | None,
    site: str,
    url: str,
    status: int | None,
    reason: str,
    outcome: str = "failed",
) -> None:
    """Note a page that could not be fetched or read (or was skipped on purpose), with why."""
    db.execute(
        "INSERT INTO failures (crawl_id, site, url, status, reason, at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [crawl_id, site, url, status, reason, now_iso(), outcome],
    )


def crawl_row(db: Database, crawl_id: int) -> dict | None:
    """One crawl run's row."""
    rows = list(db.query("SELECT * FROM crawls WHERE id = ?", [crawl_id]))
    return rows[0] if rows else None


def close_running(db: Database, site: str, since: str, status: str, error: str) -> int:
    """Close the site's runs started since `since` that are still marked 'running'."""
    cursor = db.execute(
        "UPDATE crawls SET status = ?, error = ?, finished_at = ? WHERE site = ? AND status = 'running'"
        " AND started_at >= ?",
        [status, error, now_iso(), site, since],
    )
    return int(cursor.rowcount or 0)


def close_abandoned(db: Database, site: str, since: str, status: str, error: str) -> int:
    """Close the runs a killed or crashed crawl left 'running' since `since`.

    If the crawl died before it could open a run, one is recorded, so the failure counts.
    """
    closed = close_running(db, site, since, status, error)
    if closed:
        return closed
    started = list(db.query("SELECT id FROM crawls WHERE site = ? AND started_at >= ?", [site, since]))
    if not started:
        db.execute(
            "INSERT INTO crawls (site, started_at, finished_at, status, error) VALUES (?, ?, ?, ?, ?)",
            [site, since, now_iso(), status, error],
        )
        return 1
    return 0
