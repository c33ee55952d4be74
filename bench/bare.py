"""The reference crawl: a bare Scrapy spider that follows the same links as newswatch and yields nothing.

Run as its own process, like `newswatch crawl`:
`python -m bench.bare --config sites.toml SITE`. It reads the site's entry from the registry
itself (start URLs, article and listing patterns, delay, page limit) and runs with the
project's Scrapy settings (`crawler.settings`: concurrency, user agent, robots.txt,
timeouts, retries, log level WARNING as `newswatch crawl` uses) minus the store pipeline.
Article pages are downloaded and dropped: no extraction, no store. Prints Scrapy's counters
as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import re
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
    parser.add_argument("site", help="the registry entry to crawl")
    args = parser.parse_args()
    registry = tomllib.loads(args.config.read_text(encoding="utf-8"))
    entry = next((s for s in registry.get("sites", []) if s.get("name") == args.site), None)
    if entry is None:
        raise SystemExit(f"Error: no site named {args.site!r} in {args.config}")
    process = CrawlerProcess(bare_settings(entry, args.log_level))
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
