"""The store pipeline: hands articles and attachment files to the crawl's backend (the store,
or the writer of a distributed crawl); the crawl run counts each outcome."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.crawlrun import CrawlRun, settle
from crawler.items import ArticleItem, FileItem
from crawler.outcomes import PageOutcome, StoreWriteError, Verb, file_key

logger = logging.getLogger(__name__)


class StorePipeline:
    """Record each item in one transaction (in an extraction worker: crawler/backends.py); a
    failed write fails that item only."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the pipeline (the store belongs to the crawl's CrawlRun and its backend)."""
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        """Store an article or an attachment file; its outcome goes to the crawl run."""
        run = CrawlRun.of(self.crawler)
        if not run.opened:
            raise DropItem("the crawl has no open store", log_level="DEBUG")
        key = item.key if isinstance(item, ArticleItem) else file_key(item.article_key, item.url)
        try:
            if isinstance(item, ArticleItem):
                evidence = getattr(self.crawler.spider, "evidence", None)
                outcome = await run.backend.article(item, evidence.profile if evidence is not None else None)
            else:
                outcome = await run.backend.file(item)
        except (sqlite3.Error, StoreWriteError) as exc:
            reason = f"store write failed: {exc}"
            file_of = item.article_key if isinstance(item, FileItem) else None
            url = item.article.url if isinstance(item, ArticleItem) else item.url
            settle(self.crawler, PageOutcome(Verb.FAILED, url, key, reason=reason, store_error=True, file_of=file_of))
            self._answered(run, item)
            raise DropItem(reason, log_level="DEBUG") from exc
        settle(self.crawler, outcome)
        self._answered(run, item)
        if isinstance(item, FileItem):  # recorded with its article; exports (-O) list articles only
            raise DropItem("attachment file recorded", log_level="DEBUG")
        return item

    @staticmethod
    def _answered(run: CrawlRun, item: Any) -> None:
        # The page may have come back under another address than it was requested by (a
        # redirect, its canonical URL): its outcome answers every address it was reached by.
        if isinstance(item, ArticleItem):
            run.answered_by(item.aliases)
