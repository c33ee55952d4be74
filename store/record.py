"""Write verbs: record an observed article (new, edited or unchanged), and re-derive a version."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from common.article import Article
from common.urls import clean_url, url_key

from . import bodies
from .db import write
from .identity import add_aliases, find_article
from .raw import pack_new, unpack

# Re-extracts a stored version's raw page under the current extractor and hints; None if it cannot.
Rebase = Callable[[dict[str, Any]], Article | None]


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
    """How a page was fetched and read: when, under which crawl, with which validators,
    bytes, extractor version and site hints, and under which URL identity."""

    fetched_at: str
    crawl_id: int | None = None
    raw: bytes | None = None
    content_type: str | None = None
    fetched_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    key: str | None = None  # the article's URL identity (default: url_key of the article's URL)
    aliases: tuple[str, ...] = ()  # other URL keys that led to the page (the link, a redirect)
    extractor: str | None = None  # crawler.extract.EXTRACTOR_VERSION that read the page
    hints: str | None = None  # key of the site hints it was read with
    link_texts: tuple[str, ...] = ()  # texts of the listing links that led to the page

    @property
    def provenance(self) -> tuple[str | None, str | None]:
        """What a version's fields depended on besides the page: extractor and hints."""
        return self.extractor, self.hints or None


def now_iso() -> str:
    """The current UTC time as the store writes it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _norm(text: str | None) -> str:
    # NFKC folds full-width and compatibility forms; whitespace (including paragraph
    # breaks) collapses, so re-flowed markup is not an edit.
    # (Asking first is 0.2 µs; normalize() itself copies a 15,000-character body in 150 µs
    # even when it is normalized already, as nearly every page is.)
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def fingerprint(article: Article) -> str:
    """A hash of what a reader would call the content: title, date, body words, attached documents."""
    published = article.published.isoformat() if article.published else ""
    parts = [_norm(article.title), published, _norm(article.body)]
    if article.attachments:  # an article without documents keeps the fingerprint it always had
        parts.append("\x1e".join(sorted(_attachment_id(a.text, a.url) for a in article.attachments)))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _attachment_id(text: str, url: str) -> str:
    return f"{_norm(text)}\x1d{url_key(url)}"


def attachments_json(article: Article) -> str | None:
    """The article's attachments as stored with its version (None when it has none)."""
    if not article.attachments:
        return None
    return json.dumps([a.to_dict() for a in article.attachments], ensure_ascii=False)


def recorded_in_crawl(db: Database, keys: list[str], crawl_id: int | None) -> Outcome | None:
    """NEW or EDITED when the article these keys name got that event from this crawl (its
    latest), else None: a page whose recording process died after the commit is stored, and
    its event says so. (An unchanged page leaves no event: None.)"""
    row = find_article(db, keys)
    if row is None or crawl_id is None:
        return None
    events = db.execute(
        "SELECT kind FROM events WHERE article_id = ? AND crawl_id = ? AND kind IN ('new', 'edited')"
        " ORDER BY id DESC LIMIT 1",
        [row["id"], crawl_id],
    ).fetchall()
    return Outcome(events[0][0]) if events else None


