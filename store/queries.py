"""Read verbs: events in a time window, an article's versions, sites' state."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from common.urls import DEFAULT_TRACKING_PARAMS, url_key

from .bodies import BodyError, body_of
from .identity import find_article
from .record import raw_page

logger = logging.getLogger(__name__)

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


def version(db: Database, version_id: int | None, strict: bool = False) -> dict[str, Any] | None:
    """One version row without its raw page (its body as `with_body` reads it)."""
    if version_id is None:
        return None
    rows = list(
        db.query(
            "SELECT id, article_id, fingerprint, title, published, origin, language, body, body_z, body_base,"
            " fetched_at, crawl_id, fetched_url, attachments FROM versions WHERE id = ?",
            [version_id],
        )
    )
    return with_body(db, rows[0], strict) if rows else None


def with_body(db: Database, row: dict[str, Any], strict: bool = False) -> dict[str, Any]:
    """A version row with its body as text (an old version's is kept packed: store/bodies.py).

    A packed body that cannot be read back (its bytes damaged on disk) raises BodyError when
    strict (what is computed from it is kept: a stored diff); otherwise the row comes with
    an empty body and `body_error` saying why, so one damaged version does not take its
    article's history, an export or a digest down with it.
    """
    out = {k: v for k, v in row.items() if k not in ("body_z", "body_base")}
    if not row.get("body_z"):
        return out
    version_id = row.get("version_id", row.get("id"))
    try:
        out["body"] = body_of(db, {"id": version_id, **row})
    except BodyError as exc:
        if strict:
            raise
        logger.warning("the body of version %s cannot be read: %s", version_id, exc)
        out["body"], out["body_error"] = "", str(exc)
    return out


def article_by_url(db: Database, url: str, tracking: Sequence[str] = DEFAULT_TRACKING_PARAMS) -> dict[str, Any] | None:
    """The article a URL identifies, by its exact URL key (any form that led to it: http or
    https, with or without www., tracking parameters or a fragment)."""
    return find_article(db, [url_key(url, tracking)])


def versions_of(db: Database, article_id: int) -> list[dict[str, Any]]:
    """All versions of an article, oldest first, without raw pages."""
    rows = list(
        db.query(
            "SELECT id, fingerprint, title, published, origin, fetched_at, body, body_z, body_base,"
            " length(raw) AS raw_bytes, extractor, hints, derived_from FROM versions WHERE article_id = ? ORDER BY id",
            [article_id],
        )
    )
    for row in rows:
        read = with_body(db, row)
        row["body_chars"] = len(read["body"] or "")
        if "body_error" in read:
            row["body_error"] = read["body_error"]
        del row["body"], row["body_z"], row["body_base"]
    return rows


def events_of(db: Database, article_id: int) -> list[dict[str, Any]]:
    """All events of an article, oldest first."""
    return list(db.query("SELECT * FROM events WHERE article_id = ? ORDER BY id", [article_id]))


def counts(db: Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("articles", "versions", "events", "crawls")
    }


def known_articles(db: Database, site: str) -> list[dict[str, Any]]:
    """The site's articles with what re-checks need: key, URL, first seen, last checked, validators,
    and the listing link texts that named them."""
    rows = db.query(
        "SELECT key, url, first_seen, last_checked, etag, last_modified, status, link_texts FROM articles WHERE site = ?",
        [site],
    )
    return [{**row, "link_texts": json.loads(row["link_texts"] or "[]")} for row in rows]


def current_versions(db: Database, site: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each of a site's articles with its current version row (raw page included), one at a time."""
    articles = list(db.query("SELECT * FROM articles WHERE site = ? AND current_version_id IS NOT NULL", [site]))
    for article in articles:
        rows = list(db.query("SELECT * FROM versions WHERE id = ?", [article["current_version_id"]]))
        if rows:
            yield article, rows[0]


def current_page(db: Database, key: str) -> bytes | None:
    """The raw page of the current version of the article a URL key identifies."""
    article = find_article(db, [key])
    if article is None or article["current_version_id"] is None:
        return None
    rows = list(db.query("SELECT raw FROM versions WHERE id = ?", [article["current_version_id"]]))
    return raw_page(db, rows[0]) if rows else None


def known_keys(db: Database, site: str) -> set[str]:
    """Every URL key that leads to one of the site's articles (their own and their aliases)."""
    rows = db.query(
        "SELECT u.key FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE a.site = ?"
        " UNION SELECT key FROM articles WHERE site = ?",
        [site, site],
    )
    return {r["key"] for r in rows}


def site_states(db: Database) -> dict[str, dict[str, Any]]:
    """Per site: last crawl row, articles, versions, and failed runs in a row.

    Counts come from `site_totals`, which triggers keep, never from counting every version.
    """
    states: dict[str, dict[str, Any]] = {}
    for row in db.query("SELECT site, articles, versions FROM site_totals WHERE articles > 0"):
        states[row["site"]] = {"articles": row["articles"], "versions": row["versions"]}
    for row in db.query("SELECT DISTINCT site FROM crawls"):
        state = states.setdefault(row["site"], {"articles": 0, "versions": 0})
        runs = list(db.query("SELECT * FROM crawls WHERE site = ? ORDER BY id DESC LIMIT 50", [row["site"]]))
        state["last"] = runs[0] if runs else None
        state["failures_in_a_row"] = failures_in_a_row(runs)
    return states


# Runs that say nothing about the site's health: still going, or stopped with the monitor.
NEUTRAL_STATUSES = frozenset({"running", "shutdown", "stopped", "busy"})
FAILED_STATUSES = frozenset({"failed", "timeout", "killed", "crashed"})


def run_failed(run: dict[str, Any]) -> bool:
    """A run failed when it did not finish (timeout, killed, crashed) or nothing it tried worked.

    Runs recorded before statuses were honest said `ok` even when every page failed.
    """
    return run["status"] in FAILED_STATUSES or (run["status"] == "ok" and run["pages"] == 0 and run["failed"] > 0)


def failures_in_a_row(runs: list[dict[str, Any]]) -> int:
    """How many of the newest finished runs (newest first) failed, until one succeeded."""
    count = 0
    for run in runs:
        if run["status"] in NEUTRAL_STATUSES:
            continue
        if not run_failed(run):
            break
        count += 1
    return count


def recent_crawls(db: Database, site: str, limit: int = 10) -> list[dict[str, Any]]:
    """The site's newest finished crawl rows, newest first."""
    return list(
        db.query("SELECT * FROM crawls WHERE site = ? AND status != 'running' ORDER BY id DESC LIMIT ?", [site, limit])
    )


def last_digest(db: Database) -> dict[str, Any] | None:
    """The newest digest run."""
    rows = list(db.query("SELECT * FROM digests ORDER BY id DESC LIMIT 1"))
    return rows[0] if rows else None


def digests_cover_until(db: Database) -> tuple[str, int | None] | None:
    """Where the delivered digests end: the latest moment one covered (a past day delivered
    again moves nothing back) and the newest event that one had read (None before m014)."""
    row = db.execute("SELECT end, events_upto FROM digests ORDER BY end DESC, id DESC LIMIT 1").fetchone()
    return (str(row[0]), row[1]) if row else None


def record_digest(
    db: Database,
    start: str,
    end: str,
    written_at: str,
    new: int,
    edited: int,
    paths: str,
    events_upto: int | None = None,
) -> None:
    """Remember a written digest, so the next one starts where it ended."""
    db.execute(
        "INSERT INTO digests (start, end, written_at, new, edited, paths, events_upto) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [start, end, written_at, new, edited, paths, events_upto],
    )


def newest_event_id(db: Database) -> int:
    """The id of the newest event (0 for none). Events are numbered in the order their
    transactions commit (SQLite has one writer at a time), so a reader that saw this id has
    seen every event up to it."""
    row = db.execute("SELECT max(id) FROM events").fetchone()
    return int(row[0] or 0)


def versions_with_fields(db: Database, site: str, limit: int) -> list[dict[str, Any]]:
    """The site's newest versions' field presence, newest first (for drift detection)."""
    return list(
        db.query(
            """SELECT v.id, v.published IS NOT NULL AS has_date, v.origin IS NOT NULL AS has_origin,
                      v.title IS NOT NULL AS has_title
               FROM version_sites s JOIN versions v ON v.id = s.version_id
               WHERE s.site = ? ORDER BY s.version_id DESC LIMIT ?""",
            [site, limit],
        )
    )


def failure_reasons(db: Database, crawl_id: int) -> list[str]:
    """Why the pages of one crawl failed."""
    return [
        r["reason"]
        for r in db.query("SELECT reason FROM failures WHERE crawl_id = ? AND outcome = 'failed'", [crawl_id])
    ]


def baselines(db: Database) -> dict[str, dict[str, Any]]:
    """Per site, the crawls that make its baseline: up to its first crawl that finished (ok or
    partial; all its crawls while none has), and when the first of them started."""
    rows = db.query(
        """SELECT site, min(started_at) AS started, max(id) AS last_id,
                  min(CASE WHEN status IN ('ok', 'partial') THEN id END) AS done_id
           FROM crawls GROUP BY site"""
    )
    return {r["site"]: {"started": r["started"], "upto": r["done_id"] or r["last_id"]} for r in rows}


_EVENT_COLUMNS = """e.id AS event_id, e.kind, e.at, e.site, e.article_id, e.version_id, e.previous_version_id,
                     e.crawl_id, e.changed_fields, e.details, a.url, a.current_version_id"""
# The unary + keeps each query on its own index: the window's on events(kind, at), the late
# events' on the ids (a few past the last digest's), never a walk through every old event.
_WINDOW_EVENTS = f"""SELECT {_EVENT_COLUMNS} FROM events e JOIN articles a ON a.id = e.article_id
    WHERE e.kind IN ('new', 'edited', 'gone', 'back') AND e.at >= ? AND e.at < ? AND +e.id <= ?
    ORDER BY e.at, e.id"""
_LATE_EVENTS = f"""SELECT {_EVENT_COLUMNS} FROM events e JOIN articles a ON a.id = e.article_id
    WHERE e.id > ? AND e.id <= ? AND +e.kind IN ('new', 'edited', 'gone', 'back') AND +e.at < ?"""


def event_rows(
    db: Database, start: str, end: str, upto: int | None = None, late_after: int | None = None
) -> list[dict[str, Any]]:
    """The window's new, edited, gone and back events with their version's fields, oldest first.

    upto: only events up to this id (what a digest read first; a later one is the next
    digest's). late_after: also the events stamped before the window that committed after a
    digest which had read up to this id.
    """
    limit = newest_event_id(db) if upto is None else upto
    rows = list(db.query(_WINDOW_EVENTS, [start, end, limit]))
    if late_after is not None:
        late = list(db.query(_LATE_EVENTS, [late_after, limit, start]))
        if late:
            rows = sorted([*rows, *late], key=lambda r: (r["at"], r["event_id"]))
    return rows


_FEED_SQL = """
WITH b AS (SELECT site, min(started_at) AS started,
                  coalesce(min(CASE WHEN status IN ('ok', 'partial') THEN id END), max(id)) AS upto
           FROM crawls GROUP BY site)
SELECT e.id AS event_id, e.kind, e.at, e.site, e.changed_fields, e.previous_version_id, a.url,
       a.id AS article_id, v.id AS version_id, v.title, v.published, v.origin, v.body, v.body_z, v.body_base,
       v.language
FROM events e JOIN articles a ON a.id = e.article_id LEFT JOIN versions v ON v.id = e.version_id
LEFT JOIN b ON b.site = e.site
WHERE e.kind IN ('new', 'edited', 'gone', 'back')
  AND NOT (e.kind = 'new' AND e.crawl_id IS NOT NULL AND e.crawl_id <= b.upto
           AND coalesce(substr(v.published, 1, 10), '') < date(b.started, ?))
ORDER BY e.id DESC LIMIT ?
"""


def feed_events(db: Database, limit: int, new_window_days: float) -> list[dict[str, Any]]:
    """The newest new, edited, gone and back events with their version, newest first; a site's
    baseline articles (monitor.digest) are left out, as the digest leaves them out."""
    return [with_body(db, row) for row in db.query(_FEED_SQL, [f"-{new_window_days} days", limit])]
