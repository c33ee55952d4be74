"""One crawl run of one site: its lock, its row in the store, and the outcome of every request.

A Scrapy extension. It takes the site's lock and opens the store when the spider opens,
settles each page's request exactly once (spider callbacks and errbacks, the pipeline,
requests the scheduler dropped), writes what is not an article (304s, misses, failures),
counts everything in `crawler.stats`, and closes the run with an honest status.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from sqlite_utils import Database

from crawler.lock import SiteLock
from crawler.outcomes import ANSWERED, PageOutcome, Verb, page_settled
from crawler.recheck import RecheckPolicy
from store import open_db
from store.checks import record_check_failed, record_missing, record_not_modified
from store.crawls import CrawlCounts, close_running, failure_summary, finish_crawl, record_failure, start_crawl
from store.raw import RawPageError, pack_site
from store.record import Fetch, now_iso

logger = logging.getLogger(__name__)
PACK_PAGES = 10_000  # raw pages packed at most at the end of one crawl (an upgraded store catches up over crawls)
_COUNTS = {
    Verb.NEW: "new",
    Verb.EDITED: "edited",
    Verb.UNCHANGED: "unchanged",
    Verb.NOT_MODIFIED: "not_modified",
    Verb.MISSING: "missing",
    Verb.FAILED: "failed",
    Verb.SKIPPED: "skipped",
}


class CrawlRun:
    """The extension that owns a site crawl's lock, store connection, run row and outcomes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.db_path = Path(crawler.settings.get("NEWSWATCH_DB"))
        self.progress = crawler.settings.getbool("NEWSWATCH_PROGRESS")
        self.db: Database | None = None
        self.lock: SiteLock | None = None
        self.crawl_id: int | None = None
        self.site = ""
        self.counts = CrawlCounts()
        self.pending: dict[str, str] = {}  # article key -> URL, requested and not yet settled
        self.settled: set[str] = set()
        self.store_errors = 0
        self.store_error: str | None = None
        self.gone_after = RecheckPolicy().gone_after

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        run = cls(crawler)
        crawler.signals.connect(run.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(run.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(run.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(run.settle, signal=page_settled)
        return run

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlRun:
        """The crawl's CrawlRun extension (the spider and the pipeline report to it)."""
        for extension in crawler.extensions.middlewares:
            if isinstance(extension, cls):
                return extension
        raise RuntimeError("the newswatch CrawlRun extension is not enabled (EXTENSIONS setting)")

    # ---- opening and closing
    def spider_opened(self, spider: Spider) -> None:
        """Take the site's lock, open the store and the run's row; CloseSpider('busy') if locked."""
        self.site = spider.name
        self.gone_after = getattr(spider, "policy", RecheckPolicy()).gone_after
        self.lock = SiteLock(self.db_path, self.site)
        if not self.lock.acquire():
            self.lock = None
            self.crawler.stats.set_value("newswatch/busy", True)
            self._say("skipped: another crawl of this site is running")
            raise CloseSpider("busy")
        self.db = open_db(self.db_path)
        # Holding the lock proves no other crawl of the site runs: a run still marked
        # 'running' was killed before it could close its row.
        close_running(self.db, self.site, "", "killed", "the crawl process ended without closing its run")
        self.crawl_id = start_crawl(self.db, self.site)
        self.crawler.stats.set_value("newswatch/crawl_id", self.crawl_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Settle what never got an answer, then close the run with its status and counts."""
        if self.db is None or self.crawl_id is None:
            return
        try:
            for key, url in list(self.pending.items()):
                self.settle(_unanswered(key, url, reason))
            status, error = self.status(reason)
            self.crawler.stats.set_value("newswatch/status", status)
            finish_crawl(self.db, self.crawl_id, self.counts, status, error)
            self._pack_pages()
        except Exception as exc:  # the store itself failed: the next crawl closes the row as killed
            logger.error("[%s] cannot close crawl run %s: %s", self.site, self.crawl_id, exc)
        finally:
            self.db.close()
            if self.lock is not None:
                self.lock.release()

    def _pack_pages(self) -> None:
        """Pack the pages this crawl stored with the site's dictionary, trained once it has enough (store/raw.py)."""
        assert self.db is not None
        try:
            packed = pack_site(self.db, self.site, now_iso(), limit=PACK_PAGES)
        except (sqlite3.Error, RawPageError) as exc:  # the pages stay zlib; the next crawl tries again
            logger.warning("[%s] cannot pack raw pages: %s", self.site, exc)
            return
        self.crawler.stats.set_value("newswatch/raw_pages_packed", packed.pages)
        if packed.error:
            logger.info("[%s] raw pages stay zlib: %s", self.site, packed.error)
        if packed.pages:
            logger.info(
                "[%s] packed %d raw pages: %d -> %d bytes", self.site, packed.pages, packed.before, packed.after
            )

    def status(self, reason: str) -> tuple[str, str | None]:
        """The run's status and error from how Scrapy closed it and what its pages came to."""
        counts = self.counts
        answered = counts.new + counts.edited + counts.unchanged + counts.missing
        why = failure_summary(self.db, self.crawl_id) if self.db and self.crawl_id else None
        tried = answered + counts.failed
        if reason == "closespider_timeout":
            return "timeout", f"stopped after timeout_minutes; {answered} of {tried} pages answered"
        if reason == "shutdown":
            return "stopped", "asked to stop (SIGTERM or Ctrl-C)"
        if reason not in {"finished", "closespider_pagecount"}:
            return "failed", f"the crawl ended: {reason}"
        if self.store_errors:
            stored = f"{self.store_errors} of {self.store_errors + answered} pages could not be stored"
            return "failed", f"{stored}: {self.store_error}"
        if counts.failed and not answered:
            return "failed", f"all {counts.failed} pages failed: {why}"
        if counts.failed:
            return "partial", f"{counts.failed} of {tried} pages failed: {why}"
        return "ok", None

    # ---- outcomes
    def request_scheduled(self, request: Request, spider: Spider) -> None:
        """An article request entered the queue: it now owes an outcome.

        Scrapy's offsite filter drops a redirect to another site at this point without an
        errback, so that case is settled here.
        """
        key = request.meta.get("article_key")
        if not key or key in self.settled:
            return
        url = request.meta.get("article_url", request.url)
        allowed = getattr(spider, "allowed_domains", None)
        if allowed and not _within(request.url, allowed):
            self.settle(PageOutcome(Verb.FAILED, url, key, reason=f"redirected off-site to {request.url}"))
            return
        self.pending.setdefault(key, url)

    def request_dropped(self, request: Request, spider: Spider) -> None:
        """The scheduler refused a request (a duplicate): for an article, say why it got no answer."""
        key = request.meta.get("article_key")
        if not key or key in self.settled:
            return
        trail = request.meta.get("redirect_urls") or []
        if trail:
            reason = f"redirect loop: {' -> '.join([*trail, request.url])}"
        else:
            reason = "requested twice in one crawl (dropped as a duplicate)"
        self.settle(PageOutcome(Verb.FAILED, request.meta.get("article_url", request.url), key, reason=reason))

    def settle(self, outcome: PageOutcome) -> None:
        """Count an outcome and write what it means for the store; a request settles once."""
        if outcome.key is not None:
            if outcome.key in self.settled:
                logger.debug("[%s] %s settled twice; kept the first outcome", self.site, outcome.url)
                return
            self.settled.add(outcome.key)
            self.pending.pop(outcome.key, None)
        setattr(self.counts, _COUNTS[outcome.verb], getattr(self.counts, _COUNTS[outcome.verb]) + 1)
        if outcome.verb in ANSWERED:
            self.counts.pages += 1
        if outcome.verb is Verb.NOT_MODIFIED:
            self.counts.unchanged += 1  # a 304 is an unchanged page that cost no parsing
        if outcome.store_error:
            self.store_errors += 1
            self.store_error = outcome.reason
        self.crawler.stats.inc_value(f"newswatch/{outcome.verb.value}")
        self._write(outcome)
        self._say(_line(outcome))

    def _write(self, outcome: PageOutcome) -> None:
        if self.db is None:
            return
        fetch = Fetch(fetched_at=now_iso(), crawl_id=self.crawl_id)
        try:
            if outcome.verb is Verb.NOT_MODIFIED and outcome.key:
                record_not_modified(self.db, outcome.key, fetch)
            elif outcome.verb is Verb.MISSING and outcome.key:
                miss = record_missing(self.db, outcome.key, outcome.status or 404, fetch, self.gone_after)
                if miss.gone:
                    self._say(f"gone      {outcome.url} ({miss.misses} misses in a row)")
            elif outcome.verb in {Verb.FAILED, Verb.SKIPPED}:
                reason = outcome.reason or "unknown"
                record_failure(
                    self.db, self.crawl_id, self.site, outcome.url, outcome.status, reason, outcome.verb.value
                )
                if outcome.key and outcome.verb is Verb.FAILED:
                    record_check_failed(self.db, outcome.key, outcome.status, reason)
        except Exception as exc:  # sqlite3.Error and friends: counted, never fatal to the crawl
            self.counts.errors.append(str(exc))
            logger.error("[%s] cannot record %s of %s: %s", self.site, outcome.verb.value, outcome.url, exc)

    def _say(self, line: str) -> None:
        logger.info("[%s] %s", self.site, line)
        if self.progress:
            print(f"[{self.site}] {line}", file=sys.stderr, flush=True)


def _within(url: str, domains: list[str]) -> bool:
    """True when the URL's host is one of the domains or below one (ports do not matter)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def _unanswered(key: str, url: str, reason: str) -> PageOutcome:
    """The outcome of a request still queued when the crawl closed."""
    if reason == "closespider_pagecount":
        return PageOutcome(Verb.SKIPPED, url, key, reason="not fetched: the crawl reached max_pages")
    if reason in {"closespider_timeout", "shutdown"}:
        return PageOutcome(Verb.SKIPPED, url, key, reason=f"not fetched: the crawl stopped ({reason})")
    return PageOutcome(Verb.FAILED, url, key, reason=f"no answer before the crawl ended ({reason})")


def _line(outcome: PageOutcome) -> str:
    verb = outcome.verb.value
    if outcome.verb in {Verb.FAILED, Verb.SKIPPED}:
        return f"{verb:<9} {outcome.url} ({outcome.reason})"
    if outcome.verb is Verb.MISSING:
        return f"{verb:<9} {outcome.url} (HTTP {outcome.status})"
    return f"{verb:<9} {outcome.url}  {outcome.title or ''}".rstrip()


def settle(crawler: Crawler, outcome: PageOutcome, **extra: Any) -> None:
    """Report a page's outcome to the crawl's CrawlRun (through the page_settled signal)."""
    crawler.signals.send_catch_log(signal=page_settled, outcome=outcome, **extra)
