"""Write verbs: record an observed article, a failed fetch, a crawl run's start and end."""

from __future__ import annotations

import hashlib
import json
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from common.article import Article


class Outcome(StrEnum):
    """What one observation of an article meant for the store."""

    NEW = "new"
    EDITED = "edited"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Recorded:
    """The result of record(): the outcome and the rows it concerns."""

    outcome: Outcome
    article_id: int
    version_id: int
    event_id: int | None


@dataclass(frozen=True)
class Fetch:
    """How a page was fetched: when, under which crawl, with which validators and bytes."""

    fetched_at: str
    crawl_id: int | None = None
    raw: bytes | None = None
    content_type: str | None = None
    fetched_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def now_iso() -> str:
    """The current UTC time as the store writes it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _norm(text: str | None) -> str:
    # NFKC folds full-width and compatibility forms; whitespace (including paragraph
    # breaks) collapses, so re-flowed markup is not an edit.
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def fingerprint(article: Article) -> str:
    """A hash of what a reader would call the content: title, date and body words."""
    published = article.published.isoformat() if article.published else ""
    key = "\x1f".join([_norm(article.title), published, _norm(article.body)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def record(db: Database, site: str, article: Article, fetch: Fetch) -> Recorded:
    """Store one observation of an article in one transaction; say whether it is new or edited."""
    fp = fingerprint(article)
    with db.atomic():
        row = _article_row(db, article.url)
        if row is None:
            article_id = _insert_article(db, site, article.url, fetch)
            version_id = _insert_version(db, article_id, article, fp, fetch)
            event_id = _insert_event(db, "new", site, article_id, version_id, None, fetch)
            outcome = Outcome.NEW
        else:
            article_id = row["id"]
            if row["status"] == "gone":
                _insert_event(db, "back", site, article_id, row["current_version_id"], None, fetch)
            current = _version(db, row["current_version_id"])
            if current is not None and current["fingerprint"] == fp:
                _touch(db, article_id, fetch, version_id=None)
                return Recorded(Outcome.UNCHANGED, article_id, current["id"], None)
            version_id = _existing_version(db, article_id, fp) or _insert_version(db, article_id, article, fp, fetch)
            changed = changed_fields(current, article) if current else ["title", "published", "body"]
            event_id = _insert_event(
                db, "edited", site, article_id, version_id, current["id"] if current else None, fetch, changed
            )
            outcome = Outcome.EDITED
        _touch(db, article_id, fetch, version_id=version_id)
    return Recorded(outcome, article_id, version_id, event_id)


def changed_fields(previous: dict[str, Any], article: Article) -> list[str]:
    """Names of the fields whose normalized content differs between a version and an article."""
    published = article.published.isoformat() if article.published else None
    pairs = {
        "title": (_norm(previous["title"]), _norm(article.title)),
        "published": (previous["published"], published),
        "body": (_norm(previous["body"]), _norm(article.body)),
    }
    return [name for name, (old, new) in pairs.items() if old != new]


def _article_row(db: Database, url: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM articles WHERE url = ?", [url]))
    return rows[0] if rows else None


def _version(db: Database, version_id: int | None) -> dict[str, Any] | None:
    if version_id is None:
        return None
    rows = list(db.query("SELECT * FROM versions WHERE id = ?", [version_id]))
    return rows[0] if rows else None


def _existing_version(db: Database, article_id: int, fp: str) -> int | None:
    """A reverted article points back at the version it already had: one row per content."""
    rows = list(db.query("SELECT id FROM versions WHERE article_id = ? AND fingerprint = ?", [article_id, fp]))
    return rows[0]["id"] if rows else None


def _insert_article(db: Database, site: str, url: str, fetch: Fetch) -> int:
    cursor = db.execute(
        "INSERT INTO articles (url, site, first_seen, last_seen, last_checked) VALUES (?, ?, ?, ?, ?)",
        [url, site, fetch.fetched_at, fetch.fetched_at, fetch.fetched_at],
    )
    return int(cursor.lastrowid or 0)


def _insert_version(db: Database, article_id: int, article: Article, fp: str, fetch: Fetch) -> int:
    cursor = db.execute(
        """INSERT INTO versions (article_id, fingerprint, title, published, origin, language, body,
           fetched_at, crawl_id, fetched_url, content_type, raw)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            article_id,
            fp,
            article.title,
            article.published.isoformat() if article.published else None,
            article.origin,
            article.language,
            article.body,
            fetch.fetched_at,
            fetch.crawl_id,
            fetch.fetched_url,
            fetch.content_type,
            zlib.compress(fetch.raw, 6) if fetch.raw is not None else None,
        ],
    )
    return int(cursor.lastrowid or 0)


def _insert_event(
    db: Database,
    kind: str,
    site: str,
    article_id: int,
    version_id: int | None,
    previous_id: int | None,
    fetch: Fetch,
    changed: list[str] | None = None,
) -> int:
    cursor = db.execute(
        """INSERT INTO events (kind, at, site, article_id, version_id, previous_version_id, crawl_id,
           changed_fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            kind,
            fetch.fetched_at,
            site,
            article_id,
            version_id,
            previous_id,
            fetch.crawl_id,
            json.dumps(changed) if changed is not None else None,
        ],
    )
    return int(cursor.lastrowid or 0)


def _touch(db: Database, article_id: int, fetch: Fetch, version_id: int | None) -> None:
    sets = (
        "last_seen = ?, last_checked = ?, misses = 0, etag = ?, last_modified = ?, status = 'live', last_status = 200"
    )
    params: list[Any] = [fetch.fetched_at, fetch.fetched_at, fetch.etag, fetch.last_modified]
    if version_id is not None:
        sets += ", current_version_id = ?"
        params.append(version_id)
    db.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*params, article_id])


def raw_page(row: dict[str, Any]) -> bytes | None:
    """The stored page bytes of a version row, decompressed."""
    blob = row.get("raw")
    return zlib.decompress(blob) if blob else None
