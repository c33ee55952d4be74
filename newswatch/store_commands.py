"""Store maintenance: `newswatch migrate` (the schema), `newswatch reextract` (the fields) and
`newswatch compact` (the raw pages)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlite_utils import Database

from crawler.config import ConfigError
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


@click.command()
@click.argument("sites", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Also re-read versions the current extractor produced.")
@click.pass_obj
def reextract(obj: Context, sites: tuple[str, ...], everything: bool) -> None:
    """Re-derive the fields of stored articles from their raw pages under this newswatch's extractor.

    \b
    After an upgrade of newswatch, the current version of each article of SITES (default:
    all) is read again from the page stored with it. Equal fields only record the new
    extractor; other fields become a new baseline version with a `reextracted` event
    (shown by `history`), never a `new` or `edited` one: a change in newswatch is not a
    change in the page. Crawls do the same for each page they re-check, so this is
    optional; it makes the store current at once. Safe to re-run.
    """
    from crawler.extract import version as extract_version
    from crawler.rebase import reextract_site

    config = obj.config()
    names = list(sites) or [s.name for s in config.sites]
    try:
        for name in names:
            config.site(name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    db = obj.existing_db()
    try:
        click.echo(f"Re-reading stored pages with extractor {extract_version.EXTRACTOR_VERSION}", err=True)
        for name in names:
            done = reextract_site(db, name, everything, say=lambda line: click.echo(line, err=True))
            click.echo(
                f"{name:<12} {done.checked:>5} articles: {done.up_to_date} up to date, {done.same} same fields, "
                f"{done.changed} re-derived, {done.unreadable} without a readable page"
            )
    finally:
        db.close()


@click.command()
@click.option(
    "--vacuum",
    is_flag=True,
    help="Then rewrite the file so the freed space goes back to the disk (needs that much free space; "
    "the store is locked meanwhile).",
)
@click.pass_obj
def compact(obj: Context, vacuum: bool) -> None:
    """Pack every stored raw page with its site's zstd dictionary, and old versions' bodies.

    \b
    Crawls pack each page as they store it (a site's first 100, stored before it has a
    dictionary, when the crawl ends) and keep an old version's body as its difference from
    the version that replaced it; this converts an older store at once. Each page and body is
    checked to unpack to exactly its old bytes before it is replaced. Safe to interrupt and
    to re-run.
    """
    from store.bodies import pack_site_bodies
    from store.raw import Packed, compact_store
    from store.record import now_iso

    def say(packed: Packed) -> None:
        if packed.error and not packed.pages:
            click.echo(f"{packed.site}: {packed.error}")
            return
        if packed.trained is None and not packed.pages:
            click.echo(f"{packed.site}: {packed.waiting} pages, too few for a dictionary yet")
            return
        trained = f", dictionary {packed.trained} trained" if packed.trained else ""
        click.echo(f"{packed.site}: packed {packed.pages} pages, {_mb(packed.before)} -> {_mb(packed.after)}{trained}")

    db = obj.existing_db()
    try:
        done = compact_store(db, now_iso(), say)
        pages = sum(p.pages for p in done)
        if not pages:
            click.echo("nothing to pack: every page with a dictionary is packed")
        else:
            dicts = sum(p.trained is not None for p in done)
            before, after = sum(p.before for p in done), sum(p.after for p in done)
            click.echo(f"packed {pages} pages ({dicts} dictionaries trained): {_mb(before)} -> {_mb(after)}")
        bodies = sum(pack_site_bodies(db, site, limit=10**9) for site in _sites(db))
        click.echo(f"packed {bodies} old versions' bodies against their article's current version")
        if vacuum:
            db.execute("VACUUM")
            click.echo(f"vacuumed: the store is now {_mb(obj.db_path.stat().st_size)}")
    finally:
        db.close()


def _sites(db: Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT site FROM articles")]


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"
