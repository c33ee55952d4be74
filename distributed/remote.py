"""The backend of a crawl that runs on a worker: it reads the snapshot its job carried, holds
the site's lock in Redis, and sends every observation to the writer's stream.

Selected with the Scrapy setting NEWSWATCH_BACKEND = "distributed.remote.RemoteBackend";
NEWSWATCH_QUEUE (the Redis URL), NEWSWATCH_RUN_TOKEN, NEWSWATCH_SNAPSHOT (a JSON file),
NEWSWATCH_WORKER (who crawls) and NEWSWATCH_LOCK_SECONDS configure it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Self

import redis
from redis.lock import Lock
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from crawler.extract import SiteProfile
from crawler.items import ArticleItem, FileItem
from crawler.outcomes import PageOutcome, StoreWriteError, Verb, file_key
from crawler.runstatus import Tally
from crawler.site_profile import profile_data
from crawler.siteview import SiteSnapshot, SiteView
from store.listings import Listing
from store.record import now_iso

from .connection import UNREACHABLE, connect, crawling_key, shown
from .messages import STREAM, Observation, article_data, file_data, outcome_data

logger = logging.getLogger(__name__)
SEND_PAUSES = (0.5, 1, 2, 4, 8)  # a send is retried for about 15 s before the crawl gives up
DEFAULT_LOCK_SECONDS = 30.0


class RemoteBackend:
    """Observations go to Redis; the writer records them with the store's verbs."""

    def __init__(self, crawler: Crawler, url: str, token: str, snapshot: Path, worker: str, lock_seconds: float):
        self.crawler = crawler
        self.url = url
        self.token = token
        self.snapshot_path = snapshot
        self.worker = worker
        self.lock_seconds = lock_seconds
        self.redis: redis.Redis = connect(url)
        self.run_id: int | None = None  # the crawl row's id is the writer's to know
        self.site = ""
        self.seq = 0
        self.snapshot: SiteSnapshot | None = None
        self.lock: Lock | None = None
        self.keeper: LoopingCall | None = None
        self.kept_at = 0.0
        self.sent_profile: SiteProfile | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """From the crawl's settings (see the module's docstring)."""
        settings = crawler.settings
        return cls(
            crawler,
            settings.get("NEWSWATCH_QUEUE"),
            settings.get("NEWSWATCH_RUN_TOKEN"),
            Path(settings.get("NEWSWATCH_SNAPSHOT")),
            settings.get("NEWSWATCH_WORKER") or "",
            settings.getfloat("NEWSWATCH_LOCK_SECONDS", DEFAULT_LOCK_SECONDS),
        )

    # ---- the run
    def open(self, site: str) -> bool:
        """Take the site's lock in Redis (False when another crawl holds it) and announce the run."""
        self.site = site
        lock = self.redis.lock(crawling_key(site), timeout=self.lock_seconds, thread_local=False)
        # A crawl killed with its worker holds the lock until it expires: a retried job waits that out.
        wait = 1.5 * self.lock_seconds
        if not self._retrying("take the site's lock", lambda: lock.acquire(blocking=True, blocking_timeout=wait)):
            return False
        self.lock, self.kept_at = lock, time.monotonic()
        self.snapshot = SiteSnapshot.from_json(self.snapshot_path.read_text(encoding="utf-8"))
        self._send("start", {"worker": self.worker})
        self.keeper = LoopingCall(self._keep_lock)
        self.keeper.start(self.lock_seconds / 3, now=False)
        return True

    def view(self) -> SiteView:
        """The snapshot the job carried."""
        assert self.snapshot is not None
        return self.snapshot

    async def article(self, item: ArticleItem, profile: SiteProfile | None) -> PageOutcome:
        """Send the page (and first the profile it was read with, when that is new to the writer)."""
        if profile is not None and profile is not self.sent_profile:
            self._send("profile", {"profile": profile_data(profile)})
            self.sent_profile = profile
        self._send("article", article_data(item), item.raw)
        return PageOutcome(Verb.SENT, item.article.url, item.key, title=item.article.title)

    async def file(self, item: FileItem) -> PageOutcome:
        """Send a fetched attachment file (its bytes only when the registry keeps them)."""
        self._send("file", file_data(item), item.data)
        return PageOutcome(Verb.SENT, item.url, file_key(item.article_key, item.url), file_of=item.article_key)

    def listings(self, listings: list[Listing]) -> None:
        """Nothing: the writer keeps no listing pages (a distributed crawl reads each one whole)."""

    def outcome(self, outcome: PageOutcome, gone_after: int) -> str | None:
        """Send a 304, miss, failure or skip (the writer says whether an article went gone)."""
        self._send("outcome", outcome_data(outcome, gone_after))
        return None

    async def close(self, reason: str, tally: Tally, listing_titles: set[str]) -> tuple[str, str | None]:
        """Send the run's end (the writer closes its row with the status); release the lock."""
        if self.keeper is not None and self.keeper.running:
            self.keeper.stop()
        try:
            self._send("finish", {"reason": reason, "tally": tally.to_json(), "listing_titles": sorted(listing_titles)})
        finally:
            self._release()
        return "sent", None

    # ---- Redis
    def _send(self, kind: str, data: dict[str, Any], raw: bytes | None = None) -> None:
        self.seq += 1
        observation = Observation(self.token, self.seq, kind, self.site, now_iso(), data, raw)
        fields = observation.fields()
        try:
            self._retrying(f"send {kind}", lambda: self.redis.xadd(STREAM, fields))  # type: ignore[arg-type]
        except UNREACHABLE as exc:
            raise StoreWriteError(f"cannot send to the writer's queue at {shown(self.url)}: {exc}") from exc

    def _retrying(self, what: str, call: Any) -> Any:
        for pause in (*SEND_PAUSES, None):
            try:
                return call()
            except UNREACHABLE as exc:
                if pause is None:
                    raise
                logger.error(
                    "[%s] cannot %s: Redis at %s: %s; again in %s s", self.site, what, shown(self.url), exc, pause
                )
                time.sleep(pause)
        return None

    def _keep_lock(self) -> None:
        """Extend the site's lock; a crawl that lost it stops (another may have started)."""
        assert self.lock is not None
        try:
            self.lock.reacquire()
            self.kept_at = time.monotonic()
            return
        except redis.exceptions.LockError as exc:
            problem = f"the site's lock was lost ({exc})"
        except UNREACHABLE as exc:
            if time.monotonic() - self.kept_at < self.lock_seconds:
                logger.error("[%s] cannot extend the site's lock yet: %s", self.site, exc)
                return
            problem = f"the site's lock expired while Redis was unreachable ({exc})"
        logger.error("[%s] %s: stopping this crawl", self.site, problem)
        if self.keeper is not None and self.keeper.running:
            self.keeper.stop()
        self.lock = None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="lock_lost"))

    def _release(self) -> None:
        if self.lock is None:
            return
        try:
            self.lock.release()
        except (redis.exceptions.LockError, *UNREACHABLE) as exc:  # it expires by itself
            logger.warning("[%s] the site's lock was not released: %s", self.site, exc)
        self.lock = None
