"""Option types that check a value when the command line is read, and the group that sets the exit status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

import click

from crawler.config.table import closest

# Scrapy's LOG_LEVEL takes the standard logging level names.
LOG_LEVELS = click.Choice(["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"], case_sensitive=False)


class IsoDateTime(click.ParamType):
    """An ISO 8601 date-time such as 2026-11-21T08:00 or 2026-11-21T08:00:00+08:00."""

    name = "ISO-DATETIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO date-time such as 2026-11-21T08:00:00+08:00", param, ctx)


class TimeZone(click.ParamType):
    """An IANA time zone name such as Asia/Shanghai or UTC."""

    name = "ZONE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> ZoneInfo:
        if isinstance(value, ZoneInfo):
            return value
        try:
            return ZoneInfo(str(value))
        except (KeyError, ValueError):
            meant = closest(str(value), available_timezones())
            hint = f"did you mean {meant}?" if meant else "use a name such as Asia/Shanghai or UTC"
            self.fail(f"{value!r} is not a known time zone; {hint}", param, ctx)


class HttpUrl(click.ParamType):
    """An absolute http(s) URL."""

    name = "URL"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        parts = urlsplit(text)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            self.fail(
                f"{text!r} is not an http(s) URL; write it in full, such as https://example.org/a.html", param, ctx
            )
        return text


class UsageErrorExitsOne(click.UsageError):
    """A usage error that exits 1, like every other newswatch error."""

    exit_code = 1


class NewswatchGroup(click.Group):
    """The command group: every error, a bad option value included, prints `Error: ...` and exits 1.

    click exits 2 on usage errors; newswatch promises one status for every bad input, so a
    script or systemd unit checks a single code and the message says what to fix.
    """

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with _exit_status_one():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with _exit_status_one():
            return super().invoke(ctx)


# click ≥ 8.2 shows the help of a bare `newswatch` through a UsageError: that is not a bad input.
_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


@contextmanager
def _exit_status_one() -> Iterator[None]:
    try:
        yield
    except click.UsageError as exc:
        if exc.exit_code == 1 or isinstance(exc, _HELP):
            raise
        raise UsageErrorExitsOne(exc.format_message(), exc.ctx) from exc
