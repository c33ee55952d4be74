"""`newswatch demo --distributed`: the demo's loop with a scheduler, two workers and a writer,
each its own process, around a throwaway redis-server on 127.0.0.1."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path

import click

from store import open_db
from store.record import now_iso

from .demo import change_sites, show_digest
from .samples import SampleSites

SITES = ("cqc-en", "cqc-zh", "cspress")
INTERVAL_MINUTES = 0.1  # the scheduler crawls every site every 6 s


class Processes:
    """The demo's scheduler, workers and writer; stop() sends SIGTERM and waits."""

    def __init__(self, folder: Path, config: Path, db: Path):
        self.folder, self.config, self.db = folder, config, db
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> None:
        """`newswatch ARGS` in the background, its output in NAME.log."""
        command = [sys.executable, "-m", "newswatch", "--config", str(self.config), "--db", str(self.db), *args]
        with (self.folder / f"{name}.log").open("wb") as log:
            self.running[name] = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)

    def check(self) -> None:
        """RuntimeError when one of them ended."""
        for name, process in self.running.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} ended (exit status {process.returncode}); see {self.folder / name}.log")

    def stop(self) -> None:
        """SIGTERM to every process; wait for them (SIGKILL after 30 s)."""
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _runs(db: Path, since: str) -> list[tuple[str, str, int, int, int, int, str | None]]:
    """Finished runs started since `since`, with the worker that crawled them."""
    if not db.exists():
        return []
    sql = """SELECT c.site, c.status, c.pages, c.new, c.edited, c.unchanged, r.worker FROM crawls c
             LEFT JOIN remote_runs r ON r.crawl_id = c.id
             WHERE c.status != 'running' AND c.started_at >= ? ORDER BY c.id"""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
            return conn.execute(sql, [since]).fetchall()
    except sqlite3.OperationalError:
        return []


def _round(processes: Processes, since: str, seconds: float = 90) -> bool:
    """Wait until every site has a finished run started since `since`; print each as it lands."""
    shown: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        processes.check()
        runs = _runs(processes.db, since)
        for index, (site, status, pages, new, edited, unchanged, worker) in enumerate(runs):
            if index not in shown:
                shown.add(index)
                click.echo(f"   {site:<8} {status:<8} {pages:>3} pages: {new} new, {edited} edited, "
                           f"{unchanged} unchanged   (worker {worker})")  # fmt: skip
        if {run[0] for run in runs} >= set(SITES):
            return True
        time.sleep(0.3)
    click.secho(f"Not every site was crawled within {seconds:.0f} s; see the logs in {processes.folder}.", fg="red")
    return False


def run_distributed_demo(keep: Path | None) -> int:
    """The demo with a scheduler, two workers and a writer; return an exit code."""
    from distributed.local_redis import LocalRedis

    started = time.monotonic()
    with ExitStack() as stack:
        folder = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newswatch-demo-")))
        folder.mkdir(parents=True, exist_ok=True)
        sites = stack.enter_context(SampleSites())
        server = stack.enter_context(LocalRedis())
        config, db = folder / "sites.toml", folder / "demo.db"
        config.write_text(f'[queue]\nurl = "{server.url}"\n\n' + sites.registry_toml(interval_minutes=INTERVAL_MINUTES))
        open_db(db).close()
        processes = Processes(folder, config, db)
        stack.callback(processes.stop)
        processes.start("writer", "writer")
        for name in ("worker-1", "worker-2"):
            processes.start(name, "worker", "--name", name, "--heartbeat", "2")
        mark = now_iso()
        processes.start("scheduler", "run", "--lock-seconds", "5")
        click.secho(f"1. redis-server on {server.url}; scheduler, writer and two workers started (logs in "
                    f"{folder}); first crawls:", bold=True)  # fmt: skip
        if not _round(processes, mark):
            return 1
        mark = now_iso()
        edited = change_sites(sites)
        click.secho("\n3. The scheduler's next crawls:", bold=True)
        if not _round(processes, mark):
            return 1
        click.secho(f"\n4. The digest of everything since {mark}:\n", bold=True)
        if not show_digest(config, db, mark):
            return 1
        workers = {run[6] or "?" for run in _runs(db, "")}
        click.echo(f"The chrome-only change made no version and no event; the crawls ran on {', '.join(sorted(workers))}."
                   f" Done in {time.monotonic() - started:.1f} s.")  # fmt: skip
        if keep:
            click.echo(f"Kept in {folder}: try `newswatch --db {db} history {sites.url(edited)}`.")
    return 0
