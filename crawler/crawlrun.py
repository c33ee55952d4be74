"""One crawl run of one site: its lock, its row in the store, and the outcome of every request.

A Scrapy extension. When the spider opens it opens the run through the crawl's backend
(`crawler.backends`: the store in this process, or the writer of a distributed crawl),
settles each page's request exactly once (spider callbacks and errbacks, the pipeline,
requests the scheduler dropped), sends what is not an article (304s, misses, failures) to
the backend, counts everything in `crawler.stats`, and closes the run with an honest status.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.misc import load_object

from crawler.backends import Backend
from crawler.outcomes import PageOutcome, Verb
from crawler.recheck import RecheckPolicy
from crawler.runstatus import Tally
from crawler.siteview import SiteView
from store.crawls import CrawlCounts
from store.listings import Listing

logger = logging.getLogger(__name__)
DEFAULT_BACKEND = "crawler.backends.LocalBackend"


class CrawlRun:
    """The extension that owns a site crawl's backend (lock, store or writer), ledger and outcomes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.progress = crawler.settings.getbool("NEWSWATCH_PROGRESS")
        backend_class = load_object(crawler.settings.get("NEWSWATCH_BACKEND") or DEFAULT_BACKEND)
        self.backend: Backend = backend_class.from_crawler(crawler)
        self.opened = False
        self.site = ""
        self.tally = Tally()
        self.pending: dict[str, str] = {}  # article key -> URL, requested and not yet settled
        self.settled: set[str] = set()
        self.keys_by_url: dict[str, str] = {}  # requested URL -> its article key
        # A request whose redirect led to a URL another request of this crawl fetches: its key
        # -> (that request's key, the redirect chain); it is answered by that request's outcome.
        self.redirected: dict[str, tuple[str, str]] = {}
        self.gone_after = RecheckPolicy().gone_after
        self.listings_read: list[Listing] = []  # listing pages read whole in this run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Build the extension and connect it to the crawl's signals."""
        run = cls(crawler)
        crawler.signals.connect(run.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(run.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(run.request_dropped, signal=signals.request_dropped)
        return run

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlRun:
        """The crawl's CrawlRun extension (the spider and the pipeline report to it)."""
        for extension in crawler.extensions.middlewares:
            if isinstance(extension, cls):
                return extension
        raise RuntimeError("the newswatch CrawlRun extension is not enabled (EXTENSIONS setting)")

    @property
    def counts(self) -> CrawlCounts:
        """The run's counts so far."""
        return self.tally.counts

    def view(self) -> SiteView | None:
        """The site as the store knows it; None before the run opened (or when it was busy)."""
        return self.backend.view() if self.opened else None

    def listing_read(self, listing: Listing) -> None:
        """A listing page read whole, remembered when the run closes (in one write, so the
        crawl never waits on the workers' writes for it; a killed crawl remembers none)."""
        self.listings_read.append(listing)

    def _remember_listings(self) -> None:
        try:
            self.backend.listings(self.listings_read)
        except Exception as exc:  # sqlite3.Error and friends: the next crawl reads them whole
            logger.warning("[%s] cannot remember the listing pages: %s", self.site, exc)

    # ---- opening and closing
    def spider_opened(self, spider: Spider) -> None:
        """Open the run (the site's lock, the run's row); CloseSpider('busy') if another crawl holds the site."""
        self.site = spider.name
        self.gone_after = getattr(spider, "policy", RecheckPolicy()).gone_after
        try:
            opened = self.backend.open(self.site)
        except Exception as exc:  # StoreError, sqlite3.Error (locked past the busy timeout), a full disk
            self.crawler.stats.set_value("newswatch/store_error", str(exc))
            self._say(f"not crawled: cannot open the store: {exc}")
            raise CloseSpider("store_error") from exc
        if not opened:
            self.crawler.stats.set_value("newswatch/busy", True)
            self._say("skipped: another crawl of this site is running")
            raise CloseSpider("busy")
        self.opened = True
        self.crawler.stats.set_value("newswatch/crawl_id", self.backend.run_id)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Settle what never got an answer, then close the run with its status and counts."""
        if not self.opened:
            return
        try:
            for key, url in list(self.pending.items()):
                if key in self.settled:  # settled meanwhile, with the request it redirected to
                    continue
                if key in self.redirected:  # still waiting for one that waits for it: a loop
                    self.settle(PageOutcome(Verb.FAILED, url, key, reason=f"redirect loop: {self.redirected[key][1]}"))
                    continue
                self.settle(_unanswered(key, url, reason))
            evidence = getattr(spider, "evidence", None)
            titles = set(evidence.listing_titles) if evidence is not None else set()
            self._remember_listings()
            recorded = getattr(self.backend, "recorded_by_workers", None)
            if recorded is not None:
                self.crawler.stats.set_value("newswatch/recorded_by_workers", recorded)
            self.opened = False
            status, _ = await self.backend.close(reason, self.tally, titles)
            self.crawler.stats.set_value("newswatch/status", status)
        except Exception as exc:  # the store itself failed: the next crawl closes the row as killed
            logger.error("[%s] cannot close crawl run %s: %s", self.site, self.backend.run_id, exc)
        finally:
            self.opened = False

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
        # Attachments may live on another host (allow_offsite), as Scrapy's own filter lets them.
        offsite_ok = request.meta.get("allow_offsite") or request.dont_filter
        site = getattr(spider, "site", None)
        if allowed and not offsite_ok and site is not None and not site.owns(request.url):
            self.settle(PageOutcome(Verb.FAILED, url, key, reason=f"redirected off-site to {request.url}"))
            return
        self.pending.setdefault(key, url)
        self.keys_by_url.setdefault(request.url, key)

    def request_dropped(self, request: Request, spider: Spider) -> None:
        """The scheduler refused a request (a duplicate): for an article, say why it got no answer."""
        key = request.meta.get("article_key")
        if not key or key in self.settled:
            return
        trail = request.meta.get("redirect_urls") or []
        chain = " -> ".join([*trail, request.url])
        other = self.keys_by_url.get(request.url)
        if trail and request.url not in trail and other is not None and other != key:
            # It redirects to a page this crawl requested under that address: that request's
            # outcome is this one's too (unless they redirect to each other: a loop).
            self.redirected[key] = (other, chain)
            if other in self.settled:
                self.answered_by([key])
            return
        if trail:
            reason = f"redirect loop: {' -> '.join([*trail, request.url])}"
        else:
            reason = "requested twice in one crawl (dropped as a duplicate)"
        self.settle(PageOutcome(Verb.FAILED, request.meta.get("article_url", request.url), key, reason=reason))

    def _settle_redirected(self, outcome: PageOutcome) -> None:
        """Requests that redirected to the one just settled share its outcome."""
        waiting = [k for k, (other, _) in self.redirected.items() if other == outcome.key and k not in self.settled]
        for key in waiting:
            if outcome.verb is Verb.FAILED:
                chain = self.redirected[key][1]
                loop = (outcome.reason or "").startswith("redirect loop")
                reason = (
                    f"redirect loop: {chain}" if loop else f"redirects to {outcome.url}, which failed: {outcome.reason}"
                )
                self.settle(PageOutcome(Verb.FAILED, self.pending.get(key, outcome.url), key, reason=reason))
            else:
                self.answered_by([key])

    def answered_by(self, keys: Iterable[str]) -> None:
        """Requests whose page came back under another address (a redirect, a canonical URL):
        the outcome settled for that address answers them too, so none is reported unanswered."""
        for key in keys:
            if self.pending.pop(key, None) is not None:
                self.settled.add(key)

    def settle(self, outcome: PageOutcome) -> None:
        """Count an outcome and write what it means for the store; a request settles once."""
        if outcome.key is not None:
            if outcome.key in self.settled:
                logger.debug("[%s] %s settled twice; kept the first outcome", self.site, outcome.url)
                return
            self.settled.add(outcome.key)
            self.pending.pop(outcome.key, None)
            self._settle_redirected(outcome)
        self.tally.add(outcome)
        self.crawler.stats.inc_value(f"newswatch/{'file_' if outcome.file_of else ''}{outcome.verb.value}")
        self._write(outcome)
        self._say(_line(outcome))

    def _write(self, outcome: PageOutcome) -> None:
        if not self.opened or outcome.verb not in {Verb.NOT_MODIFIED, Verb.MISSING, Verb.FAILED, Verb.SKIPPED}:
            return
        try:
            line = self.backend.outcome(outcome, self.gone_after)
        except Exception as exc:  # sqlite3.Error and friends: never fatal to the crawl, but the run's status
            self.tally.store_failed(f"store write failed: {exc}")
            logger.error("[%s] cannot record %s of %s: %s", self.site, outcome.verb.value, outcome.url, exc)
            return
        if line:
            self._say(line)

    def _say(self, line: str) -> None:
        logger.info("[%s] %s", self.site, line)
        if self.progress:
            print(f"[{self.site}] {line}", file=sys.stderr, flush=True)


def _unanswered(key: str, url: str, reason: str) -> PageOutcome:
    """The outcome of a request still queued when the crawl closed."""
    if reason == "closespider_pagecount":
        return PageOutcome(Verb.SKIPPED, url, key, reason="not fetched: the crawl reached max_pages")
    if reason in {"closespider_timeout", "shutdown"}:
        return PageOutcome(Verb.SKIPPED, url, key, reason=f"not fetched: the crawl stopped ({reason})")
    return PageOutcome(Verb.FAILED, url, key, reason=f"no answer before the crawl ended ({reason})")


def _line(outcome: PageOutcome) -> str:
    verb = outcome.verb.value if outcome.file_of is None else f"file {outcome.verb.value}"
    if outcome.verb in {Verb.FAILED, Verb.SKIPPED}:
        return f"{verb:<9} {outcome.url} ({outcome.reason})"
    if outcome.verb is Verb.MISSING:
        return f"{verb:<9} {outcome.url} (HTTP {outcome.status})"
    return f"{verb:<9} {outcome.url}  {outcome.title or ''}".rstrip()


def settle(crawler: Crawler, outcome: PageOutcome) -> None:
    """Report a page's outcome to the crawl's CrawlRun.

    A direct call: through a Scrapy signal it cost a re-crawl a tenth of its time. As with a
    signal, a failure to count the outcome is logged and never breaks the spider's callback.
    """
    try:
        CrawlRun.of(crawler).settle(outcome)
    except Exception:
        logger.exception("the outcome of %s was not counted", outcome.url)