def record(db: Database, site: str, article: Article, fetch: Fetch, rebase: Rebase | None = None) -> Recorded:
    """Store one observation of an article in one transaction; say whether it is new or edited.

    When the article's current version was read by another extractor or with other hints,
    `rebase` re-reads its stored page under the current ones first, so only a change of the
    page — never of newswatch — is an edit (compare like with like).
    """
    fp = fingerprint(article)
    key = fetch.key or url_key(article.url)
    with write(db):
        row = find_article(db, [key, *fetch.aliases])
        if row is None:
            article_id = _insert_article(db, site, key, article.url, fetch)
            version_id = _insert_version(db, article_id, article, fp, fetch)
            event_id = _insert_event(db, "new", site, article_id, version_id, None, fetch)
            add_aliases(db, article_id, [key, *fetch.aliases])
            db.execute("UPDATE articles SET current_version_id = ? WHERE id = ?", [version_id, article_id])
            return Recorded(Outcome.NEW, article_id, version_id, event_id)
        article_id = row["id"]
        add_aliases(db, article_id, [key, *fetch.aliases])
        if row["status"] == "gone":
            _insert_event(db, "back", site, article_id, row["current_version_id"], None, fetch)
        current = _version(db, row["current_version_id"])
        if current is not None and rebase is not None and _provenance(current) != fetch.provenance:
            current = rebaseline(db, row, current, rebase(current), fetch)
        if current is not None and current["fingerprint"] == fp:
            _touch(db, article_id, fetch, version_id=None)
            return Recorded(Outcome.UNCHANGED, article_id, current["id"], None)
        version_id = _existing_version(db, article_id, fp) or _insert_version(db, article_id, article, fp, fetch)
        changed = changed_fields(current, article) if current else ["title", "published", "body"]
        previous = current["id"] if current else None
        event_id = _insert_event(db, "edited", site, article_id, version_id, previous, fetch, changed)
        _make_current(db, article_id, version_id, previous, fetch)
    return Recorded(Outcome.EDITED, article_id, version_id, event_id)


def _make_current(db: Database, article_id: int, version_id: int, previous: int | None, fetch: Fetch) -> None:
    """Point the article at a version (plain again, if it was an old one) and keep the version it
    replaces as its difference from the new one (store/bodies.py)."""
    bodies.unpack(db, version_id)  # current bodies are plain: search and every reader use them as they are
    _touch(db, article_id, fetch, version_id=version_id)
    if previous is not None:
        bodies.pack(db, previous, version_id)


def rebaseline(
    db: Database, article: dict[str, Any], current: dict[str, Any], baseline: Article | None, fetch: Fetch
) -> dict[str, Any]:
    """Make `baseline` (the current version's page, read again under fetch's extractor and
    hints) the article's current version, with a `reextracted` event that no digest lists.

    Equal fields only update the version's provenance. A stored page that cannot be read
    again leaves the version as it is. Returns the version row now current.
    """
    if baseline is None:
        return current
    fp = fingerprint(baseline)
    extractor, hints = fetch.provenance
    with write(db):
        if fp == current["fingerprint"]:
            db.execute("UPDATE versions SET extractor = ?, hints = ? WHERE id = ?", [extractor, hints, current["id"]])
            return {**current, "extractor": extractor, "hints": hints}
        derived = Fetch(
            fetched_at=current["fetched_at"],
            crawl_id=current["crawl_id"],
            content_type=current["content_type"],
            fetched_url=current["fetched_url"],
            extractor=extractor,
            hints=hints,
        )
        version_id = _existing_version(db, article["id"], fp) or _insert_version(
            db, article["id"], baseline, fp, derived, raw_blob=current["raw"], derived_from=current["id"]
        )
        changed = changed_fields(current, baseline)
        at = Fetch(fetched_at=fetch.fetched_at, crawl_id=fetch.crawl_id)
        _insert_event(db, "reextracted", article["site"], article["id"], version_id, current["id"], at, changed)
        bodies.unpack(db, version_id)
        db.execute("UPDATE articles SET current_version_id = ? WHERE id = ?", [version_id, article["id"]])
        bodies.pack(db, current["id"], version_id)
    return _version(db, version_id) or current


def _provenance(version: dict[str, Any]) -> tuple[str | None, str | None]:
    return version.get("extractor"), version.get("hints") or None


def changed_fields(previous: dict[str, Any], article: Article) -> list[str]:
    """Names of the fields whose normalized content differs between a version and an article."""
    published = article.published.isoformat() if article.published else None
    before = {_attachment_id(a["text"], a["url"]) for a in json.loads(previous.get("attachments") or "[]")}
    pairs = {
        "title": (_norm(previous["title"]), _norm(article.title)),
        "published": (previous["published"], published),
        "body": (_norm(previous["body"]), _norm(article.body)),
        "attachments": (before, {_attachment_id(a.text, a.url) for a in article.attachments}),
    }
    return [name for name, (old, new) in pairs.items() if old != new]


