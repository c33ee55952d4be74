"""Commands that run things for a while: the monitor, the demo, the sample sites."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.config import Config, ConfigError

from .context import Context


def digest_folder(obj: Context, config: Config, option: Path | None) -> Path:
    """--digest-dir, else [monitor] digest_dir (resolved against the registry's folder at load), else next to the store."""
    return option or config.monitor.digest_dir or obj.db_path.parent / "digests"


@click.command()
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where digests and feed.atom go (default: [monitor] digest_dir, else 'digests' next to the database).",
)
@click.option(
    "--queue", metavar="URL", envvar="NEWSWATCH_QUEUE",
    help="Distributed mode: enqueue each scheduled crawl on this Redis (redis://HOST:PORT/N) for `newswatch worker`s "
    "instead of crawling here (default: [queue] url; env NEWSWATCH_QUEUE).",
)  # fmt: skip
@click.option("--lock-seconds", type=click.FloatRange(1, 600), default=30.0, hidden=True)
@click.pass_obj
def run(obj: Context, digest_dir: Path | None, queue: str | None, lock_seconds: float) -> None:
    """Run the monitor until SIGTERM or Ctrl-C: crawl each site on its schedule, write the digest daily.

    \b
    Each site crawls every interval_minutes (or on its cron expression) in a child process
    with a time limit (timeout_minutes); two crawls of one site never overlap. Known
    articles are re-checked by age with conditional requests. The digest (Markdown, HTML,
    Atom feed, optional email) is written at [monitor] digest_time in [monitor] timezone.
    Runs missed while the monitor was down are caught up at start.

    With --queue (or [queue] url) it is the scheduler of the distributed mode: each crawl
    becomes a job on the queue (never two for one site) for `newswatch worker`s, and
    `newswatch writer` records what they observe; the digest is written here as always.
    """
    from monitor.service import Monitor

    from .queue_commands import log_to_stderr

    config = obj.config()
    obj.db().close()
    log_to_stderr()
    folder = digest_folder(obj, config, digest_dir)
    names = ", ".join(s.name for s in config.sites)
    url = queue or config.queue.url
    crawl_job = None
    if url:
        from distributed.connection import shown
        from distributed.jobs import EnqueueCrawl

        crawl_job = EnqueueCrawl(config, obj.db_path, url, lock_seconds)
        click.echo(f"Scheduling crawls of {names} on {shown(url)}; store {obj.db_path}; digests in {folder}", err=True)
    else:
        click.echo(f"Monitoring {names}; store {obj.db_path}; digests in {folder}", err=True)
    try:
        code = Monitor(config, obj.db_path, folder, crawl_job=crawl_job).run()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)


@click.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo's registry and database in this folder (default: a temporary one).",
)
@click.option(
    "--distributed", is_flag=True,
    help="Run it with a scheduler, two workers and a writer as separate processes, on a throwaway redis-server.",
)  # fmt: skip
def demo(keep: Path | None, distributed: bool) -> None:
    """Run the whole loop offline on the bundled sample sites and print the digest.

    Serves the sample sites on 127.0.0.1, crawls them, publishes one article, edits one and
    changes only the 'Hot Spots' box, crawls again, and prints what the digest reports.
    """
    if distributed:
        from newswatch.demo_distributed import run_distributed_demo

        sys.exit(run_distributed_demo(keep))
    from newswatch.demo import run_demo

    sys.exit(run_demo(keep))


@click.command()
@click.option(
    "--port-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the registry for these servers to this file.",
)
def samples(port_file: Path | None) -> None:
    """Serve the sample sites on 127.0.0.1 until Ctrl-C, and print a registry for them.

    Change them while they run with POST /__control__/publish|edit|delete|document|chrome (JSON body).
    """
    from newswatch.samples import SampleSites

    with SampleSites() as sites:
        registry = sites.registry_toml()
        if port_file:
            port_file.write_text(registry, encoding="utf-8")
        click.echo(registry)
        click.echo("Serving the sample sites; Ctrl-C stops.", err=True)
        try:
            import threading

            threading.Event().wait()
        except KeyboardInterrupt:
            pass
