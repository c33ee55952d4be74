"""Run crawls of registry sites in this process, on one Twisted reactor."""

from __future__ import annotations

import fcntl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import Config
from crawler.recheck import RecheckPolicy
from crawler.spiders.site import SiteSpider
from store import open_db
from store.crawls import crawl_row


@dataclass(frozen=True)
class CrawlSummary:
    """What one site's crawl did, read back from its crawl row."""

    site: str
    crawl_id: int | None
    status: str
    pages: int = 0
    new: int = 0
    edited: int = 0
    unchanged: int = 0
    failed: int = 0
    not_modified: int = 0
    missing: int = 0


def scrapy_settings(config_path: Path, db_path: Path, progress: bool, log_level: str) -> Settings:
    """The project's settings with the registry, database and verbosity of this run."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NEWSWATCH_CONFIG", str(config_path), priority="cmdline")
    settings.set("NEWSWATCH_DB", str(db_path), priority="cmdline")
    settings.set("NEWSWATCH_PROGRESS", progress, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    return settings


def crawl_sites(
    config: Config,
    site_names: Sequence[str],
    db_path: Path,
    progress: bool = True,
    log_level: str = "WARNING",
    recheck_all: bool = False,
) -> list[CrawlSummary]:
    """Crawl the named sites concurrently and return one summary per site.

    Runs the reactor, so it can be called once per process: the monitor runs it in a
    subprocess for each scheduled crawl.
    """
    sites = [config.site(name) for name in site_names]
    policy = RecheckPolicy.from_config(config.monitor)
    locks = {site.name: SiteLock(db_path, site.name) for site in sites}
    busy = [name for name, lock in locks.items() if not lock.acquire()]
    sites = [site for site in sites if site.name not in busy]
    process = CrawlerProcess(scrapy_settings(config.path, db_path, progress, log_level))
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(SiteSpider.for_site(site, policy))
        crawlers.append((site.name, crawler))
        process.crawl(crawler, recheck="all" if recheck_all else "due")
    if crawlers:
        process.start()
    for lock in locks.values():
        lock.release()
    db = open_db(db_path)
    try:
        done = [_summary(db, name, crawler.stats.get_value("newswatch/crawl_id")) for name, crawler in crawlers]
    finally:
        db.close()
    return done + [CrawlSummary(name, None, "busy") for name in busy]


class SiteLock:
    """An exclusive lock file per site and store: two crawls of one site never run at once,
    whether started by `newswatch run`, by hand or by `scrapy crawl`."""

    def __init__(self, db_path: Path, site: str):
        self.path = db_path.with_name(f".{db_path.name}.{site}.lock")
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another crawl of the site holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        """Let the next crawl of the site start (the OS also releases it when a process dies)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def _summary(db, site: str, crawl_id: int | None) -> CrawlSummary:  # type: ignore[no-untyped-def]
    row = crawl_row(db, crawl_id) if crawl_id else None
    if row is None:
        return CrawlSummary(site, None, "did not start")
    return CrawlSummary(
        site,
        crawl_id,
        row["status"],
        row["pages"],
        row["new"],
        row["edited"],
        row["unchanged"],
        row["failed"],
        row["not_modified"],
        row["missing"],
    )
