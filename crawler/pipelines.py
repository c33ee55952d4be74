"""The store pipeline: writes articles with store.record() and attachment files with
store.attachments.record_file(); the crawl run counts each outcome."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.crawlrun import CrawlRun, settle
from crawler.extract import PageHints
from crawler.files import file_key
from crawler.items import ArticleItem, FileItem
from crawler.outcomes import PageOutcome, Verb
from crawler.rebase import reextract
from store import Outcome, record
from store.attachments import FileFetch, FileOutcome, record_file
from store.profiles import link_texts
from store.record import Fetch, Rebase, now_iso

logger = logging.getLogger(__name__)
_VERBS = {Outcome.NEW: Verb.NEW, Outcome.EDITED: Verb.EDITED, Outcome.UNCHANGED: Verb.UNCHANGED}
_FILE_VERBS = {FileOutcome.NEW: Verb.NEW, FileOutcome.CHANGED: Verb.EDITED, FileOutcome.UNCHANGED: Verb.UNCHANGED}


class StorePipeline:
    """Record each item in the store in one transaction; a failed write fails that item only."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the pipeline (the store connection belongs to the crawl's CrawlRun)."""
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        """Store an article or an attachment file; its outcome goes to the crawl run."""
        run = CrawlRun.of(self.crawler)
        if run.db is None:
            raise DropItem("the crawl has no open store", log_level="DEBUG")
        key = item.key if isinstance(item, ArticleItem) else item.article_key
        try:
            outcome = self._article(run, item) if isinstance(item, ArticleItem) else self._file(run, item)
        except sqlite3.Error as exc:
            reason = f"store write failed: {exc}"
            file_of = item.article_key if isinstance(item, FileItem) else None
            url = item.article.url if isinstance(item, ArticleItem) else item.url
            settle(self.crawler, PageOutcome(Verb.FAILED, url, key, reason=reason, store_error=True, file_of=file_of))
            raise DropItem(reason, log_level="DEBUG") from exc
        settle(self.crawler, outcome)
        if isinstance(item, FileItem):  # recorded with its article; exports (-O) list articles only
            raise DropItem("attachment file recorded", log_level="DEBUG")
        return item

    def _article(self, run: CrawlRun, item: ArticleItem) -> PageOutcome:
        assert run.db is not None
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
            link_texts=item.link_texts,
        )
        result = record(run.db, item.site, item.article, fetch, rebase=self._rebase(item))
        return PageOutcome(_VERBS[result.outcome], item.article.url, item.key, title=item.article.title)

    def _rebase(self, item: ArticleItem) -> Rebase:
        """Re-read a stored version under the hints this page was read with (its site profile)."""
        evidence = getattr(self.crawler.spider, "evidence", None)
        profile = evidence.profile if evidence is not None else None

        def rebase(version: dict[str, Any]) -> Any:
            db = CrawlRun.of(self.crawler).db
            stored = link_texts(db, version["article_id"]) if db is not None else ()
            texts = tuple(dict.fromkeys([*item.link_texts, *stored]))
            hints = PageHints(texts, profile)
            return reextract(version, hints if hints else None)

        return rebase

    def _file(self, run: CrawlRun, item: FileItem) -> PageOutcome:
        fetch = FileFetch(
            url=item.url,
            text=item.text,
            fetched_at=now_iso(),
            sha256=item.sha256,
            size=item.size,
            content_type=item.content_type,
            etag=item.etag,
            last_modified=item.last_modified,
            crawl_id=run.crawl_id,
            data=item.data,
        )
        assert run.db is not None
        outcome = record_file(run.db, item.article_key, item.site, fetch)
        key = file_key(item.article_key, item.url)
        if outcome is None:  # the article's own write failed (and was counted): not a second failure
            reason = "not recorded: its article could not be stored"
            return PageOutcome(Verb.SKIPPED, item.url, key, reason=reason, file_of=item.article_key)
        return PageOutcome(_FILE_VERBS[outcome], item.url, key, file_of=item.article_key)
