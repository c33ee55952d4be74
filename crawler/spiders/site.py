"""The generic site spider: follow listings, hand whole article pages to the extraction core."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from common.urls import DEFAULT_TRACKING_PARAMS, clean_url, url_key
from crawler.config import Site
from crawler.crawlrun import CrawlRun, settle
from crawler.extract import extract
from crawler.extract import version as extract_version
from crawler.integrity import is_unclosed, text_damage, transfer_damage
from crawler.items import ArticleItem
from crawler.outcomes import PageOutcome, Verb
from crawler.recheck import RecheckPolicy
from crawler.workers import shared_pool
from store.queries import current_page, known_articles, known_keys

_MiB = 1024 * 1024


class SiteSpider(scrapy.Spider):
    """Crawl one site's listing pages and read every article page they link to."""

    name = "site"
    site: ClassVar[Site]
    policy: ClassVar[RecheckPolicy] = RecheckPolicy()
    tracking: ClassVar[tuple[str, ...]] = DEFAULT_TRACKING_PARAMS

    @classmethod
    def for_site(
        cls, site: Site, policy: RecheckPolicy | None = None, tracking: tuple[str, ...] | None = None
    ) -> type[SiteSpider]:
        """A subclass bound to one registry entry, named after it, with the entry's limits."""
        attrs = {
            "name": site.name,
            "site": site,
            "policy": policy or RecheckPolicy(),
            "tracking": tracking or DEFAULT_TRACKING_PARAMS,
            "allowed_domains": list(site.allowed_domains),
            "custom_settings": {
                "DOWNLOAD_DELAY": site.download_delay,
                "CLOSESPIDER_PAGECOUNT": site.max_pages,
                "CLOSESPIDER_TIMEOUT": site.timeout_minutes * 60,
                "DOWNLOAD_TIMEOUT": site.download_timeout,
                "RETRY_TIMES": site.retries,
                "DOWNLOAD_MAXSIZE": int(site.max_download_mb * _MiB),
                "DOWNLOAD_WARNSIZE": int(site.max_download_mb * _MiB / 2),
            },
        }
        return type(f"SiteSpider_{site.name.replace('-', '_')}", (cls,), attrs)

    def __init__(self, *args: Any, recheck: str = "due", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._links = LinkExtractor(allow=(), deny_extensions=None, unique=True)
        self.recheck = recheck  # "due" (the policy decides) or "all" (`-a recheck=all`)
        self.known: set[str] = set()  # URL keys of the site's stored articles and their aliases
        self.requested: set[str] = set()  # article keys requested in this crawl

    @property
    def run(self) -> CrawlRun:
        """The crawl run this spider reports outcomes to."""
        return CrawlRun.of(self.crawler)

    async def start(self) -> AsyncIterator[Any]:
        """Re-check the known articles that are due, then start from the listing pages."""
        for request in self._rechecks():
            yield request
        for url in self.site.start_urls:
            if self.site.is_article(url):
                yield self._article_request(clean_url(url, self.tracking), recheck=False, dont_filter=True)
            else:
                yield scrapy.Request(url, callback=self.parse_listing, errback=self.on_error, dont_filter=True)

    def _rechecks(self) -> list[scrapy.Request]:
        """Conditional requests for the known articles the re-check policy says are due."""
        db = self.run.db
        if db is None:
            self.logger.warning("no open store: known articles are not re-checked")
            return []
        self.known = known_keys(db, self.name)
        now = datetime.now(UTC)
        requests = []
        for row in known_articles(db, self.name):
            due = self.recheck == "all" or self.policy.is_due(
                datetime.fromisoformat(row["first_seen"]), datetime.fromisoformat(row["last_checked"]), now
            )
            if due:
                headers = {"If-None-Match": row["etag"], "If-Modified-Since": row["last_modified"]}
                request = self._article_request(row["url"], recheck=True, key=row["key"])
                request.headers.update({k: v for k, v in headers.items() if v})
                requests.append(request)
        self.crawler.stats.set_value("newswatch/rechecks", len(requests))
        return requests

    def _article_request(
        self, url: str, recheck: bool, key: str | None = None, link_text: str = "", dont_filter: bool = False
    ) -> scrapy.Request:
        key = key or url_key(url, self.tracking)
        self.requested.add(key)
        meta = {"article_key": key, "article_url": url, "recheck": recheck, "link_text": link_text}
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error, meta=meta, dont_filter=dont_filter
        )

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Queue the article and listing pages a listing links to (each article once, by its key)."""
        if response.status >= 400 or not isinstance(response, TextResponse):
            self._fail(response.url, None, response.status, f"listing page answered HTTP {response.status}")
            return
        for link in self._links.extract_links(response):
            url = clean_url(link.url, self.tracking)
            if not self.site.owns(url):
                continue
            if self.site.is_article(url):
                key = url_key(url, self.tracking)
                if key in self.known or key in self.requested:
                    continue  # known articles are re-checked on their own schedule
                yield self._article_request(url, recheck=False, key=key, link_text=link.text)
            elif self.site.is_listing(url):
                yield response.follow(url, callback=self.parse_listing, errback=self.on_error)

    async def parse_article(self, response: Response) -> AsyncIterator[ArticleItem]:
        """Read a whole article page into an item; anything else is settled with its verb and reason."""
        meta = response.meta
        key, url = meta["article_key"], meta["article_url"]
        if response.status == 304:
            settle(self.crawler, PageOutcome(Verb.NOT_MODIFIED, url, key, status=304))
            return
        if response.status in (404, 410) and meta.get("recheck"):
            settle(self.crawler, PageOutcome(Verb.MISSING, url, key, status=response.status))
            return
        if response.status >= 400:
            self._fail(url, key, response.status, f"HTTP {response.status}")
            return
        item = await self._read(response, key, url)
        if item is not None:
            yield item

    async def _read(self, response: Response, key: str, url: str) -> ArticleItem | None:
        content_type = _header(response, "Content-Type")
        is_html = "text/plain" not in (content_type or "").lower()
        damage = transfer_damage(response.body, response.flags, is_html)
        today = date.today()
        workers = self.settings.get("NEWSWATCH_EXTRACT_WORKERS")
        pool = shared_pool(None if workers in (None, "") else int(workers))
        article = await pool.run(extract, response.body, response.url, content_type, today)
        damage = damage or text_damage(article) or self._cut_short(key, response.body, is_html)
        if damage:
            self._fail(url, key, response.status, damage)
            return None
        if article.is_empty:
            self._fail(url, key, response.status, "no article text found on the page")
            return None
        identity, aliases = self._identity(article.url, key, response)
        return ArticleItem(
            site=self.name,
            article=dataclasses.replace(article, url=clean_url(article.url, self.tracking)),
            raw=response.body,
            fetched_url=response.url,
            content_type=content_type,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            key=identity,
            aliases=aliases,
            extractor=extract_version.EXTRACTOR_VERSION,
            fetched_on=today,
        )

    def _identity(self, page_url: str, key: str, response: Response) -> tuple[str, tuple[str, ...]]:
        """The article's key: the requested one for a known article, else the page's own
        canonical URL when it is one of the site's articles; every other form is an alias."""
        forms = [url_key(u, self.tracking) for u in (page_url, response.url, *response.meta.get("redirect_urls", []))]
        if key in self.known or not self.site.is_article(clean_url(page_url, self.tracking)):
            identity = key
        else:
            identity = forms[0]
        aliases = tuple(dict.fromkeys(k for k in (key, *forms) if k != identity))
        return identity, aliases

    def _cut_short(self, key: str, body: bytes, is_html: bool) -> str | None:
        """An unclosed document is cut short when the stored page of the same article was whole."""
        if not is_html or not is_unclosed(body):
            return None
        db = self.run.db
        previous = current_page(db, key) if db is not None else None
        if previous is not None and not is_unclosed(previous):
            return "the page ends mid-document (no </body> or </html>), though its stored version was whole"
        return None

    def on_error(self, failure: Failure) -> None:
        """A request that failed outright: timeout, refused, 5xx after retries, filtered, too big."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        meta = request.meta
        url = meta.get("article_url", request.url)
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            settle(
                self.crawler, PageOutcome(Verb.SKIPPED, url, meta.get("article_key"), reason="forbidden by robots.txt")
            )
            return
        self._fail(url, meta.get("article_key"), status, _reason(failure, request, status, self.site.max_download_mb))

    def _fail(self, url: str, key: str | None, status: int | None, reason: str) -> None:
        self.logger.warning("failed %s: %s", url, reason)
        settle(self.crawler, PageOutcome(Verb.FAILED, url, key, status=status, reason=reason))


def _reason(failure: Failure, request: scrapy.Request, status: int | None, limit_mb: float) -> str:
    """Why a request failed, in words a user can act on."""
    message = str(failure.value)
    trail = request.meta.get("redirect_urls") or []
    if failure.check(IgnoreRequest) and message.startswith("Filtered offsite request"):
        return f"redirected off-site to {request.url}" if trail else f"off-site URL {request.url}"
    if failure.check(IgnoreRequest) and "max redirections" in message:
        return f"redirect loop: more than the allowed redirects from {trail[0] if trail else request.url}"
    if failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in message:
        return f"over max_download_mb ({limit_mb:g} MB) once decompressed: not read (a compression bomb?)"
    if failure.check(DownloadCancelledError, CancelledError):
        return f"over max_download_mb ({limit_mb:g} MB): the download was stopped"
    if status:
        return f"HTTP {status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
