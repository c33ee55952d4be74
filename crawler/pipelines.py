"""The store pipeline: writes each article item with store.record(); the crawl run counts it."""

from __future__ import annotations

import logging
import sqlite3
from functools import partial
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.crawlrun import CrawlRun, settle
from crawler.items import ArticleItem
from crawler.outcomes import PageOutcome, Verb
from crawler.rebase import reextract
from store import Outcome, record
from store.record import Fetch, now_iso

logger = logging.getLogger(__name__)
_VERBS = {Outcome.NEW: Verb.NEW, Outcome.EDITED: Verb.EDITED, Outcome.UNCHANGED: Verb.UNCHANGED}


class StorePipeline:
    """Record each article in the store in one transaction; a failed write fails that page only."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the pipeline (the store connection belongs to the crawl's CrawlRun)."""
        return cls(crawler)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        """Store the article; its outcome (new, edited, unchanged or failed) goes to the crawl run."""
        run = CrawlRun.of(self.crawler)
        if run.db is None:
            raise DropItem("the crawl has no open store", log_level="DEBUG")
        fetch = Fetch(
            fetched_at=now_iso(),
            crawl_id=run.crawl_id,
            raw=item.raw,
            content_type=item.content_type,
            fetched_url=item.fetched_url,
            etag=item.etag,
            last_modified=item.last_modified,
            key=item.key,
            aliases=item.aliases,
            extractor=item.extractor,
            hints=item.hints,
        )
        try:
            result = record(run.db, item.site, item.article, fetch, rebase=partial(reextract, run.db))
        except sqlite3.Error as exc:
            reason = f"store write failed: {exc}"
            settle(self.crawler, PageOutcome(Verb.FAILED, item.article.url, item.key, reason=reason, store_error=True))
            raise DropItem(reason, log_level="DEBUG") from exc
        settle(self.crawler, PageOutcome(_VERBS[result.outcome], item.article.url, item.key, title=item.article.title))
        return item
