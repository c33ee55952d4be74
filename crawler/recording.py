"""What each observation of a crawl means for the store: the same verbs wherever the crawl
ran (in this process, or on a worker whose observations the writer applies)."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from crawler.extract import SiteProfile
from crawler.items import ArticleItem, FileItem
from crawler.outcomes import PageOutcome, StoreWriteError, Verb, file_key
from crawler.rebase import rebase_under
from crawler.upkeep import Note, upkeep
from crawler.workers import taking_turn, write_turn
from store import Outcome, open_db, record
from store.attachments import FileFetch, FileOutcome, record_file, record_file_not_modified
from store.bodies import BodyError
from store.checks import (
    MissResult,
    record_all_not_modified,
    record_check_failed,
    record_missing,
    record_not_modified,
)
from store.crawls import record_failure
from store.diffs import diff_edit
from store.record import Fetch, now_iso

logger = logging.getLogger(__name__)
_VERBS = {Outcome.NEW: Verb.NEW, Outcome.EDITED: Verb.EDITED, Outcome.UNCHANGED: Verb.UNCHANGED}
_FILE_VERBS = {FileOutcome.NEW: Verb.NEW, FileOutcome.CHANGED: Verb.EDITED, FileOutcome.UNCHANGED: Verb.UNCHANGED}


def store_article(
    db: Database, item: ArticleItem, crawl_id: int | None, fetched_at: str, profile: SiteProfile | None
) -> PageOutcome:
    """Record an article page (re-reading its stored version under the same hints first); its outcome."""
    fetch = Fetch(
        fetched_at=fetched_at,
        crawl_id=crawl_id,
        raw=item.raw,
        content_type=item.content_type,
        fetched_url=item.fetched_url,
        etag=item.etag,
        last_modified=item.last_modified,
        key=item.key,
        aliases=item.aliases,
        extractor=item.extractor,
        hints=item.hints,
        link_texts=item.link_texts,
    )
    result = record(db, item.site, item.article, fetch, rebase=rebase_under(db, item.link_texts, profile))
    if result.outcome is Outcome.EDITED:
        inside = db.conn.in_transaction  # the writer records inside its own transaction
        try:
            diff_edit(db, result.event_id)  # once, now: digests read it back
        except (sqlite3.Error, BodyError) as exc:  # the edit is stored; a digest computes a missing diff itself
            if inside and not db.conn.in_transaction:
                raise  # SQLite rolled the whole transaction back (a full disk): the edit is not stored
            logger.warning("the diff of %s was not kept: %s", item.article.url, exc)
    return PageOutcome(_VERBS[result.outcome], item.article.url, item.key, title=item.article.title)


# The store as each extraction worker opened it, by path, with the file's identity then: a
# worker records many pages, and a store replaced at the same path must not get them.
_WORKER_STORES: dict[str, tuple[Database, tuple[int, int]]] = {}


def store_article_at(
    db_path: str,
    identity: tuple[int, int] | None,
    item: ArticleItem,
    crawl_id: int | None,
    profile: SiteProfile | None,
) -> PageOutcome:
    """store_article in an extraction worker process, on the worker's own connection to the store.

    Recording a page is a third of a crawl's CPU; on the crawl's reactor thread it capped a
    crawl at what one core can record, while extraction already ran on every core. SQLite's
    write lock serialises the workers' transactions with each other and with the crawl's own.
    The page is stamped when its turn comes, not when it was queued: a digest covers events up
    to when it was made, so an event must not be stamped long before it is committed.
    """
    db = _worker_store(db_path, identity)
    with taking_turn(write_turn()):
        return store_article(db, item, crawl_id, now_iso(), profile)


def upkeep_at(db_path: str, identity: tuple[int, int] | None, site: str, listing_titles: list[str]) -> list[Note]:
    """The site's upkeep after its crawl (crawler.upkeep) in an extraction worker; what to log.

    Learning the profile parses up to 100 stored pages (0.15 s) and packing compresses the
    new raw pages: on the reactor thread that stalled every other site crawled in the same
    process, and the end of this one. Not under the write turn, as in the crawl process: its
    transactions are short, and the other worker's pages wait for SQLite's lock meanwhile.
    """
    return upkeep(_worker_store(db_path, identity), site, listing_titles)


def file_identity(path: str | Path) -> tuple[int, int]:
    """The device and inode of a file: which file a path names now."""
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def _worker_store(db_path: str, expected: tuple[int, int] | None) -> Database:
    try:
        identity = file_identity(db_path)
    except OSError as exc:  # never a new empty store in its place
        raise StoreWriteError(f"the store {db_path} is gone: {exc}") from exc
    if expected is not None and identity != expected:  # the crawl's run row is in the other file
        raise StoreWriteError(f"the store {db_path} was replaced while the crawl ran")
    cached = _WORKER_STORES.get(db_path)
    if cached is not None and cached[1] == identity:
        return cached[0]
    if cached is not None:
        cached[0].close()
    db = open_db(db_path)
    _WORKER_STORES[db_path] = (db, identity)
    return db


def store_file(db: Database, item: FileItem, crawl_id: int | None, fetched_at: str) -> PageOutcome:
    """Record a fetched attachment file; its outcome (skipped when its article is not stored)."""
    fetch = FileFetch(
        url=item.url,
        text=item.text,
        fetched_at=fetched_at,
        sha256=item.sha256,
        size=item.size,
        content_type=item.content_type,
        etag=item.etag,
        last_modified=item.last_modified,
        crawl_id=crawl_id,
        data=item.data,
    )
    outcome = record_file(db, item.article_key, item.site, fetch)
    key = file_key(item.article_key, item.url)
    if outcome is None:  # the article's own write failed (and was counted): not a second failure
        reason = "not recorded: its article could not be stored"
        return PageOutcome(Verb.SKIPPED, item.url, key, reason=reason, file_of=item.article_key)
    return PageOutcome(_FILE_VERBS[outcome], item.url, key, file_of=item.article_key)


def store_not_modified(db: Database, keys: list[str], crawl_id: int | None, fetched_at: str) -> None:
    """Record 304 answers to several known articles at once (an unknown key is passed over)."""
    record_all_not_modified(db, keys, Fetch(fetched_at=fetched_at, crawl_id=crawl_id))


def store_outcome(
    db: Database, site: str, outcome: PageOutcome, crawl_id: int | None, fetched_at: str, gone_after: int
) -> MissResult | None:
    """Record a page's outcome that is not an article: a 304, a miss, a failure or a skip."""
    fetch = Fetch(fetched_at=fetched_at, crawl_id=crawl_id)
    if outcome.verb is Verb.NOT_MODIFIED and outcome.file_of:
        record_file_not_modified(db, outcome.file_of, outcome.url, fetched_at)
    elif outcome.verb is Verb.NOT_MODIFIED and outcome.key:
        record_not_modified(db, outcome.key, fetch)
    elif outcome.verb is Verb.MISSING and outcome.key:
        return record_missing(db, outcome.key, outcome.status or 404, fetch, gone_after)
    elif outcome.verb in {Verb.FAILED, Verb.SKIPPED}:
        reason = outcome.reason or "unknown"
        record_failure(db, crawl_id, site, outcome.url, outcome.status, reason, outcome.verb.value)
        if outcome.key and outcome.verb is Verb.FAILED and not outcome.file_of:  # (an article's check)
            record_check_failed(db, outcome.key, outcome.status, reason)
    return None
