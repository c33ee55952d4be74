"""A spider loader that makes one spider per registry entry, so `scrapy crawl <site>` works."""

from __future__ import annotations

import builtins
from typing import Self

from scrapy import Request
from scrapy.settings import BaseSettings

from crawler.config import Config, load_config
from crawler.recheck import RecheckPolicy
from crawler.spiders.site import SiteSpider


class SiteSpiderLoader:
    """Scrapy's SPIDER_LOADER_CLASS: spider names are the site names of NEWSWATCH_CONFIG."""

    def __init__(self, config: Config):
        self.config = config
        policy = RecheckPolicy.from_config(config.monitor)
        self._spiders = {site.name: SiteSpider.for_site(site, policy) for site in config.sites}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """Read the registry named by the NEWSWATCH_CONFIG setting."""
        return cls(load_config(settings.get("NEWSWATCH_CONFIG")))

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
