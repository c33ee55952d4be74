"""The generic site spider: follow listings, hand article pages to the extraction core."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.config import Site
from crawler.extract import extract
from crawler.items import ArticlePage, FailedPage, MissingPage, NotModifiedPage
from crawler.recheck import RecheckPolicy
from store import open_db
from store.queries import known_articles


class SiteSpider(scrapy.Spider):
    """Crawl one site's listing pages and read every article page they link to."""

    name = "site"
    site: ClassVar[Site]
    policy: ClassVar[RecheckPolicy] = RecheckPolicy()

    @classmethod
    def for_site(cls, site: Site, policy: RecheckPolicy | None = None) -> type[SiteSpider]:
        """A subclass bound to one registry entry, named after it."""
        attrs = {
            "name": site.name,
            "site": site,
            "policy": policy or RecheckPolicy(),
            "allowed_domains": list(site.allowed_domains),
            "custom_settings": {
                "DOWNLOAD_DELAY": site.download_delay,
                "CLOSESPIDER_PAGECOUNT": site.max_pages,
            },
        }
        return type(f"SiteSpider_{site.name.replace('-', '_')}", (cls,), attrs)

    def __init__(self, *args: Any, recheck: str = "due", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._links = LinkExtractor(allow=(), deny_extensions=None, unique=True)
        self.recheck = recheck  # "due" (the policy decides) or "all" (`-a recheck=all`)
        self.known: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        """Re-check the known articles that are due, then start from the listing pages."""
        for request in self._rechecks():
            yield request
        for url in self.site.start_urls:
            callback = self.parse_article if self.site.is_article(url) else self.parse_listing
            yield scrapy.Request(url, callback=callback, errback=self.on_error, dont_filter=True)

    def _rechecks(self) -> list[scrapy.Request]:
        """Conditional requests for the known articles the re-check policy says are due."""
        db = open_db(self.settings.get("NEWSWATCH_DB"))
        try:
            rows = known_articles(db, self.name)
        finally:
            db.close()
        now = datetime.now(UTC)
        requests = []
        for row in rows:
            self.known.add(row["url"])
            due = self.recheck == "all" or self.policy.is_due(
                datetime.fromisoformat(row["first_seen"]), datetime.fromisoformat(row["last_checked"]), now
            )
            if not due:
                continue
            headers = {}
            if row["etag"]:
                headers["If-None-Match"] = row["etag"]
            if row["last_modified"]:
                headers["If-Modified-Since"] = row["last_modified"]
            requests.append(
                scrapy.Request(
                    row["url"],
                    headers=headers,
                    callback=self.parse_article,
                    errback=self.on_error,
                    meta={"recheck": True},
                    dont_filter=False,
                )
            )
        self.crawler.stats.set_value("newswatch/rechecks", len(requests))
        return requests

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Queue the article and listing pages a listing links to."""
        if response.status >= 400 or not isinstance(response, TextResponse):
            yield FailedPage(self.name, response.url, response.status, f"listing page answered HTTP {response.status}")
            return
        for link in self._links.extract_links(response):
            if self.site.is_article(link.url):
                if link.url in self.known:
                    continue  # re-checked on its own schedule, not on every listing visit
                yield response.follow(link.url, callback=self.parse_article, errback=self.on_error)
            elif self.site.is_listing(link.url):
                yield response.follow(link.url, callback=self.parse_listing, errback=self.on_error)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Read an article page into an item; a page with no article text is a failure."""
        if response.status == 304:
            yield NotModifiedPage(self.name, response.url)
            return
        if response.status in (404, 410) and response.meta.get("recheck"):
            yield MissingPage(self.name, response.url, response.status)
            return
        if response.status >= 400:
            yield FailedPage(self.name, response.url, response.status, f"HTTP {response.status}")
            return
        content_type = _header(response, "Content-Type")
        article = extract(response.body, response.url, content_type, today=date.today())
        if article.is_empty:
            yield FailedPage(self.name, response.url, response.status, "no article text found on the page")
            return
        yield ArticlePage(
            site=self.name,
            article=article,
            raw=response.body,
            fetched_url=response.url,
            content_type=content_type,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
        )

    def on_error(self, failure: Failure) -> Iterator[FailedPage]:
        """A request that failed outright (timeout, refused, 5xx after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = f"HTTP {status}" if status else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("failed %s: %s", request.url, reason)
        yield FailedPage(self.name, request.url, status, reason)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
