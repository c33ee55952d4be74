"""The registry as typed, frozen values: what every other module reads instead of raw TOML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from common.urls import DEFAULT_TRACKING_PARAMS
from crawler.recheck import DEFAULT_GONE_AFTER


class ConfigError(Exception):
    """The site registry is missing or wrong; the message names the file, the entry, the key and the fix."""


@dataclass(frozen=True)
class Site:
    """One watched site, as the registry describes it."""

    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    article_pattern: str
    follow_pattern: str | None = None
    download_delay: float = 1.0
    max_pages: int = 500
    interval_minutes: float | None = None
    cron: str | None = None
    timeout_minutes: float = 30.0
    download_timeout: float = 30.0  # seconds to wait for one response
    retries: int = 2  # extra tries of a page that timed out or answered 5xx
    max_download_mb: float = 10.0  # a larger response (after decompression) fails that page
    title: str | None = None  # display name in digests and the web view, e.g. "CQC (English)"

    @property
    def display_name(self) -> str:
        """The title, else the name."""
        return self.title or self.name

    def is_article(self, url: str) -> bool:
        """True when the URL is one of this site's article pages."""
        return re.search(self.article_pattern, url) is not None

    def owns(self, url: str) -> bool:
        """True when the URL's host is one of the site's allowed domains or below one."""
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def is_listing(self, url: str) -> bool:
        """True when the URL is a listing or pagination page worth following."""
        return bool(self.follow_pattern) and re.search(self.follow_pattern or "", url) is not None


@dataclass(frozen=True)
class EmailConfig:
    """[monitor.email]: where each digest is mailed.

    username and password are what the file says; the NEWSWATCH_SMTP_USERNAME and
    NEWSWATCH_SMTP_PASSWORD fallbacks are read when a digest is sent (monitor.delivery),
    so the secret never sits in this value or in its repr.
    """

    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 587  # the loader makes it 465 when tls = "ssl" and the file gives no port
    tls: str = "starttls"  # "starttls", "ssl" or "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class MonitorConfig:
    """[monitor]: the schedule and contents of the digest, and how known articles are re-checked."""

    timezone: str | None = None  # an IANA name; unset: UTC for `run`, the local zone for `digest`
    digest_time: time = time(7, 30)  # the daily digest, in timezone
    digest_interval_minutes: float | None = None  # instead of digest_time: a digest every N minutes
    digest_dir: Path | None = None  # absolute; a relative path in the file is taken from the registry's folder
    watchlist: tuple[str, ...] = ()
    # "Needs attention" after this many failed crawls of a site in a row; the same number as
    # monitor.attention.FAILING_RUNS, which the crawler layer must not import.
    failing_runs: int = 3
    gone_after: int = DEFAULT_GONE_AFTER  # 404/410 this many checks in a row makes a `gone` event
    recheck: tuple[tuple[float, float], ...] | None = None  # (age below, days; every, hours); None: defaults
    feed_url: str = "urn:newswatch:feed"  # the Atom feed's id
    email: EmailConfig | None = None
    # A site's first crawl is a baseline; its articles published within this many days of it
    # are still listed as new.
    new_window_days: float = 3.0
    skip_empty: bool = False  # write and send no digest that has nothing to report
    base_url: str | None = None  # where `newswatch serve` is reached: digest and feed links lead there
    notify: tuple[str, ...] = ()  # Apprise URLs that get a short summary of each digest

    def zone(self, default: str = "UTC") -> ZoneInfo:
        """The configured time zone, else default (the name was checked at load)."""
        return ZoneInfo(self.timezone or default)


@dataclass(frozen=True)
class CrawlConfig:
    """[crawl]: settings shared by the crawls of every site."""

    # Query parameters dropped from every URL: the built-in list plus the registry's extras.
    tracking_params: tuple[str, ...] = DEFAULT_TRACKING_PARAMS
    # Keep the bytes of each distinct attachment file, not only its size and SHA-256.
    keep_attachments: bool = False


@dataclass(frozen=True)
class QueueConfig:
    """[queue]: the Redis that carries crawl jobs and observations (distributed mode); None: one machine."""

    url: str | None = None  # redis://HOST:PORT/N, rediss://... or unix:///path/redis.sock


@dataclass(frozen=True)
class Config:
    """The whole registry: sites, the monitor's settings and the crawl-wide settings."""

    path: Path
    sites: tuple[Site, ...]
    monitor: MonitorConfig = field(default_factory=MonitorConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)

    def site(self, name: str) -> Site:
        """The site of that name, or a ConfigError listing the known names."""
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(s.name for s in self.sites) or "none"
        raise ConfigError(f"no site named {name!r} in {self.path} (known: {known})")
