"""Crawl runs and failed fetches: start, count, finish."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    errors: list[str] = field(default_factory=list)


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
           unchanged = ?, failed = ?, error = ? WHERE id = ?""",
        [now_iso(), status, counts.pages, counts.new, counts.edited, counts.unchanged, counts.failed, error, crawl_id],
    )


def record_failure(db: Database, crawl_id: int | None, site: str, url: str, status: int | None, reason: str) -> None:
    """Note a page that could not be fetched or read, for the summary and the digest."""
    db.execute(
        "INSERT INTO failures (crawl_id, site, url, status, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
        [crawl_id, site, url, status, reason, now_iso()],
    )


def crawl_row(db: Database, crawl_id: int) -> dict | None:
    """One crawl run's row."""
    rows = list(db.query("SELECT * FROM crawls WHERE id = ?", [crawl_id]))
    return rows[0] if rows else None
