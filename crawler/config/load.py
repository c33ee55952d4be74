"""load_config: the one place the registry is read, checked and turned into a Config."""

from __future__ import annotations

import math
import re
import tomllib
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from .model import Config, ConfigError, CrawlConfig, EmailConfig, MonitorConfig, QueueConfig
from .paths import default_config_path
from .sites import read_sites
from .table import Table, closest, describe

TOP_LEVEL = ("sites", "monitor", "crawl", "queue")
MONITOR_KEYS = tuple(MonitorConfig.__dataclass_fields__)
EMAIL_KEYS = tuple(EmailConfig.__dataclass_fields__)
CRAWL_KEYS = tuple(CrawlConfig.__dataclass_fields__)
TLS_MODES = ("starttls", "ssl", "none")


def load_config(path: str | Path | None = None) -> Config:
    """Read and check the registry at path (default: default_config_path()); ConfigError if anything is wrong."""
    path = Path(path) if path else default_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"config file {path} not found. Fix: check --config or NEWSWATCH_CONFIG, or copy "
            "crawler/sites.toml there and edit it."
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path} is a folder. Fix: point --config or NEWSWATCH_CONFIG at the registry file.") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}. Fix: check its permissions.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix: correct the file at that line.") from exc
    top = Table(path, "the top level", data)
    for key in data:
        if key not in TOP_LEVEL:
            meant = closest(key, TOP_LEVEL)
            hint = f' Did you mean "{meant}"?' if meant else ""
            raise top.error(
                None,
                f'has an unknown table or key "{key}".{hint} Known: [[sites]], [monitor], [crawl], [queue]',
                f'rename "{key}" to "{meant}"' if meant else f'remove "{key}"',
            )
    return Config(
        path=path,
        sites=read_sites(path, data.get("sites")),
        monitor=read_monitor(top.table("monitor", "[monitor]"), path),
        crawl=read_crawl(top.table("crawl", "[crawl]")),
        queue=read_queue(top.table("queue", "[queue]")),
    )


def read_monitor(table: Table | None, path: Path) -> MonitorConfig:
    """[monitor] as a MonitorConfig (all defaults when the table is absent)."""
    if table is None:
        return MonitorConfig()
    table.check_keys(MONITOR_KEYS)
    digest_dir = table.optional_text("digest_dir", '"digests"')
    return MonitorConfig(
        timezone=_timezone(table),
        digest_time=_digest_time(table),
        digest_interval_minutes=table.optional_number("digest_interval_minutes", "60", zero_ok=False),
        digest_dir=_folder(path, digest_dir) if digest_dir else None,
        watchlist=table.texts("watchlist", (), '["CCC", "低碳"]'),
        failing_runs=table.integer("failing_runs", MonitorConfig.failing_runs, "3", minimum=1),
        gone_after=table.integer("gone_after", MonitorConfig.gone_after, "3", minimum=1),
        recheck=_recheck(table),
        feed_url=_feed_url(table),
        email=read_email(table.table("email", "[monitor.email]")),
        new_window_days=table.number("new_window_days", MonitorConfig.new_window_days, "3", zero_ok=True),
        skip_empty=table.boolean("skip_empty", MonitorConfig.skip_empty),
        base_url=_base_url(table),
        notify=_notify(table),
    )


def read_email(table: Table | None) -> EmailConfig | None:
    """[monitor.email] as an EmailConfig, or None when absent."""
    if table is None:
        return None
    table.check_keys(
        EMAIL_KEYS, {"host": '"smtp.example.org"', "sender": '"newswatch@example.org"', "to": '["analyst@example.org"]'}
    )
    tls = table.optional_text("tls", '"starttls"') or "starttls"
    if tls not in TLS_MODES:
        raise table.error("tls", f'must be "starttls", "ssl" or "none", not "{tls}"', 'write tls = "starttls"')
    port = table.integer("port", 465 if tls == "ssl" else 587, "587", minimum=1)
    if port > 65535:
        raise table.error("port", f"must be a TCP port (1 to 65535), not {port}", "write port = 587")
    sender = table.text("sender", '"newswatch@example.org"')
    to = table.texts("to", (), '["analyst@example.org"]', single_ok=True)
    for address in (sender, *to):
        if "@" not in address:
            raise table.error(
                "sender" if address == sender else "to",
                f'holds "{address}", which is not an email address',
                'write a full address such as "analyst@example.org"',
            )
    if not to:
        raise table.error("to", "is empty", 'list at least one address, e.g. to = ["analyst@example.org"]')
    return EmailConfig(
        host=table.text("host", '"smtp.example.org"'),
        sender=sender,
        to=to,
        port=port,
        tls=tls,
        username=table.optional_text("username", '"newswatch"'),
        password=table.optional_text("password", "... (better: NEWSWATCH_SMTP_PASSWORD in the environment)"),
    )


def read_crawl(table: Table | None) -> CrawlConfig:
    """[crawl] as a CrawlConfig; tracking_params add to the built-in list."""
    if table is None:
        return CrawlConfig()
    table.check_keys(CRAWL_KEYS)
    extra = table.texts("tracking_params", (), '["sessionid", "src_*"]')
    defaults = CrawlConfig.tracking_params
    return CrawlConfig(
        tracking_params=defaults + tuple(p for p in dict.fromkeys(extra) if p not in defaults),
        keep_attachments=table.boolean("keep_attachments", False),
    )


