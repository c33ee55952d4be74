"""A spider loader that makes one spider per registry entry, so `scrapy crawl <site>` works."""

from __future__ import annotations

import builtins
import sys
from typing import Self

from scrapy import Request
from scrapy.settings import BaseSettings

from crawler.config import Config, ConfigError, load_config
from crawler.recheck import RecheckPolicy
from crawler.spiders.site import SiteSpider


class SiteSpiderLoader:
    """Scrapy's SPIDER_LOADER_CLASS: spider names are the site names of NEWSWATCH_CONFIG."""

    def __init__(self, config: Config):
        self.config = config
        policy = RecheckPolicy.from_config(config.monitor)
        self._spiders = {site.name: SiteSpider.for_site(site, policy, config.crawl) for site in config.sites}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """Read the registry named by the NEWSWATCH_CONFIG setting; a bad one ends the command with `Error: ...`."""
        try:
            return cls(load_config(settings.get("NEWSWATCH_CONFIG")))
        except ConfigError as exc:
            # Scrapy builds the spider loader before any of its error handling runs (`scrapy
            # crawl` creates its CrawlerProcess outside it), so this is the only edge where a
            # bad registry can be reported as the newswatch CLI reports it, without a traceback.
            print(f"Error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None

    def load(self, spider_name: str) -> type[SiteSpider]:
        """The spider class of a site; KeyError for an unknown name, as Scrapy expects."""
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(
                f"Spider not found: {spider_name} (sites in {self.config.path}: {', '.join(self._spiders)})"
            ) from None

    def list(self) -> list[str]:
        """All site names."""
        return list(self._spiders)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        """Names of the sites whose domains the request's URL falls in."""
        return [name for name, cls in self._spiders.items() if cls.site.owns(request.url)]
