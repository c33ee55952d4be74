"""The distributed mode's commands: `newswatch worker` and `newswatch writer` (the scheduler is `run --queue`)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

import click

from .context import Context


def queue_url(obj: Context, option: str | None) -> str:
    """--queue, else [queue] url of the registry; a clean error when neither names a Redis."""
    if option:
        return option
    url = obj.config().queue.url
    if not url:
        raise click.ClickException("no queue: give --queue redis://HOST:PORT/N or set [queue] url in the registry.")
    return url


def log_to_stderr() -> None:
    """One line per event, with the time (what long-running commands print)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
    for noisy in ("apscheduler", "rq", "scrapy", "twisted"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


QUEUE_OPTION = click.option(
    "--queue",
    "queue",
    metavar="URL",
    envvar="NEWSWATCH_QUEUE",
    help="Redis URL (default: [queue] url; env NEWSWATCH_QUEUE).",
)


@click.command()
@QUEUE_OPTION
@click.option("--name", help="This worker's name in RQ (default: HOST-PID).")
@click.option(
    "--heartbeat", type=click.IntRange(1, 300), default=10, show_default=True,
    help="Seconds between a running job's heartbeats; a killed worker's job is taken over after about 3 of them.",
)  # fmt: skip
@click.option("--burst", is_flag=True, help="Quit when the queue is empty.")
@click.pass_obj
def worker(obj: Context, queue: str | None, name: str | None, heartbeat: int, burst: bool) -> None:
    """Run crawl jobs from the queue, one at a time, each in a fresh process (any host).

    Needs no store and no registry: each job carries its site's entry and what the store
    knows of it, and the crawl sends what it observes to the writer. SIGTERM or Ctrl-C
    lets the running job finish, then stops. Redis down: says so and waits for it.
    """
    from distributed.worker import run_worker

    url = queue_url(obj, queue)
    log_to_stderr()
    sys.exit(run_worker(url, name, heartbeat, burst))


@click.command()
@QUEUE_OPTION
@click.option("--lock-seconds", type=click.FloatRange(1, 600), default=10.0, hidden=True)
@click.pass_obj
def writer(obj: Context, queue: str | None, lock_seconds: float) -> None:
    """Record the workers' observations in the store (one writer, on the store's host).

    Each observation is written in one transaction and acknowledged after the commit; after
    a crash, unacknowledged ones are read again and recorded once. SIGTERM or Ctrl-C stops
    it after the observation at hand. Redis down: says so and waits for it.
    """
    from distributed.profiles import ProfileLearner
    from distributed.writer import Writer

    url = queue_url(obj, queue)
    db = obj.db()
    log_to_stderr()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    profiles = ProfileLearner(obj.db_path)
    try:
        code = Writer(db, url, stop, lock_seconds=lock_seconds, profiles=profiles).run()
    finally:
        profiles.close()
        db.close()
    logging.getLogger(__name__).info("writer: stopped")
    sys.exit(code)
