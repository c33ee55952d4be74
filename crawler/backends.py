"""Where a crawl reads its site and sends what it observes: the seam between a crawl and the store.

`LocalBackend` (the default, one machine) holds the site's lock file, opens the store, and
records each observation with the store's verbs as it happens. A distributed crawl uses
another backend (`distributed.remote.RemoteBackend`, named by the NEWSWATCH_BACKEND setting)
that reads a snapshot carried by its job and sends each observation to the writer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, Self

from scrapy.crawler import Crawler
from sqlite_utils import Database

from crawler.extract import SiteProfile
from crawler.items import ArticleItem, FileItem
from crawler.lock import SiteLock
from crawler.outcomes import PageOutcome, StoreWriteError, Verb
from crawler.recording import (
    file_identity,
    store_article,
    store_article_at,
    store_file,
    store_not_modified,
    store_outcome,
    upkeep_at,
)
from crawler.runstatus import Tally, run_status
from crawler.siteview import SiteView, StoreView
from crawler.upkeep import after_crawl, log_notes
from crawler.workers import ExtractionPool, reset_pool, running_pool, shared_pool, write_turn_of_the_workers
from store import open_db
from store.crawls import close_running, finish_crawl, start_crawl
from store.listings import Listing, remember_listings
from store.record import now_iso, recorded_in_crawl

logger = logging.getLogger(__name__)
# A re-crawl is mostly articles answering 304, and a transaction each was a twentieth of its
# time: they are written together, once this many are held or a 304 comes this long after
# the first held one, before any other write (so the store sees a crawl's writes in order)
# and when the run ends. A crawl killed meanwhile loses only their "last checked" time: they
# are checked again by the next crawl.
HOLD_304 = 200
HOLD_304_SECONDS = 1.0


_UPKEEP_TURN: asyncio.Lock | None = None


def _upkeep_turn() -> asyncio.Lock:
    """The turn the sites of one crawl process take for their upkeep (made in the running loop)."""
    global _UPKEEP_TURN
    if _UPKEEP_TURN is None:
        _UPKEEP_TURN = asyncio.Lock()
    return _UPKEEP_TURN


class Backend(Protocol):
    """What a crawl run needs from where its observations go."""

    run_id: int | None  # the store's crawl id, when the crawl knows it

    def open(self, site: str) -> bool:
        """Take the site's lock and open the run; False when another crawl of the site holds it."""
        ...

    def view(self) -> SiteView:
        """The site as the store knows it (known articles, attachments, profile)."""
        ...

    async def article(self, item: ArticleItem, profile: SiteProfile | None) -> PageOutcome:
        """Record an article page read under `profile`; its outcome (SENT when the writer decides)."""
        ...

    async def file(self, item: FileItem) -> PageOutcome:
        """Record a fetched attachment file; its outcome."""
        ...

    def outcome(self, outcome: PageOutcome, gone_after: int) -> str | None:
        """Record a 304, miss, failure or skip; a line to show when it made the article gone."""
        ...

    def listings(self, listings: list[Listing]) -> None:
        """Remember listing pages read whole (their validators and links) for the next crawl."""
        ...

    async def close(self, reason: str, tally: Tally, listing_titles: set[str]) -> tuple[str, str | None]:
        """Close the run (then re-learn the site profile); its status and error; release the lock."""
        ...


@contextmanager
def _recording_failures() -> Iterator[None]:
    """Whatever keeps a page from being recorded fails that page (with why), never the crawl."""
    try:
        yield
    except (sqlite3.Error, StoreWriteError):
        raise
    except BrokenProcessPool as exc:
        raise StoreWriteError(f"the worker recording the page died: {exc}") from exc
    except Exception as exc:
        logger.debug("recording failed", exc_info=True)
        raise StoreWriteError(f"recording failed: {type(exc).__name__}: {exc}") from exc


