"""A distributed newswatch on one machine for the tests: a real redis-server on 127.0.0.1,
`newswatch writer` and `newswatch worker` processes, and the scheduler's enqueue step."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from crawler.config import load_config
from distributed.jobs import EnqueueCrawl
from distributed.local_redis import LocalRedis

from .conftest import REPO

HEARTBEAT = 1  # seconds: a killed worker's job is taken over within a few
LOCK_SECONDS = 2.0  # the site lock a killed crawl leaves behind expires this fast


class Cluster:
    """Processes of the distributed mode around one registry and one store; stop() ends them all."""

    def __init__(self, tmp: Path, registry: Path, db_path: Path, redis: LocalRedis):
        self.tmp = tmp
        self.registry = registry
        self.db_path = db_path
        self.redis = redis
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {**os.environ, "NEWSWATCH_CONFIG": str(registry), "NEWSWATCH_DB": str(db_path)}
        self.env.pop("NEWSWATCH_QUEUE", None)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start `newswatch ARGS` as a process named name (its output goes to NAME.log)."""
        with (self.tmp / f"{name}.log").open("ab") as log:  # the child keeps its own copy open
            process = subprocess.Popen(
                [sys.executable, "-m", "newswatch", *args], cwd=REPO, env=self.env, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        self.processes[name] = process
        return process

    def writer(self, name: str = "writer") -> subprocess.Popen[bytes]:
        """A writer on the test's store."""
        return self.start(name, "writer", "--queue", self.redis.url, "--lock-seconds", "1")

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        """A worker named name."""
        return self.start(name, "worker", "--queue", self.redis.url, "--name", name, "--heartbeat", str(HEARTBEAT))

    def enqueue(self, *sites: str) -> list[str]:
        """What the scheduler does when the sites' triggers fire: one crawl job per site."""
        config = load_config(self.registry)
        enqueue = EnqueueCrawl(config, self.db_path, self.redis.url, LOCK_SECONDS)
        try:
            return [enqueue(config.site(name)) for name in sites or [s.name for s in config.sites]]
        finally:
            enqueue.close()

    def kill(self, name: str) -> None:
        """SIGKILL one process (its work horse and crawl die with it)."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def log(self, name: str) -> str:
        """What a process printed."""
        path = self.tmp / f"{name}.log"
        return path.read_text("utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM every process, then SIGKILL what is left."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def wait_for(self, what: str, check: Callable[[], bool], seconds: float = 60) -> None:
        """Poll check until it holds; on timeout fail with every process's log."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        logs = "\n".join(f"--- {name}.log\n{self.log(name)[-3000:]}" for name in self.processes)
        raise AssertionError(f"timed out waiting for {what}\n{logs}")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query on the store, read-only (nothing when the store or its tables do not exist yet)."""
        if not self.db_path.exists():
            return []
        try:
            with closing(sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=10)) as conn:
                return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return []

    def finished_runs(self, site: str | None = None) -> int:
        """Crawl rows closed by now (of one site, or of all)."""
        where = "status != 'running'" + (" AND site = ?" if site else "")
        rows = self.rows(f"SELECT count(*) FROM crawls WHERE {where}", (site,) if site else ())
        return int(rows[0][0]) if rows else 0
