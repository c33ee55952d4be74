"""The store pipeline: each item becomes a store.record() call, each crawl a crawl row."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from crawler.items import ArticlePage, FailedPage, MissingPage, NotModifiedPage
from crawler.lock import SiteLock
from store import Outcome, open_db, record
from store.checks import record_missing, record_not_modified
from store.crawls import CrawlCounts, close_running, finish_crawl, record_failure, start_crawl
from store.record import Fetch, now_iso

logger = logging.getLogger(__name__)


class StorePipeline:
    """Write articles and failures of one crawl into the SQLite store."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("NEWSWATCH_DB")
        self.progress = crawler.settings.getbool("NEWSWATCH_PROGRESS")
        self.counts = CrawlCounts()
        self.crawl_id: int | None = None
        self.site = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the pipeline and hook it to the spider's open and close signals."""
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def spider_opened(self, spider: Spider) -> None:
        """Take the site's lock, open the store and the crawl run's row."""
        self.site = spider.name
        self.gone_after = spider.policy.gone_after  # type: ignore[attr-defined]
        self.lock = SiteLock(Path(self.db_path), self.site)
        if not self.lock.acquire():
            self.crawler.stats.set_value("newswatch/busy", True)
            self._say("skipped: another crawl of this site is running")
            raise CloseSpider("busy")
        self.db = open_db(self.db_path)
        # Holding the lock proves no other crawl of the site runs: a run still marked
        # 'running' was killed before it could close its row.
        close_running(self.db, self.site, "", "killed", "the crawl process ended without closing its run")
        self.crawl_id = start_crawl(self.db, self.site)
        self.crawler.stats.set_value("newswatch/crawl_id", self.crawl_id)

    def process_item(self, item: Any) -> Any:
        """Record an item; a store that cannot be written (disk full, locked) fails the page, not the crawl.

        Each write is one transaction, so a failed one leaves the store as it was.
        """
        try:
            self._record(item)
        except sqlite3.Error as exc:
            self.counts.failed += 1
            self.counts.errors.append(str(exc))
            logger.error("[%s] cannot store %s: %s", self.site, getattr(item, "url", "?"), exc)
            self._say(f"failed    {getattr(item, 'url', '?')} (store write failed: {exc})")
        return item

    def _record(self, item: Any) -> None:
        if isinstance(item, NotModifiedPage):
            record_not_modified(self.db, item.url, Fetch(fetched_at=now_iso(), crawl_id=self.crawl_id))
            self.counts.pages += 1
            self.counts.unchanged += 1
            self.counts.not_modified += 1
            self._say(f"304       {item.url}")
        elif isinstance(item, MissingPage):
            miss = record_missing(
                self.db, item.url, item.status, Fetch(fetched_at=now_iso(), crawl_id=self.crawl_id), self.gone_after
            )
            self.counts.missing += 1
            note = "now gone" if miss.gone else f"miss {miss.misses} of {self.gone_after}"
            self._say(f"missing   {item.url} (HTTP {item.status}, {note})")
        elif isinstance(item, FailedPage):
            self.counts.failed += 1
            record_failure(self.db, self.crawl_id, item.site, item.url, item.status, item.reason)
            self._say(f"failed    {item.url} ({item.reason})")
        elif isinstance(item, ArticlePage):
            fetch = Fetch(
                fetched_at=now_iso(),
                crawl_id=self.crawl_id,
                raw=item.raw,
                content_type=item.content_type,
                fetched_url=item.fetched_url,
                etag=item.etag,
                last_modified=item.last_modified,
            )
            result = record(self.db, item.site, item.article, fetch)
            self.counts.pages += 1
            if result.outcome is Outcome.NEW:
                self.counts.new += 1
            elif result.outcome is Outcome.EDITED:
                self.counts.edited += 1
            else:
                self.counts.unchanged += 1
            self.crawler.stats.inc_value(f"newswatch/{result.outcome.value}")
            self._say(f"{result.outcome.value:<9} {item.article.url}  {item.article.title or ''}")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close the crawl run with its counts; any reason but 'finished' is noted."""
        if self.crawl_id is None:
            return
        status = "ok" if reason in {"finished", "closespider_pagecount"} else reason
        error = self.counts.errors[-1] if self.counts.errors else None
        try:
            finish_crawl(self.db, self.crawl_id, self.counts, status, error)
        except sqlite3.Error as exc:
            logger.error("[%s] cannot close crawl run %s: %s", self.site, self.crawl_id, exc)
        finally:
            self.db.close()
            self.lock.release()

    def _say(self, line: str) -> None:
        logger.info("[%s] %s", self.site, line)
        if self.progress:
            print(f"[{self.site}] {line}", file=sys.stderr, flush=True)