class LocalBackend:
    """The store in this process: today's store verbs, under the site's lock file."""

    def __init__(self, db_path: Path, workers: int | None = None):
        self.db_path = db_path
        self.workers = workers  # extraction workers (None: one per core; 0: record in this process)
        self.db: Database | None = None
        self.lock: SiteLock | None = None
        self.site = ""
        self.run_id: int | None = None
        # Articles being recorded by a worker, by key: an attachment is recorded after its article.
        self._recording: dict[str, asyncio.Future[PageOutcome]] = {}
        self.store_identity: tuple[int, int] | None = None
        self.recorded_by_workers = 0  # articles a worker recorded (the crawl's stats say how many)
        self._held: list[str] = []  # keys of articles that answered 304, not written yet
        self._held_since = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """The store named by the NEWSWATCH_DB setting."""
        workers = crawler.settings.get("NEWSWATCH_EXTRACT_WORKERS")
        return cls(Path(crawler.settings.get("NEWSWATCH_DB")), None if workers in (None, "") else int(workers))

    def open(self, site: str) -> bool:
        self.site = site
        lock = SiteLock(self.db_path, site)
        if not lock.acquire():
            return False
        self.lock = lock
        try:
            self.db = open_db(self.db_path)
            self.store_identity = file_identity(self.db_path)  # the workers write to this file only
            # Holding the lock proves no other crawl of the site runs: a run still marked
            # 'running' was killed before it could close its row.
            close_running(self.db, site, "", "killed", "the crawl process ended without closing its run")
            self.run_id = start_crawl(self.db, site)
        except BaseException:  # no run without its row: let go of the store and the lock
            if self.db is not None:
                self.db.close()
                self.db = None
            lock.release()
            self.lock = None
            raise
        return True

    def view(self) -> SiteView:
        assert self.db is not None
        return StoreView(self.db, self.site)

    async def article(self, item: ArticleItem, profile: SiteProfile | None) -> PageOutcome:
        """Recorded by an extraction worker (in this process without workers); any failure is
        a StoreWriteError (or sqlite3.Error), so the page gets its `failed` outcome."""
        assert self.db is not None
        pool = shared_pool(self.workers)
        if pool.in_process:
            with _recording_failures():
                return store_article(self.db, item, self.run_id, now_iso(), profile)
        recorded = asyncio.ensure_future(self._in_worker(pool, item, profile))
        self._recording[item.key] = recorded
        try:
            return await recorded
        finally:
            if self._recording.get(item.key) is recorded:
                del self._recording[item.key]

    async def _in_worker(self, pool: ExtractionPool, item: ArticleItem, profile: SiteProfile | None) -> PageOutcome:
        args = (str(self.db_path), self.store_identity, item, self.run_id, profile)
        try:
            with _recording_failures():
                outcome = await pool.run(store_article_at, *args)
            self.recorded_by_workers += 1
            return outcome
        except StoreWriteError as exc:
            if isinstance(exc.__cause__, BrokenProcessPool):  # a worker died (killed, out of memory)
                reset_pool(pool)
                stored = self._recorded_before_it_died(item)
                if stored is not None:
                    return stored
            raise

    def _recorded_before_it_died(self, item: ArticleItem) -> PageOutcome | None:
        """The outcome of a page whose worker died after its write committed: stored, so not a
        failure (the run would say failed of a page it had stored). None when it is not stored,
        or stored unchanged, which leaves no trace to tell by (it fails; the next crawl checks it)."""
        assert self.db is not None
        try:
            outcome = recorded_in_crawl(self.db, [item.key, *item.aliases], self.run_id)
        except sqlite3.Error:
            return None
        if outcome is None:
            return None
        return PageOutcome(Verb(outcome.value), item.article.url, item.key, title=item.article.title)

    async def file(self, item: FileItem) -> PageOutcome:
        assert self.db is not None
        recording = self._recording.get(item.article_key)
        if recording is not None:  # its article is still being recorded (its outcome is the pipeline's)
            await asyncio.wait([recording])
        with write_turn_of_the_workers():
            return store_file(self.db, item, self.run_id, now_iso())

    def outcome(self, outcome: PageOutcome, gone_after: int) -> str | None:
        assert self.db is not None
        if outcome.verb is Verb.NOT_MODIFIED and outcome.key and not outcome.file_of:
            if not self._held:
                self._held_since = time.monotonic()
            self._held.append(outcome.key)
            if len(self._held) >= HOLD_304 or time.monotonic() - self._held_since >= HOLD_304_SECONDS:
                self.write_held()
            return None
        try:
            self.write_held()
        finally:  # its own write is tried even when the held ones failed
            with write_turn_of_the_workers():
                miss = store_outcome(self.db, self.site, outcome, self.run_id, now_iso(), gone_after)
        return f"gone      {outcome.url} ({miss.misses} misses in a row)" if miss and miss.gone else None

    def write_held(self) -> None:
        """Write the 304 answers held so far; StoreWriteError (how many) when the store refuses them."""
        if not self._held or self.db is None:
            return
        keys, self._held = self._held, []
        try:
            with write_turn_of_the_workers():
                store_not_modified(self.db, keys, self.run_id, now_iso())
        except sqlite3.Error as exc:
            raise StoreWriteError(f"{len(keys)} articles' 304 answers not recorded: {exc}") from exc

    def listings(self, listings: list[Listing]) -> None:
        assert self.db is not None
        with write_turn_of_the_workers():
            remember_listings(self.db, self.site, listings, now_iso())

    async def close(self, reason: str, tally: Tally, listing_titles: set[str]) -> tuple[str, str | None]:
        assert self.db is not None and self.run_id is not None
        try:
            try:
                self.write_held()
            except StoreWriteError as exc:  # the run says so; its row is still closed
                tally.store_failed(str(exc))
                logger.error("[%s] %s", self.site, exc)
            status, error = run_status(reason, tally)
            with write_turn_of_the_workers():  # (another site's crawl in this process may be recording)
                finish_crawl(self.db, self.run_id, tally.counts, status, error)
            await self._upkeep(sorted(listing_titles))  # after the row: it must not lose the run
            return status, error
        finally:
            self.db.close()
            if self.lock is not None:
                self.lock.release()

    async def _upkeep(self, listing_titles: list[str]) -> None:
        """The site's profile learned again and its new raw pages packed, in a worker (see
        recording.upkeep_at); its failures are logged, never the run's."""
        assert self.db is not None
        pool = running_pool() if self.workers != 0 else None
        # No pool yet: this process extracted no page (a re-crawl answered 304), so there is
        # nothing new to learn from or pack — starting the workers for it took 0.2 s.
        if pool is None or pool.in_process:
            after_crawl(self.db, self.site, listing_titles)
            return
        try:
            async with _upkeep_turn():  # one site's at a time, as on the reactor: packing holds the write lock
                notes = await pool.run(upkeep_at, str(self.db_path), self.store_identity, self.site, listing_titles)
        except Exception as exc:  # the worker died, or the store was replaced: the next crawl tries again
            if isinstance(exc, BrokenProcessPool):
                reset_pool(pool)
            logger.error("[%s] cannot learn the site profile nor pack its pages: %s", self.site, exc)
            return
        log_notes(notes)