def _version(db: Database, version_id: int | None) -> dict[str, Any] | None:
    if version_id is None:
        return None
    rows = list(db.query("SELECT * FROM versions WHERE id = ?", [version_id]))
    return rows[0] if rows else None


def _existing_version(db: Database, article_id: int, fp: str) -> int | None:
    """A reverted article points back at the version it already had: one row per content."""
    rows = list(db.query("SELECT id FROM versions WHERE article_id = ? AND fingerprint = ?", [article_id, fp]))
    return rows[0]["id"] if rows else None


def _insert_article(db: Database, site: str, key: str, url: str, fetch: Fetch) -> int:
    # The URL shown and re-fetched is the clean form; its key is a function of it, so two
    # articles never share one. The row is whole at once (what _touch sets on a later check),
    # but for its current version, which needs the article's id first.
    texts = list(dict.fromkeys(fetch.link_texts))[:_MAX_LINK_TEXTS]
    cursor = db.execute(
        "INSERT INTO articles (key, url, site, first_seen, last_seen, last_checked, etag, last_modified,"
        " last_status, link_texts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 200, ?)",
        [
            key,
            clean_url(url),
            site,
            fetch.fetched_at,
            fetch.fetched_at,
            fetch.fetched_at,
            fetch.etag,
            fetch.last_modified,
            json.dumps(texts, ensure_ascii=False) if texts else None,
        ],
    )
    return int(cursor.lastrowid or 0)


def _insert_version(
    db: Database,
    article_id: int,
    article: Article,
    fp: str,
    fetch: Fetch,
    raw_blob: bytes | None = None,
    derived_from: int | None = None,
) -> int:
    raw = (
        raw_blob
        if raw_blob is not None
        else (pack_new(db, article_id, fetch.raw, fetch.fetched_at) if fetch.raw is not None else None)
    )
    cursor = db.execute(
        """INSERT INTO versions (article_id, fingerprint, title, published, origin, language, body,
           fetched_at, crawl_id, fetched_url, content_type, raw, extractor, hints, derived_from, attachments)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
            raw,
            fetch.extractor,
            fetch.hints or None,
            derived_from,
            attachments_json(article),
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


def _remember_links(db: Database, article_id: int, texts: tuple[str, ...]) -> None:
    """Keep the listing link texts that named the article (the newest few), for its next reading."""
    if not texts:
        return
    row = db.execute("SELECT link_texts FROM articles WHERE id = ?", [article_id]).fetchone()
    known = json.loads(row[0] or "[]") if row else []
    merged = list(dict.fromkeys([*texts, *known]))[:_MAX_LINK_TEXTS]
    if merged != known:
        db.execute(
            "UPDATE articles SET link_texts = ? WHERE id = ?", [json.dumps(merged, ensure_ascii=False), article_id]
        )


_MAX_LINK_TEXTS = 5


def _touch(db: Database, article_id: int, fetch: Fetch, version_id: int | None) -> None:
    sets = (
        "last_seen = ?, last_checked = ?, misses = 0, etag = ?, last_modified = ?, status = 'live', last_status = 200"
    )
    params: list[Any] = [fetch.fetched_at, fetch.fetched_at, fetch.etag, fetch.last_modified]
    _remember_links(db, article_id, fetch.link_texts)
    if version_id is not None:
        sets += ", current_version_id = ?"
        params.append(version_id)
    db.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*params, article_id])


def raw_page(db: Database, row: dict[str, Any]) -> bytes | None:
    """The stored page bytes of a version row, unpacked (its dictionary, if any, is in the store)."""
    blob = row.get("raw")
    return unpack(db, blob) if blob else None
