"""The distributed benchmark: the generated articles split into 20 sites, crawled by 1, 2 and 4
workers with one writer on this machine; then the writer's headroom.

Each site is generated like the crawl benchmark's site (sitegen, its own seed) and served by
its own server on its own port. For each worker count: a fresh store and redis-server, the
writer and the workers as processes (`newswatch writer`, `newswatch worker`), the 20 jobs
queued at once (what the scheduler does when their triggers fire), timed until the store has
closed all 20 runs. Pages per second count every request the servers answered. The writer's
headroom: the same crawl with the writer stopped (the observations wait in the stream), then
the writer alone drains the stream; observations per second it records against the rate at
which the workers produced them.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

from . import serve, sitegen

SITES = 20
WORKERS = (1, 2, 4)
TIMEOUT = 1800.0


def _registry(servers: list[serve.Server], sites: list[sitegen.GeneratedSite]) -> str:
    parts = []
    for index, (server, site) in enumerate(zip(servers, sites, strict=True)):
        parts.append(sitegen.registry_toml(server.base_url, site, name=f"site{index:02d}").split("\n\n", 1)[1])
    return "[monitor]\nrecheck = [[3, 0]]\n\n" + "\n".join(parts)


class Rig:
    """A redis-server, a store and the processes of one measured crawl."""

    def __init__(self, work: Path, config: Path, name: str):
        from distributed.local_redis import LocalRedis

        self.work, self.config = work, config
        self.db = work / f"{name}.db"
        self.redis = LocalRedis().start()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.env = {**os.environ, "NEWSWATCH_CONFIG": str(config), "NEWSWATCH_DB": str(self.db)}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.work / f"{name}.log").open("ab") as log:
            process = subprocess.Popen([sys.executable, "-m", "newswatch", *args, "--queue", self.redis.url],
                                       env=self.env, stdout=log, stderr=log, start_new_session=True)  # fmt: skip
        self.processes.append(process)
        return process

    def enqueue(self) -> None:
        from crawler.config import load_config
        from distributed.jobs import EnqueueCrawl
        from store import open_db

        open_db(self.db).close()
        config = load_config(self.config)
        job = EnqueueCrawl(config, self.db, self.redis.url)
        try:
            assert all(job(site) == "queued" for site in config.sites)
        finally:
            job.close()

    def closed_runs(self) -> int:
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)) as conn:
            return int(conn.execute("SELECT count(*) FROM crawls WHERE status != 'running'").fetchone()[0])

    def jobs_done(self) -> int:
        import redis
        from rq import Queue

        from distributed.connection import QUEUE

        with closing(redis.Redis.from_url(self.redis.url)) as client:
            return Queue(QUEUE, connection=client).finished_job_registry.count

    def stream_length(self) -> int:
        import redis

        with closing(redis.Redis.from_url(self.redis.url)) as client:
            return int(client.xlen("newswatch:observations"))

    def store(self) -> dict[str, Any]:
        with closing(sqlite3.connect(self.db)) as conn:
            row = conn.execute("SELECT count(*), sum(status = 'ok') FROM crawls").fetchone()
            return {
                "runs": row[0],
                "ok": row[1],
                "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
            }

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        self.redis.stop()


def _until(check: Any, what: str, timeout: float = TIMEOUT) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"Error: timed out waiting for {what}")
        time.sleep(0.2)
    return time.perf_counter() - started


def crawl(work: Path, config: Path, servers: list[serve.Server], workers: int) -> dict[str, Any]:
    """One crawl of the 20 sites by `workers` workers and a writer; wall time, pages/s, the store's runs."""
    rig = Rig(work, config, f"w{workers}")
    try:
        rig.start("writer", "writer")
        for n in range(workers):
            rig.start(f"worker{workers}-{n}", "worker", "--name", f"w{n}")
        time.sleep(2)  # the workers are listening
        marks = [s.mark() for s in servers]
        started = time.perf_counter()  # from the first job queued to the last run closed in the store
        rig.enqueue()
        _until(lambda: rig.closed_runs() == SITES, f"{workers} workers")
        wall = time.perf_counter() - started
        pages = sum(s.requests_since(m).total for s, m in zip(servers, marks, strict=True))
        return {"workers": workers, "wall_s": wall, "pages": pages, "pages_per_s": pages / wall, **rig.store()}
    finally:
        rig.stop()


def headroom(work: Path, config: Path, servers: list[serve.Server], workers: int) -> dict[str, Any]:
    """The crawl with the writer stopped, then the writer alone: observations/s recorded vs produced."""
    rig = Rig(work, config, "drain")
    try:
        for n in range(workers):
            rig.start(f"drain-worker-{n}", "worker", "--name", f"w{n}")
        time.sleep(2)
        rig.enqueue()
        produced_s = _until(lambda: rig.jobs_done() == SITES, "the crawl without a writer")
        observations = rig.stream_length()
        rig.start("drain-writer", "writer")
        drain_s = _until(lambda: rig.stream_length() == 0 and rig.closed_runs() == SITES, "the writer's drain")
        return {
            "workers": workers,
            "observations": observations,
            "produced_per_s": observations / produced_s,
            "recorded_per_s": observations / drain_s,
            "headroom": (observations / drain_s) / (observations / produced_s),
            **rig.store(),
        }
    finally:
        rig.stop()


def bench(articles: int, server_kind: str, seed: int) -> dict[str, Any]:
    """Generate (or reuse) the sites, serve them, crawl with each worker count, measure the writer."""
    per_site = articles // SITES
    sites = [sitegen.cached_site(per_site, seed * 1000 + i)[0] for i in range(SITES)]
    print(f"\n{articles} articles in {SITES} sites of {per_site}; {sum(s.pages for s in sites)} pages", flush=True)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="newswatch-bench-dist-") as tmp:
        servers = []
        for site in sites:
            server = serve.start(site.root, server_kind)
            stack.callback(server.stop)
            servers.append(server)
        work = Path(tmp)
        config = work / "sites.toml"
        config.write_text(_registry(servers, sites), encoding="utf-8")
        runs = []
        for workers in WORKERS:
            run = crawl(work, config, servers, workers)
            print(f"  {workers} worker(s): {run['wall_s']:.1f} s, {run['pages_per_s']:.1f} pages/s, "
                  f"{run['ok']}/{run['runs']} runs ok, {run['articles']} articles", flush=True)  # fmt: skip
            runs.append(run)
        drain = headroom(work, config, servers, max(WORKERS))
        print(f"  writer: {drain['recorded_per_s']:.0f} observations/s recorded, "
              f"{drain['produced_per_s']:.0f}/s produced by {drain['workers']} workers", flush=True)  # fmt: skip
    return {"articles": articles, "sites": SITES, "server": servers[0].name, "runs": runs, "writer": drain}
