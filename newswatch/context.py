"""What every command shares: the chosen registry and store, opened lazily with clean errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crawler.config import Config, ConfigError, load_config
from store import StoreError, open_db


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


class Context:
    """Paths chosen on the command line or by environment, opened lazily."""

    def __init__(self, config_path: Path, db_path: Path):
        self.config_path = config_path
        self.db_path = db_path

    def config(self) -> Config:
        """The site registry, or a clean CLI error."""
        try:
            return load_config(self.config_path)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc

    def db(self):  # type: ignore[no-untyped-def]
        """The opened store, or a clean CLI error."""
        try:
            return open_db(self.db_path)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
