"""The distributed mode against real processes: a redis-server on 127.0.0.1, `newswatch writer`,
`newswatch worker`s (RQ) and the scheduler's enqueue step, crawling local sites into a real store.
Every promise of one machine holds: each article stored once with the same fields, honest
statuses, no false event, nothing lost when a worker or the writer is killed."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
import redis

from distributed.local_redis import LocalRedis
from newswatch.samples import SampleSites

from .cluster import Cluster
from .conftest import Cli
from .faults import FaultSite


@pytest.fixture
def redis_server() -> Iterator[LocalRedis]:
    """A fresh redis-server on a free port of 127.0.0.1, without persistence."""
    with LocalRedis() as server:
        yield server


@pytest.fixture
def cluster(tmp_path: Path, registry: Path, redis_server: LocalRedis) -> Iterator[Cluster]:
    """The distributed mode over the sample sites' registry; every process stopped at the end."""
    running = Cluster(tmp_path, registry, tmp_path / "distributed.db", redis_server)
    yield running
    running.stop()


def _articles(db_path: Path) -> dict[str, dict[str, object]]:
    """Each article's current fields, by URL key."""
    sql = """SELECT a.key, a.url, a.site, a.status, v.title, v.published, v.origin, v.language, v.body, v.attachments,
                    v.extractor, v.hints, (SELECT count(*) FROM versions WHERE article_id = a.id) AS versions
             FROM articles a JOIN versions v ON v.id = a.current_version_id"""
    with closing(sqlite3.connect(db_path)) as conn:
        conn.row_factory = sqlite3.Row
        return {row["key"]: dict(row) for row in conn.execute(sql)}


def _events(db_path: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(db_path)) as conn:
        return sorted(conn.execute("SELECT e.kind, a.key FROM events e JOIN articles a ON a.id = e.article_id"))


def _runs(db_path: Path) -> list[tuple[object, ...]]:
    sql = (
        "SELECT site, status, pages, new, edited, unchanged, failed, not_modified, missing, skipped, error FROM crawls"
    )
    with closing(sqlite3.connect(db_path)) as conn:
        return sorted(conn.execute(sql + " ORDER BY id"))


def test_two_workers_and_a_writer_store_what_one_machine_stores(
    cluster: Cluster, sites: SampleSites, registry: Path, tmp_path: Path
) -> None:
    cluster.writer()
    cluster.worker("w1")
    cluster.worker("w2")
    assert cluster.enqueue() == ["queued"] * 3
    cluster.wait_for("the three first crawls", lambda: cluster.finished_runs() == 3)
    # The writer learns each site's profile after the run, beside its loop: the next crawls read with it.
    cluster.wait_for("the site profiles", lambda: cluster.rows("SELECT count(*) FROM site_profiles") == [(3,)])
    local = tmp_path / "local.db"
    Cli(registry, local)("crawl")
    assert _articles(cluster.db_path) == _articles(local)
    assert len(_articles(local)) == 15
    assert _events(cluster.db_path) == _events(local)
    assert _runs(cluster.db_path) == _runs(local)
    assert {r[1] for r in _runs(local)} == {"ok"}
    workers = {w for (w,) in cluster.rows("SELECT worker FROM remote_runs")}
    assert workers == {"w1", "w2"}, f"the jobs did not spread over both workers: {workers}"
    # Both see the same edit on the second crawl, and nothing else (304s, no false event).
    edited = sites.demo_edit()
    assert cluster.enqueue() == ["queued"] * 3
    cluster.wait_for("the three second crawls", lambda: cluster.finished_runs() == 6)
    Cli(registry, local)("crawl")
    assert _articles(cluster.db_path) == _articles(local)
    assert _events(cluster.db_path) == _events(local)
    assert [e for e in _events(local) if e[0] != "new"] == [("edited", _articles(local)[_key(local, edited)]["key"])]
    assert _runs(cluster.db_path) == _runs(local)


def _key(db_path: Path, path: str) -> str:
    with closing(sqlite3.connect(db_path)) as conn:
        return str(conn.execute("SELECT key FROM articles WHERE url LIKE ?", [f"%{path}"]).fetchone()[0])


def test_the_scheduler_never_queues_a_site_twice_and_two_workers_never_crawl_it_at_once(
    tmp_path: Path, redis_server: LocalRedis
) -> None:
    with FaultSite(articles=12, validators=False, delay=0.25) as site:
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(), encoding="utf-8")
        cluster = Cluster(tmp_path, registry, tmp_path / "store.db", redis_server)
        try:
            assert cluster.enqueue("faulty", "faulty") == ["queued", "busy"]
            # The marker alone must not be what keeps crawls apart: force a second job anyway.
            with redis_server_client(redis_server) as client:
                client.delete("newswatch:queued:faulty")
            assert cluster.enqueue("faulty") == ["queued"]
            cluster.writer()
            cluster.worker("w1")
            cluster.worker("w2")
            cluster.wait_for("both jobs", lambda: cluster.finished_runs("faulty") == 2 or _both_done(redis_server))
            cluster.wait_for("the runs closed", lambda: not cluster.rows("SELECT 1 FROM crawls WHERE status='running'"))
        finally:
            cluster.stop()
    runs = cluster.rows("SELECT status FROM crawls ORDER BY id")
    assert runs in ([("ok",)], [("ok",), ("ok",)]), runs  # the second job waited its turn, or found it taken
    # The server saw one crawl at a time: each crawl reads the listing, then every article once.
    paths = [path for path, _ in site.requests if path != "/robots.txt"]
    listings = [i for i, path in enumerate(paths) if path == "/news/"]
    assert len(listings) == len(runs), paths
    if len(listings) == 2:
        first_crawl = set(paths[: listings[1]])
        assert len(first_crawl) == 13, f"the second crawl started before the first ended: {paths}"
    assert cluster.rows("SELECT count(*) FROM articles") == [(12,)]
    assert cluster.rows("SELECT count(*) FROM versions") == [(12,)]


@contextmanager
def redis_server_client(server: LocalRedis) -> Iterator[redis.Redis]:
    """A client of the test's redis-server, closed after use."""
    client = redis.Redis.from_url(server.url)
    try:
        yield client
    finally:
        client.close()


def _both_done(server: LocalRedis) -> bool:
    from rq import Queue

    from distributed.connection import QUEUE

    with redis_server_client(server) as client:
        queue = Queue(QUEUE, connection=client)
        return queue.count == 0 and queue.finished_job_registry.count == 2


def test_a_worker_killed_mid_crawl_is_replaced_by_the_other_and_nothing_is_lost_or_doubled(
    tmp_path: Path, redis_server: LocalRedis
) -> None:
    with FaultSite(articles=40, validators=False, delay=0.3) as site:
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(), encoding="utf-8")
        cluster = Cluster(tmp_path, registry, tmp_path / "store.db", redis_server)
        try:
            cluster.writer()
            cluster.worker("w1")
            cluster.worker("w2")
            assert cluster.enqueue("faulty") == ["queued"]
            cluster.wait_for("the crawl to be half-way", lambda: _count(cluster, "articles") >= 8)
            (crawling,) = [w for (w,) in cluster.rows("SELECT worker FROM remote_runs")]
            assert _count(cluster, "articles") < 40, "the crawl ended before the kill"
            cluster.kill(crawling)
            hits = len(site.requests)
            time.sleep(1.0)
            assert len(site.requests) - hits <= 4, "the killed worker's crawl went on"  # answers in flight only
            cluster.wait_for("the retried crawl", lambda: cluster.finished_runs("faulty") == 2, seconds=90)
        finally:
            cluster.stop()
    runs = cluster.rows(
        "SELECT c.status, c.new, c.error, r.worker FROM crawls c JOIN remote_runs r ON r.crawl_id = c.id ORDER BY c.id"
    )
    assert [r[0] for r in runs] == ["killed", "ok"], runs
    other = ({"w1", "w2"} - {crawling}).pop()
    assert runs[1][3] == other, f"the job was not retried by the other worker: {runs}"
    assert runs[1][1] == 40 - _count_new_before(cluster, runs), runs
    assert _count(cluster, "articles") == 40 and _count(cluster, "versions") == 40
    kinds = cluster.rows("SELECT kind, count(*) FROM events GROUP BY kind")
    assert kinds == [("new", 40)], f"nothing but 40 new articles should have been announced: {kinds}"


def _count_new_before(cluster: Cluster, runs: list[tuple[object, ...]]) -> int:
    rows = cluster.rows("SELECT count(*) FROM events WHERE kind = 'new' AND crawl_id = (SELECT min(id) FROM crawls)")
    return int(rows[0][0])


def _count(cluster: Cluster, table: str) -> int:
    rows = cluster.rows(f"SELECT count(*) FROM {table}")
    return int(rows[0][0]) if rows else 0


def test_the_writer_killed_mid_stream_records_every_unacknowledged_observation_once(
    tmp_path: Path, redis_server: LocalRedis
) -> None:
    total = 300
    with FaultSite(articles=total, validators=False) as site:
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(max_pages=400), encoding="utf-8")
        cluster = Cluster(tmp_path, registry, tmp_path / "store.db", redis_server)
        client = redis.Redis.from_url(redis_server.url)
        try:
            cluster.worker("w1")
            assert cluster.enqueue("faulty") == ["queued"]
            cluster.wait_for("the crawl's observations", lambda: _stream_ends_run(client), seconds=90)
            queued = client.xlen("newswatch:observations")
            writer = cluster.writer("writer1")
            cluster.wait_for("the writer to be under way", lambda: _count(cluster, "articles") >= 20)
            cluster.kill("writer1")
            assert writer.returncode is not None
            stored = _count(cluster, "articles")
            assert stored < total, "the writer finished before it was killed"
            assert client.xlen("newswatch:observations") > 0
            cluster.writer("writer2")
            cluster.wait_for("the rest of the stream", lambda: cluster.finished_runs("faulty") == 1)
        finally:
            cluster.stop()
    assert client.xlen("newswatch:observations") == 0
    client.close()
    assert queued >= total + 3  # start, profile, the pages, finish
    assert _count(cluster, "articles") == total and _count(cluster, "versions") == total
    assert cluster.rows("SELECT kind, count(*) FROM events GROUP BY kind") == [("new", total)]
    assert cluster.rows("SELECT status, pages, new, unchanged, failed FROM crawls") == [("ok", total, total, 0, 0)]


def _stream_ends_run(client) -> bool:  # type: ignore[no-untyped-def]
    entries = client.xrevrange("newswatch:observations", count=1)
    return bool(entries) and entries[0][1][b"kind"] == b"finish"


def test_redis_unreachable_workers_and_scheduler_wait_and_say_so_one_machine_unaffected(
    sites: SampleSites, tmp_path: Path
) -> None:
    from distributed.local_redis import free_port

    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    registry = tmp_path / "sites.toml"
    registry.write_text(f'[queue]\nurl = "{url}"\n\n' + sites.registry_toml(), encoding="utf-8")
    cluster = Cluster(tmp_path, registry, tmp_path / "store.db", LocalRedis(port))
    try:
        cluster.start("worker", "worker", "--heartbeat", "1")  # [queue] url from the registry
        cluster.start("scheduler", "run", "--lock-seconds", "2")
        cluster.wait_for("both to retry", lambda: all(_retries(cluster.log(n)) >= 3 for n in ("worker", "scheduler")))
        for name in ("worker", "scheduler"):
            log = cluster.log(name)
            assert "Traceback" not in log, log
            assert f"cannot reach Redis at {url}" in log
            assert "trying again in 1 s" in log and "trying again in 2 s" in log, log
            assert cluster.processes[name].poll() is None, f"{name} gave up"
        # One machine needs no Redis, [queue] url or not.
        result = Cli(registry, tmp_path / "local.db")("crawl", "--quiet")
        assert "total" in result.stdout and " 15 new" in result.stdout
        with LocalRedis(port):
            cluster.writer()
            cluster.wait_for("the crawls once Redis is up", lambda: cluster.finished_runs() == 3, seconds=90)
            cluster.stop()
    finally:
        cluster.stop()
    assert cluster.processes == {}
    assert _count(cluster, "articles") == 15
    for name in ("worker", "scheduler"):
        assert "Traceback" not in cluster.log(name), cluster.log(name)


def _retries(log: str) -> int:
    return log.count("cannot reach Redis")


def test_observations_on_the_wire_round_trip() -> None:
    from common.article import Article, Attachment
    from crawler.items import ArticleItem
    from distributed.messages import Observation, article_data, article_item

    item = ArticleItem(
        site="s", article=Article("http://h/a", "T", None, "O", ("p1", "p2\n\nq"), "zh", (Attachment("f.pdf", "http://h/f.pdf"),)),
        raw=b"<html>\xff</html>", fetched_url="http://h/a?x", content_type=None, etag='"e"', last_modified=None,
        key="h/a", aliases=("h/b",), extractor="7", hints="k",
    )  # fmt: skip
    sent = Observation("run", 3, "article", "s", "2026-01-01T00:00:00", article_data(item), item.raw)
    back = Observation.decode(
        {k.encode(): v if isinstance(v, bytes) else str(v).encode() for k, v in sent.fields().items()}
    )
    assert back == sent
    assert article_item(back.data, back.raw or b"") == item
    assert json.loads(sent.fields()["data"])["article"]["paragraphs"] == ["p1", "p2\n\nq"]


def test_the_demo_runs_distributed(tmp_path: Path) -> None:
    result = Cli(None, tmp_path / "unused.db")("demo", "--distributed", "--keep", str(tmp_path / "demo"), timeout=240)
    out = result.stdout
    assert "1 new, 2 edited" in out and "{+150+}" in out and "attachment changed: CNCA-C01-01-2024.pdf" in out
    assert "The chrome-only change made no version and no event; the crawls ran on worker-" in out
    for name in ("scheduler", "writer", "worker-1", "worker-2"):
        assert "Traceback" not in (tmp_path / "demo" / f"{name}.log").read_text("utf-8")


def test_an_entry_the_writer_cannot_apply_is_dropped_not_fatal(tmp_path: Path, redis_server: LocalRedis) -> None:
    """An observation with fields missing (a worker of another version): before, the writer died
    on it, and again at every restart, since it reads its unacknowledged entries first."""
    from distributed.messages import STREAM, Observation

    cluster = Cluster(tmp_path, tmp_path / "unused.toml", tmp_path / "store.db", redis_server)
    at = "2026-11-22T00:00:00.000+00:00"
    entries = [
        Observation("run-1", 1, "start", "faulty", at, {"worker": "w9"}),
        Observation("run-1", 2, "article", "faulty", at, {"url": "http://127.0.0.1/news/1.html"}, raw=b"<html>"),
        Observation("run-1", 3, "outcome", "faulty", at, {"verb": "no such verb"}),
    ]
    with redis_server_client(redis_server) as client:
        for entry in entries:
            client.xadd(STREAM, entry.fields())  # type: ignore[arg-type]
        try:
            writer = cluster.writer()
            cluster.wait_for("the stream drained", lambda: client.xlen(STREAM) == 0, seconds=30)
            time.sleep(0.5)
            assert writer.poll() is None, cluster.log("writer")  # still running
        finally:
            cluster.stop()
    log = cluster.log("writer")
    assert log.count("dropped: ") == 2 and "Traceback" not in log, log
    assert cluster.rows("SELECT site, status FROM crawls") == [("faulty", "running")]  # the start was applied
