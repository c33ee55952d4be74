"""Attachments: the documents an article links to (rules PDFs, forms), each distinct file kept.

A new file behind a known attachment's URL is an edit of its article: an `edited` event
with `changed_fields` ["attachments"] and, in `details`, the file before and after.
An attachment's first file makes no event (the page's own new or edited event shows it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from .db import write
from .identity import find_article


class FileOutcome(StrEnum):
    """What one fetch of an attachment meant."""

    NEW = "new"  # the attachment's first file
    UNCHANGED = "unchanged"
    CHANGED = "changed"  # another file than before: an edit of the article
    NOT_MODIFIED = "304"


@dataclass(frozen=True)
class FileFetch:
    """One fetched attachment file: where, when, and what came back."""

    url: str
    text: str
    fetched_at: str
    sha256: str
    size: int
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    crawl_id: int | None = None
    data: bytes | None = None  # kept only when the registry asks for it ([crawl] keep_attachments)


def articles_with_attachments(db: Database, site: str) -> set[str]:
    """The keys of the site's articles that have at least one attachment."""
    rows = db.execute(
        "SELECT DISTINCT a.key FROM attachments t JOIN articles a ON a.id = t.article_id WHERE a.site = ?", [site]
    )
    return {row[0] for row in rows}


def known_attachments(db: Database, article_key: str) -> list[dict[str, Any]]:
    """An article's attachments with their validators and current file's digest and size."""
    article = find_article(db, [article_key])
    if article is None:
        return []
    return list(
        db.query(
            """SELECT t.url, t.text, t.etag, t.last_modified, f.sha256, f.size FROM attachments t
               LEFT JOIN attachment_files f ON f.id = t.current_file_id WHERE t.article_id = ? ORDER BY t.id""",
            [article["id"]],
        )
    )


def record_file(db: Database, article_key: str, site: str, fetch: FileFetch) -> FileOutcome | None:
    """Store one fetched file of an article's attachment; None when the article is not stored."""
    with write(db):
        article = find_article(db, [article_key])
        if article is None:
            return None
        row = _attachment(db, article["id"], fetch)
        current = _file(db, row["current_file_id"])
        db.execute(
            "UPDATE attachments SET last_checked = ?, etag = ?, last_modified = ?, status = 200, text = ? WHERE id = ?",
            [fetch.fetched_at, fetch.etag, fetch.last_modified, fetch.text, row["id"]],
        )
        if current is not None and current["sha256"] == fetch.sha256:
            return FileOutcome.UNCHANGED
        file_id = _file_id(db, row["id"], fetch)
        db.execute("UPDATE attachments SET current_file_id = ? WHERE id = ?", [file_id, row["id"]])
        if current is None:
            return FileOutcome.NEW
        _changed_event(db, article, site, fetch, current)
        return FileOutcome.CHANGED


def record_file_not_modified(db: Database, article_key: str, url: str, at: str) -> FileOutcome | None:
    """A 304 for an attachment: checked, unchanged."""
    with write(db):
        article = find_article(db, [article_key])
        if article is None:
            return None
        db.execute(
            "UPDATE attachments SET last_checked = ?, status = 304 WHERE article_id = ? AND url = ?",
            [at, article["id"], url],
        )
    return FileOutcome.NOT_MODIFIED


def _attachment(db: Database, article_id: int, fetch: FileFetch) -> dict[str, Any]:
    db.execute(
        "INSERT OR IGNORE INTO attachments (article_id, url, text, first_seen) VALUES (?, ?, ?, ?)",
        [article_id, fetch.url, fetch.text, fetch.fetched_at],
    )
    return next(db.query("SELECT * FROM attachments WHERE article_id = ? AND url = ?", [article_id, fetch.url]))


def _file(db: Database, file_id: int | None) -> dict[str, Any] | None:
    if file_id is None:
        return None
    rows = list(db.query("SELECT id, sha256, size, content_type FROM attachment_files WHERE id = ?", [file_id]))
    return rows[0] if rows else None


def _file_id(db: Database, attachment_id: int, fetch: FileFetch) -> int:
    """The row of this file (a document put back as it was reuses its old row)."""
    db.execute(
        """INSERT OR IGNORE INTO attachment_files (attachment_id, sha256, size, content_type, fetched_at, crawl_id, data)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        [attachment_id, fetch.sha256, fetch.size, fetch.content_type, fetch.fetched_at, fetch.crawl_id, fetch.data],
    )
    row = db.execute(
        "SELECT id FROM attachment_files WHERE attachment_id = ? AND sha256 = ?", [attachment_id, fetch.sha256]
    ).fetchone()
    return int(row[0])


def _changed_event(db: Database, article: dict[str, Any], site: str, fetch: FileFetch, before: dict[str, Any]) -> None:
    details = [
        {
            "url": fetch.url,
            "text": fetch.text,
            "before": {"sha256": before["sha256"], "size": before["size"], "content_type": before["content_type"]},
            "after": {"sha256": fetch.sha256, "size": fetch.size, "content_type": fetch.content_type},
        }
    ]
    db.execute(
        """INSERT INTO events (kind, at, site, article_id, version_id, previous_version_id, crawl_id, changed_fields, details)
           VALUES ('edited', ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            fetch.fetched_at,
            site,
            article["id"],
            article["current_version_id"],
            article["current_version_id"],
            fetch.crawl_id,
            json.dumps(["attachments"]),
            json.dumps(details, ensure_ascii=False),
        ],
    )
