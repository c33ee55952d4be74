"""The writer's verbs: apply one observation of a worker's crawl to the store, in one transaction.

The same store functions a crawl on one machine calls (crawler.recording). Each observation
is applied once: the run's token and the observation's number are checked and advanced in the
transaction that applies it, so an observation replayed after a crash (or sent twice) is
skipped. A store failure that is not the store being busy or full (a page the store refuses)
fails that page, as on one machine; a busy, locked or full store rolls back and raises, and
the observation stays unacknowledged for the next try.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

from crawler.outcomes import PageOutcome, Verb, file_key
from crawler.recording import store_article, store_file, store_outcome
from crawler.runstatus import Tally, run_status
from crawler.site_profile import profile_from_data
from crawler.upkeep import after_crawl
from store.crawls import close_abandoned, close_running, crawl_row, finish_crawl, record_failure, start_crawl
from store.db import write
from store.record import now_iso
from store.remote_runs import RemoteRun, add_remote_run, advance, remote_run, set_run_profile

from .messages import Observation, article_item, file_item, page_outcome

logger = logging.getLogger(__name__)


# Learns a site's profile again from its stored pages (crawler.site_profile.rebuild_profile's job).
Relearn = Callable[[Database, str, list[str]], object]


def relearn_now(db: Database, site: str, listing_titles: list[str]) -> None:
    """Learn the site's profile again and pack its new raw pages, at once."""
    after_crawl(db, site, listing_titles)


def apply(db: Database, observation: Observation, relearn: Relearn = relearn_now) -> str:
    """Record one observation; 'applied', 'duplicate' (already in the store) or 'orphan' (unknown run).

    A run's end asks `relearn` for its site's profile (the writer does it after the commit, in
    another process, so one writer can keep up with many workers).
    """
    with write(db):
        run = remote_run(db, observation.run)
        if observation.kind == "start":
            return "duplicate" if run is not None else _start(db, observation)
        if run is None:
            return _orphan(db, observation)
        if observation.seq <= run.last_seq:
            return "duplicate"
        tally = Tally.from_json(run.tally)
        if observation.kind == "finish":
            _finish(db, run, observation, tally, relearn)
        else:
            _VERBS[observation.kind](db, run, observation, tally)
        advance(db, run.token, observation.seq, tally.to_json())
    return "applied"


def _start(db: Database, observation: Observation) -> str:
    # A worker opens a run only while it holds the site's lock in Redis, and observations of
    # a site arrive in the order they were made: a run of the site still 'running' was killed.
    close_running(db, observation.site, "", "killed", "the crawl's worker ended without closing its run")
    crawl_id = start_crawl(db, observation.site, now_iso())
    worker = observation.data.get("worker") or None
    add_remote_run(db, observation.run, crawl_id, observation.site, observation.seq, worker)
    return "applied"


def _orphan(db: Database, observation: Observation) -> str:
    """A run the writer never saw start: a job's crawl that died before it could announce it."""
    if observation.kind == "finish" and observation.data.get("abandoned"):
        close_abandoned(db, observation.site, now_iso(), observation.data["status"], observation.data["error"])
        return "applied"
    logger.error(
        "[%s] observation %s of an unknown run %s: dropped", observation.site, observation.seq, observation.run
    )
    return "orphan"


def _profile(db: Database, run: RemoteRun, observation: Observation, tally: Tally) -> None:
    set_run_profile(db, run.token, observation.data["profile"])


def _article(db: Database, run: RemoteRun, observation: Observation, tally: Tally) -> None:
    item = article_item(observation.data, observation.raw or b"")
    profile = profile_from_data(run.profile) if run.profile is not None else None
    _stored(
        db,
        run,
        tally,
        item.article.url,
        item.key,
        None,
        lambda: store_article(db, item, run.crawl_id, now_iso(), profile),
    )


def _file(db: Database, run: RemoteRun, observation: Observation, tally: Tally) -> None:
    item = file_item(observation.data, observation.raw)
    key = file_key(item.article_key, item.url)
    _stored(db, run, tally, item.url, key, item.article_key, lambda: store_file(db, item, run.crawl_id, now_iso()))


def _stored(
    db: Database,
    run: RemoteRun,
    tally: Tally,
    url: str,
    key: str,
    file_of: str | None,
    store: Callable[[], PageOutcome],
) -> None:
    """Count what storing a page or file came to; a page the store refuses, or that cannot be
    recorded for any other reason (a damaged stored body), fails with why, as on one machine —
    never dropped as a malformed entry, which would leave no trace of it."""
    try:
        outcome = store()
    except (sqlite3.OperationalError, OSError):
        raise  # busy, locked, full, an I/O error: the whole observation is tried again later (writer.py)
    except Exception as exc:  # (its savepoint rolled back what it wrote)
        reason = _failure(exc)
        outcome = PageOutcome(Verb.FAILED, url, key, reason=reason, store_error=True, file_of=file_of)
        record_failure(db, run.crawl_id, run.site, url, None, reason)
    tally.add(outcome)


def _failure(exc: Exception) -> str:
    if isinstance(exc, sqlite3.Error):
        return f"store write failed: {exc}"
    return f"store write failed: recording failed: {type(exc).__name__}: {exc}"


def _outcome(db: Database, run: RemoteRun, observation: Observation, tally: Tally) -> None:
    outcome = page_outcome(observation.data)
    try:
        store_outcome(db, run.site, outcome, run.crawl_id, now_iso(), observation.data["gone_after"])
    except sqlite3.OperationalError:
        raise  # busy, locked, full: the whole observation is tried again later
    except sqlite3.Error as exc:  # refused for good: counted against the run, as the crawl does on one machine
        tally.store_failed(f"store write failed: {exc}")


def _finish(db: Database, run: RemoteRun, observation: Observation, tally: Tally, relearn: Relearn) -> None:
    data = observation.data
    if data.get("abandoned"):  # the job saw its crawl process die, time out or fail
        row = crawl_row(db, run.crawl_id)
        if row is not None and row["status"] == "running":
            finish_crawl(db, run.crawl_id, tally.counts, data["status"], data["error"])
        return
    whole = Tally.from_json(data["tally"]).merge(tally)
    try:  # what the crawl stored refines the profile; a failure must not lose the run's row
        relearn(db, run.site, list(data.get("listing_titles", ())))
    except sqlite3.OperationalError:
        raise
    except Exception as exc:
        logger.error("[%s] at the end of the crawl: %s", run.site, exc)
    status, error = run_status(data["reason"], whole)
    finish_crawl(db, run.crawl_id, whole.counts, status, error)


_VERBS: dict[str, Callable[[Database, RemoteRun, Observation, Tally], None]] = {
    "profile": _profile,
    "article": _article,
    "file": _file,
    "outcome": _outcome,
}
