"""[[sites]] entries: each read into a Site, or a ConfigError naming the entry, the key and the fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .model import ConfigError, Site
from .table import Table, describe

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
EXAMPLES = {
    "name": '"my-site"',
    "start_urls": '["https://www.example.org/news/"]',
    "allowed_domains": '["example.org"]',
    "article_pattern": r"'/news/\d+\.html$'",
    "follow_pattern": r"'/news/index(_\d+)?\.html$'",
}
REQUIRED = {key: EXAMPLES[key] for key in ("name", "start_urls", "allowed_domains", "article_pattern")}
KNOWN = tuple(Site.__dataclass_fields__)


def read_sites(path: Path, entries: Any) -> tuple[Site, ...]:
    """Every [[sites]] entry as a Site; names must be unique."""
    if isinstance(entries, dict):
        raise ConfigError(
            f"{path}: [sites] is a single table. Fix: write each site under its own [[sites]] line (double brackets)."
        )
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path} lists no sites. Fix: add at least one [[sites]] table.")
    sites: list[Site] = []
    for index, entry in enumerate(entries):
        site = read_site(path, index, entry)
        for other_index, other in enumerate(sites):
            if other.name == site.name:
                raise ConfigError(
                    f'{path}: [[sites]] #{index + 1} ({site.name}): name "{site.name}" is already used by '
                    f"[[sites]] #{other_index + 1}. Fix: give each site its own name."
                )
        sites.append(site)
    return tuple(sites)


def read_site(path: Path, index: int, entry: Any) -> Site:
    """One [[sites]] entry (index counts from 0) as a checked Site."""
    where = f"[[sites]] #{index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: {where} must be a table. Fix: write its keys under a [[sites]] line.")
    table = Table(path, where, entry)
    name = _name(table)
    table.where = f"{where} ({name})"
    table.check_keys(KNOWN, REQUIRED)
    allowed_domains = _domains(table)
    site = Site(
        name=name,
        start_urls=table.texts("start_urls", (), EXAMPLES["start_urls"]),
        allowed_domains=allowed_domains,
        article_pattern=_pattern(table, "article_pattern", EXAMPLES["article_pattern"]),
        follow_pattern=_optional_pattern(table, "follow_pattern", EXAMPLES["follow_pattern"]),
        download_delay=table.number("download_delay", Site.download_delay, "1.0", zero_ok=True),
        max_pages=table.integer("max_pages", Site.max_pages, "500", minimum=1),
        interval_minutes=table.optional_number("interval_minutes", "360", zero_ok=False),
        cron=_cron(table),
        timeout_minutes=table.number("timeout_minutes", Site.timeout_minutes, "30", zero_ok=False),
        download_timeout=table.number("download_timeout", Site.download_timeout, "30", zero_ok=False),
        retries=table.integer("retries", Site.retries, "2", minimum=0),
        max_download_mb=table.number("max_download_mb", Site.max_download_mb, "10", zero_ok=False),
        title=table.optional_text("title", '"CQC (English)"'),
    )
    _check_start_urls(table, site)
    if site.interval_minutes is not None and site.cron is not None:
        raise table.error(
            None, "sets both interval_minutes and cron", "keep one: an interval in minutes or a cron expression"
        )
    return site


def _name(table: Table) -> str:
    if "name" not in table.data:
        raise table.error(None, 'is missing the key "name"', 'add name = "my-site" (lowercase letters, digits, - or _)')
    name = table.data["name"]
    if not isinstance(name, str) or not NAME.match(name):
        raise table.error(
            "name",
            f"must be lowercase letters, digits, '-' or '_' (starting with a letter or digit), not {describe(name)}",
            'write name = "my-site"',
        )
    return name


def _domains(table: Table) -> tuple[str, ...]:
    domains = table.texts("allowed_domains", (), EXAMPLES["allowed_domains"])
    if not domains:
        raise table.error(
            "allowed_domains", "is empty", 'list the site\'s host, e.g. allowed_domains = ["example.org"]'
        )
    checked = []
    for domain in domains:
        wanted = domain.lower()
        host = urlsplit(wanted if "//" in wanted else f"//{wanted}").hostname
        if not host or host != wanted or any(c.isspace() for c in wanted):
            bare = f'"{host.strip()}"' if host and host.strip() else "the host name alone"
            raise table.error(
                "allowed_domains",
                f'holds "{domain}", which is not a bare domain (no scheme, port, path or spaces)',
                f"write {bare}",
            )
        checked.append(host)
    return tuple(checked)


def _check_start_urls(table: Table, site: Site) -> None:
    if not site.start_urls:
        raise table.error(
            "start_urls", "is empty", 'list at least one listing page, e.g. ["https://example.org/news/"]'
        )
    for url in site.start_urls:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            fix = "start it with http:// or https://" if "://" in url else f'write it in full, e.g. "https://{url}"'
            raise table.error("start_urls", f'holds "{url}", which is not an http(s) URL', fix)
        if not site.owns(url):
            raise table.error(
                "start_urls",
                f'holds "{url}", whose host {parts.hostname} is outside allowed_domains {json.dumps(site.allowed_domains)}',
                f'add "{parts.hostname}" (or its parent domain) to allowed_domains, or correct the URL',
            )


def _pattern(table: Table, key: str, example: str) -> str:
    pattern = _optional_pattern(table, key, example)
    if pattern is None:
        raise table.error(None, f'is missing the key "{key}"', f"add {key} = {example}")
    return pattern


def _optional_pattern(table: Table, key: str, example: str) -> str | None:
    pattern = table.optional_text(key, example)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise table.error(
                key,
                f"is not a valid regular expression: {exc}",
                f"correct the pattern; write it in single quotes so backslashes stay as they are, e.g. {example}",
            ) from exc
    return pattern


def _cron(table: Table) -> str | None:
    cron = table.optional_text("cron", '"0 */6 * * *"')
    if cron is not None:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(cron, timezone=ZoneInfo("UTC"))
        except ValueError as exc:
            raise table.error(
                "cron",
                f'"{cron}" is not a crontab expression ({exc})',
                'write five fields: minute hour day month weekday, e.g. cron = "0 */6 * * *"',
            ) from exc
    return cron
