"""`newswatch demo`: the whole loop on the sample sites, offline, in well under a minute."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from store import open_db
from store.queries import events_between
from store.record import now_iso

from .samples import SampleSites


def _crawl(config: Path, db: Path) -> int:
    """Crawl every sample site in a child process (a Twisted reactor runs once per process)."""
    command = [sys.executable, "-m", "newswatch", "--config", str(config), "--db", str(db), "crawl", "--quiet"]
    return subprocess.run(command, check=False).returncode


def change_sites(sites: SampleSites) -> str:
    """Publish an article, edit a sentence, replace a rules PDF and change only the cspress chrome; say so.

    Returns the edited article's path."""
    published = sites.publish()
    edited = sites.demo_edit()
    document = sites.replace_document()
    sites.set_chrome("hot_spot", sites.data["hot_spot_changed"])
    click.secho("\n2. Changed the sites:", bold=True)
    click.echo(f"   published {sites.url(published)}")
    click.echo(f"   edited    {sites.url(edited)} (one sentence)")
    click.echo(f"   replaced  {sites.base_url('cqc-zh')}{document} (a notice's rules PDF, same URL)")
    click.echo(f"   chrome    'Hot Spots' box of every cspress page now reads {sites.data['hot_spot_changed']!r}")
    return edited


def show_digest(config: Path, db: Path, mark: str) -> bool:
    """Print the digest since mark; False (with why) when the replaced document or a false alert is wrong."""
    from crawler.config import load_config
    from monitor.compose import Window, compose_digest
    from monitor.render import render_text

    store = open_db(db)
    try:
        window = Window(mark, "9999", f"since {mark}")
        digest = compose_digest(store, load_config(config), window, datetime.now(UTC))
        click.echo(render_text(digest))
        if not any(item.attachments for item in digest.edited):
            click.secho("The replaced document was not reported as an edit of its notice.", fg="red")
            return False
        cspress = [e for e in events_between(store, mark, "9999") if e["site"] == "cspress"]
    finally:
        store.close()
    if cspress:
        click.secho(f"The chrome-only change made {len(cspress)} event(s): a false alert.", fg="red")
        return False
    return True


def run_demo(keep: Path | None) -> int:
    """Serve, crawl, change the sites, crawl again, print the digest; return an exit code."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newswatch-demo-") as tmp, SampleSites() as sites:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        config, db = folder / "sites.toml", folder / "demo.db"
        config.write_text(sites.registry_toml(), encoding="utf-8")
        click.secho("1. Sample sites are up on 127.0.0.1; first crawl of cqc-en, cqc-zh and cspress:", bold=True)
        if _crawl(config, db):
            return 1
        mark = now_iso()
        edited = change_sites(sites)
        click.secho("\n3. Second crawl:", bold=True)
        if _crawl(config, db):
            return 1
        click.secho(f"\n4. The digest of everything since {mark}:\n", bold=True)
        if not show_digest(config, db, mark):
            return 1
        click.echo(f"The chrome-only change made no version and no event. Done in {time.monotonic() - started:.1f} s.")
        if keep:
            click.echo(
                f"Registry and database kept in {folder}: try `newswatch --db {db} history {sites.url(edited)}`."
            )
    return 0
