"""The reference crawl: a bare Scrapy spider that follows the same links as newswatch and yields nothing.

Run as its own process, like `newswatch crawl`:
`python -m bench.bare --config sites.toml SITE`. It reads the site's entry from the registry
itself (start URLs, article and listing patterns, delay, page limit) and runs with the
project's Scrapy settings (`crawler.settings`: concurrency, user agent, robots.txt,
timeouts, retries, log level WARNING as `newswatch crawl` uses) minus the store pipeline.
Article pages are downloaded and dropped: no extraction, no store. Prints Scrapy's counters
as one JSON line.

With `--recheck STORE` it is the re-crawl's reference instead: the requests a re-crawl of an
unchanged site sends, and nothing else — the start pages whole, every listing page the store
remembers and every known article with the validators stored for it (answered 304) — with
the answers dropped. What Scrapy alone costs for the re-crawl's requests.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.settings import Settings


class BareSpider(scrapy.Spider):
    """Listing pages: queue article and listing links; article pages: nothing."""

    name = "bare"

    def __init__(self, *args: Any, entry: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.allowed_domains = list(entry["allowed_domains"])
        self._article = re.compile(entry["article_pattern"])
        self._listing = re.compile(entry["follow_pattern"]) if entry.get("follow_pattern") else None
        self._links = LinkExtractor(allow=(), deny_extensions=None, unique=True)

    async def start(self) -> AsyncIterator[Any]:
        """The registry's start URLs, as newswatch requests them."""
        for url in self.entry["start_urls"]:
            callback = self.parse_article if self._article.search(url) else self.parse_listing
            yield scrapy.Request(url, callback=callback, dont_filter=True)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Follow article and listing links, as newswatch's spider does on a first crawl."""
        if response.status >= 400 or not isinstance(response, TextResponse):
            return
        for link in self._links.extract_links(response):
            if self._article.search(link.url):
                yield response.follow(link.url, callback=self.parse_article)
            elif self._listing is not None and self._listing.search(link.url):
                yield response.follow(link.url, callback=self.parse_listing)

    def parse_article(self, response: Response) -> None:
        """The page was downloaded; that is all the reference does with it."""


class BareRecheckSpider(scrapy.Spider):
    """The requests of a re-crawl, read from the store; every answer dropped."""

    name = "bare-recheck"

    def __init__(self, *args: Any, entry: dict[str, Any], store: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.allowed_domains = list(entry["allowed_domains"])
        self.store = store

    async def start(self) -> AsyncIterator[Any]:
        """Start pages plain, then remembered listings and known articles with their validators."""
        starts = list(self.entry["start_urls"])
        for url in starts:
            yield scrapy.Request(url, callback=self.drop, dont_filter=True)
        for url, etag, modified in recheck_targets(self.store, self.entry["name"], starts):
            yield scrapy.Request(url, callback=self.drop, headers=validators(etag, modified))

    def drop(self, response: Response) -> None:
        """The answer came; that is all the reference does with it."""


def recheck_targets(store: Path, site: str, starts: list[str]) -> list[tuple[str, str | None, str | None]]:
    """The site's remembered listing pages (but its start pages) and known articles: URL and validators."""
    conn = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
    try:
        listings = conn.execute("SELECT url, etag, last_modified FROM listings WHERE site = ?", [site]).fetchall()
        articles = conn.execute("SELECT url, etag, last_modified FROM articles WHERE site = ?", [site]).fetchall()
    finally:
        conn.close()
    return [row for row in listings if row[0] not in starts] + articles


def validators(etag: str | None, modified: str | None) -> dict[str, str]:
    """The conditional headers newswatch sends for stored validators."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    return headers


def bare_settings(entry: dict[str, Any], log_level: str) -> Settings:
    """The project's settings without the store pipeline and the crawl-run extension (store,
    site lock, ledger), with the site's delay and page limit."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("EXTENSIONS", {}, priority="cmdline")
    settings.set("SPIDER_LOADER_CLASS", "scrapy.spiderloader.SpiderLoader", priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", float(entry.get("download_delay", 1.0)), priority="spider")
    settings.set("CLOSESPIDER_PAGECOUNT", int(entry.get("max_pages", 500)), priority="spider")
    return settings


def main() -> None:
    """Entry point of `python -m bench.bare`."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True, help="the registry newswatch crawls")
    parser.add_argument("--log-level", default="WARNING", help="Scrapy's log level (newswatch crawl's default)")
    parser.add_argument(
        "--recheck", type=Path, metavar="STORE", help="send a re-crawl's requests for the site's articles in STORE"
    )
    parser.add_argument("site", help="the registry entry to crawl")
    args = parser.parse_args()
    registry = tomllib.loads(args.config.read_text(encoding="utf-8"))
    entry = next((s for s in registry.get("sites", []) if s.get("name") == args.site), None)
    if entry is None:
        raise SystemExit(f"Error: no site named {args.site!r} in {args.config}")
    process = CrawlerProcess(bare_settings(entry, args.log_level))
    if args.recheck is not None:
        crawler = process.create_crawler(BareRecheckSpider)
        process.crawl(crawler, entry=entry, store=args.recheck)
    else:
        crawler = process.create_crawler(BareSpider)
        process.crawl(crawler, entry=entry)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    # (no downloader/* counts: the project's settings switch Scrapy's DownloaderStats off)
    keys = ("response_received_count", "finish_reason", "item_scraped_count")
    print(json.dumps({k: stats.get(k) for k in keys}))
    if stats.get("finish_reason") != "finished":  # a reference that did not crawl must not pass as fast
        raise SystemExit(f"Error: the bare crawl ended {stats.get('finish_reason')!r}")


if __name__ == "__main__":
    main()
