"""The site registry (TOML) and where newswatch keeps its files."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BUNDLED_CONFIG = Path(__file__).with_name("sites.toml")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class ConfigError(Exception):
    """The site registry is missing or wrong; the message names the file, key and fix."""


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
class Config:
    """The whole registry: sites and the monitor's settings."""

    path: Path
    sites: tuple[Site, ...]
    monitor: dict[str, Any] = field(default_factory=dict)

    def site(self, name: str) -> Site:
        """The site of that name, or a ConfigError listing the known names."""
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(s.name for s in self.sites) or "none"
        raise ConfigError(f"no site named {name!r} in {self.path} (known: {known})")


def default_config_path() -> Path:
    """NEWSWATCH_CONFIG, else ~/.config/newswatch/sites.toml if present, else the bundled registry."""
    if env := os.environ.get("NEWSWATCH_CONFIG"):
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    user = base / "newswatch" / "sites.toml"
    return user if user.exists() else BUNDLED_CONFIG


def default_db_path() -> Path:
    """NEWSWATCH_DB, else ~/.local/share/newswatch/newswatch.db."""
    if env := os.environ.get("NEWSWATCH_DB"):
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "newswatch" / "newswatch.db"


def load_config(path: str | Path | None = None) -> Config:
    """Read and check the registry at path (default: default_config_path())."""
    path = Path(path) if path else default_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found; set NEWSWATCH_CONFIG or pass --config") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    entries = data.get("sites", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path} lists no sites: add at least one [[sites]] table")
    sites = tuple(_site(entry, path, i) for i, entry in enumerate(entries))
    names = [s.name for s in sites]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: site names must be unique, got {names}")
    monitor = data.get("monitor", {})
    if not isinstance(monitor, dict):
        raise ConfigError(f"{path}: [monitor] must be a table")
    return Config(path=path, sites=sites, monitor=monitor)


def _site(entry: Any, path: Path, index: int) -> Site:
    where = f"{path}: [[sites]] #{index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    for key in ("name", "start_urls", "allowed_domains", "article_pattern"):
        if key not in entry:
            raise ConfigError(f"{where} is missing the key {key!r}")
    name = entry["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: name {name!r} must be lowercase letters, digits, '-' or '_'")
    for key in ("article_pattern", "follow_pattern"):
        if entry.get(key) is not None:
            try:
                re.compile(entry[key])
            except re.error as exc:
                raise ConfigError(f"{where} ({name}): {key} is not a valid regex: {exc}") from exc
    known = {f for f in Site.__dataclass_fields__}
    unknown = set(entry) - known
    if unknown:
        raise ConfigError(f"{where} ({name}): unknown keys {sorted(unknown)}; known keys are {sorted(known)}")
    values = dict(entry)
    for key in ("start_urls", "allowed_domains"):
        if not isinstance(values[key], list) or not all(isinstance(u, str) for u in values[key]):
            raise ConfigError(f"{where} ({name}): {key} must be a list of strings")
        values[key] = tuple(values[key])
    try:
        return Site(**values)
    except TypeError as exc:
        raise ConfigError(f"{where} ({name}): {exc}") from exc
