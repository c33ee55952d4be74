"""`newswatch migrate`: bring an existing store's schema up to this newswatch."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from store import StoreError, open_db, open_readonly
from store.db import MIGRATIONS

from .context import Context


@click.command()
@click.pass_obj
def migrate(obj: Context) -> None:
    """Upgrade the store's schema to this newswatch (read commands ask for it after an upgrade).

    Only an existing store is upgraded (`newswatch crawl` creates a new one); safe to re-run.
    """
    try:
        click.echo(migrate_store(obj.db_path))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def migrate_store(path: Path) -> str:
    """Apply the store's pending migrations; say which, or that there were none."""
    if not path.is_file():
        raise StoreError(
            f"no store at {path}, so nothing to migrate: check --db or NEWSWATCH_DB "
            "(`newswatch crawl` creates a new store)."
        )
    try:
        open_readonly(path).close()
        return f"{path}: the schema is already up to date; nothing to do."
    except StoreError:
        pass  # older schema, or not a store at all: open_db upgrades the one and reports the other
    started = str(datetime.now(UTC))  # the format sqlite-utils stamps applied migrations with
    db = open_db(path)
    try:
        applied = [m.name for m in MIGRATIONS.applied(db) if m.applied_at >= started]
    finally:
        db.close()
    return f"{path}: upgraded the schema; applied {', '.join(applied) or 'nothing (another process did it)'}."