QUEUE_SCHEMES = ("redis", "rediss", "unix")


def read_queue(table: Table | None) -> QueueConfig:
    """[queue] as a QueueConfig: url is a Redis URL (distributed mode), or absent (one machine)."""
    if table is None:
        return QueueConfig()
    table.check_keys(tuple(QueueConfig.__dataclass_fields__))
    url = table.optional_text("url", '"redis://127.0.0.1:6379/0"')
    if url is None:
        return QueueConfig()
    parts = urlsplit(url.strip())
    fix = 'write url = "redis://HOST:6379/0" (rediss:// for TLS, unix:///path/redis.sock for a socket)'
    if parts.scheme not in QUEUE_SCHEMES:
        raise table.error("url", f'"{url}" is not a Redis URL (redis://, rediss:// or unix://)', fix)
    database = parts.path.strip("/")
    try:
        _ = parts.port  # a port that is not a number, or out of range, raises here
    except ValueError as exc:
        raise table.error("url", f'"{url}" has a bad port ({exc})', fix) from exc
    if parts.scheme != "unix" and (not parts.hostname or " " in url.strip()):
        raise table.error("url", f'"{url}" names no host', fix)
    if parts.scheme == "unix" and not parts.path:
        raise table.error("url", f'"{url}" names no socket path', fix)
    if parts.scheme != "unix" and database and not database.isdigit():
        raise table.error("url", f'"{url}" ends in "/{database}", which is not a database number', fix)
    return QueueConfig(url=url.strip())


def _timezone(table: Table) -> str | None:
    name = table.optional_text("timezone", '"Asia/Shanghai"')
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        meant = closest(name, available_timezones())
        fix = f'write timezone = "{meant}"' if meant else 'write an IANA name, e.g. timezone = "Asia/Shanghai" or "UTC"'
        raise table.error("timezone", f'"{name}" is not a known time zone', fix) from exc
    return name


def _digest_time(table: Table) -> time:
    value = table.data.get("digest_time")
    if value is None:
        return MonitorConfig.digest_time
    if isinstance(value, time) and value.tzinfo is None:
        return value  # TOML's own local time, digest_time = 07:30:00
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        hour, minute = (int(part) for part in value.split(":"))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise table.error(
        "digest_time",
        f"must be a time of day as HH:MM (00:00 to 23:59), not {describe(value)}",
        'write digest_time = "07:30"',
    )


def _folder(path: Path, folder: str) -> Path:
    # A relative folder belongs to the registry, not to wherever the command happens to run.
    expanded = Path(folder).expanduser()
    return expanded if expanded.is_absolute() else path.parent / expanded


def _recheck(table: Table) -> tuple[tuple[float, float], ...] | None:
    if "recheck" not in table.data:
        return None
    value = table.data["recheck"]
    example = "recheck = [[3, 0], [30, 24], [365, 168]]"
    fix = f"write a list of [age below (days), re-check every (hours)] pairs, ages increasing, e.g. {example}"
    if not isinstance(value, list):
        raise table.error("recheck", f"must be a list of [days, hours] pairs, not {describe(value)}", fix)
    # An empty list (or only a [0, ...] tier) is allowed: known articles are then never re-checked.
    tiers: list[tuple[float, float]] = []
    for pair in value:
        numbers = isinstance(pair, list) and all(isinstance(n, int | float) and not isinstance(n, bool) for n in pair)
        if not numbers or len(pair) != 2 or not all(math.isfinite(n) and n >= 0 for n in pair):
            raise table.error("recheck", f"holds {describe(pair)}, which is not a [days ≥ 0, hours ≥ 0] pair", fix)
        if tiers and pair[0] <= tiers[-1][0]:
            raise table.error("recheck", f"ages must increase, but {pair[0]} follows {tiers[-1][0]:g}", fix)
        tiers.append((float(pair[0]), float(pair[1])))
    return tuple(tiers)


def _base_url(table: Table) -> str | None:
    url = table.optional_text("base_url", '"http://127.0.0.1:8080"')
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or " " in url:
        raise table.error(
            "base_url",
            f'"{url}" is not an http(s) URL',
            'write where `newswatch serve` is reached, e.g. base_url = "http://127.0.0.1:8080"',
        )
    return url.rstrip("/")


def _notify(table: Table) -> tuple[str, ...]:
    urls = table.texts("notify", (), '["ntfy://ntfy.sh/my-topic", "mailto://user:pass@example.org"]', single_ok=True)
    for url in urls:
        if "://" not in url or " " in url.strip():
            raise table.error(
                "notify",
                f'holds "{url}", which is not an Apprise URL (scheme://...)',
                'write URLs such as "ntfy://ntfy.sh/my-topic", "json://host:port/path" or "mailto://user:pass@example.org"',
            )
    return tuple(url.strip() for url in urls)


def _feed_url(table: Table) -> str:
    url = table.optional_text("feed_url", '"https://example.org/newswatch/feed.atom"')
    if url is None:
        return MonitorConfig.feed_url
    if not urlsplit(url).scheme or " " in url:
        raise table.error(
            "feed_url",
            f'"{url}" is not a URL or URN (an Atom feed id needs a scheme)',
            'write feed_url = "https://example.org/newswatch/feed.atom"',
        )
    return url
