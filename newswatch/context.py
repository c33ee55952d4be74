"""What every command shares: the chosen registry and store, opened lazily with clean errors."""

from __future__ import annotations

from pathlib import Path

import click
from sqlite_utils import Database

from crawler.config import Config, ConfigError, load_config
from store import StoreError, open_db, open_readonly


class Context:
    """Paths chosen on the command line or by environment, opened lazily."""

    def __init__(self, config_path: Path, db_path: Path):
        self.config_path = config_path
        self.db_path = db_path
        self._config: Config | None = None

    def config(self) -> Config:
        """The checked site registry (read once), or a clean CLI error."""
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._config

    def db(self) -> Database:
        """The store opened for writing (created and migrated if needed), or a clean CLI error."""
        try:
            return open_db(self.db_path)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc

    def existing_db(self) -> Database:
        """The existing store opened for writing (migrated if needed, never created), or a clean error."""
        if not self.db_path.is_file():
            raise click.ClickException(
                f"no store at {self.db_path}: check --db or NEWSWATCH_DB, or run `newswatch crawl` first."
            )
        return self.db()

    def store(self) -> Database:
        """The existing store opened read-only (never created or migrated), or a clean CLI error."""
        try:
            return open_readonly(self.db_path)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc
