"""A crawl killed with SIGKILL at any moment leaves a whole store, and the next crawl records
every article exactly once."""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from store import open_readonly

from .conftest import REPO, Cli
from .faults import FaultSite

KILLS = 10
ARTICLES = 30


def _check_whole(db_path: Path) -> dict[str, int]:
    db = open_readonly(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        per_article = db.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM versions GROUP BY article_id)"
        ).fetchone()[0]
        assert per_article in (None, 1), "an unchanged article got a second version"
        news = db.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM events WHERE kind = 'new' GROUP BY article_id)"
        )
        assert news.fetchone()[0] in (None, 1), "an article was announced as new twice"
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("articles", "versions", "events")}
    finally:
        db.close()


def _has_schema(db_path: Path) -> bool:
    """Whether the store exists and its migrations were committed (they are, all or none)."""
    if not db_path.exists():
        return False
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as raw:
        return bool(raw.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone())


def _publish(site: FaultSite, round_: int) -> None:
    from .faults import Page, paragraphs

    for n in range(4):
        number = 2000 + 4 * round_ + n
        site.pages[f"/news/{number}.html"] = Page(f"Notice {number} on new rules", "2026-02-01", paragraphs(number))


def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    seed = int(time.time())
    rng = random.Random(seed)
    with FaultSite(articles=ARTICLES, validators=False, delay=0.2) as site:
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(), encoding="utf-8")
        db_path = tmp_path / "store.db"
        env = {**os.environ, "NEWSWATCH_CONFIG": str(registry), "NEWSWATCH_DB": str(db_path)}
        stored, pools = [], []
        for round_ in range(KILLS):
            _publish(site, round_)  # each crawl finds new articles as well as known ones
            child = subprocess.Popen(
                [sys.executable, "-m", "newswatch", "crawl", "--quiet"],
                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(rng.uniform(0.4, 2.4))  # from opening the store to the middle of the writes
            pool = _descendants(child.pid)  # its extraction workers and their forkserver, once started
            child.send_signal(signal.SIGKILL)
            child.wait()
            pools.append(len(pool))
            left = _still_running(pool, within=10.0)
            for pid in left:  # (not left running after the test fails)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            assert not left, f"the killed crawl left processes behind: {left}"
            if _has_schema(db_path):  # (a kill before the new store's schema committed leaves it empty)
                stored.append((_check_whole(db_path)["articles"], len(site.pages)))
        mid_crawl = [n for n, served in stored if n < served]
        assert len(mid_crawl) >= KILLS // 2, f"too few kills landed mid-crawl (seed {seed}): {stored}"
        assert sum(1 for n in pools if n) >= KILLS // 2, f"too few kills with a pool running: {pools}"
        Cli(registry, db_path)("crawl")
        counts = _check_whole(db_path)
        total = len(site.pages)
        assert counts["articles"] == total and counts["versions"] == total, f"seed {seed}: {counts}"
        db = open_readonly(db_path)
        statuses = {r[0] for r in db.execute("SELECT status FROM crawls")}
        assert "running" not in statuses and "killed" in statuses


def _still_running(pids: list[int], within: float) -> list[int]:
    """Those of pids still running (not ended, nor a zombie) after waiting up to `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        running = [pid for pid in pids if _running(pid)]
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.2)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def test_a_worker_killed_mid_crawl_fails_its_pages_and_the_crawl_goes_on(tmp_path: Path) -> None:
    # The extraction workers also record the pages. One killed mid-crawl (out of memory, say)
    # breaks the pool: the pages it held fail with why, the rest are read by fresh workers,
    # every page has one outcome, the store stays whole, and the next crawl fills the gap.
    total = 60
    with FaultSite(articles=total, validators=False, delay=0.2) as site:
        from .faults import Page, paragraphs

        # One page long enough to keep a worker busy for a while: the worker killed is one
        # caught reading or recording a page (an idle worker's death would cost no page).
        long = "/news/1000.html"  # listed first: read early, while most pages are still to come
        site.pages[long] = Page(
            "Notice 1039, the full catalogue of certified products", "2026-01-12", paragraphs(1039, 6000)
        )
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(), encoding="utf-8")
        db_path = tmp_path / "store.db"
        env = {**os.environ, "NEWSWATCH_CONFIG": str(registry), "NEWSWATCH_DB": str(db_path)}
        child = subprocess.Popen(
            [sys.executable, "-m", "newswatch", "crawl", "--quiet"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            killed = False
            while time.monotonic() < deadline and not killed and child.poll() is None:
                time.sleep(0.01)
                if site.hits(long) == 0:
                    continue
                time.sleep(0.1)  # the long page is being read in a worker now
                workers = [pid for pid in _descendants(child.pid) if _parent(_parent(pid)) == child.pid]
                for pid in workers:  # the forkserver's children that are busy with a page
                    if _state(pid) == "R":
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
                            killed = True
            assert killed, "no extraction worker was killed mid-crawl"
            time.sleep(0.2)  # the broken pool has failed its pages by now: later ones go to fresh workers
            mark = len(site.requests)
            out, err = child.communicate(timeout=120)  # (a crawl that hangs on its broken pool fails here)
        finally:
            if child.poll() is None:  # never leave a crawl (and its pool) running after a failure
                child.kill()
                child.wait(timeout=30)
        paths = {p.split("?")[0] for p, _ in site.requests[mark:]}
        later = {p for p in paths if re.fullmatch(r"/news/\d+\.html", p)}  # article pages
        summary = next(line for line in out.splitlines() if line.startswith("total"))
        assert child.returncode in (0, 1), err[-2000:]
        new, failed = (int(summary.split(f"{word}")[0].split()[-1]) for word in (" new", " failed"))
        assert new + failed == total and failed >= 1, summary  # one outcome each; the killed worker's failed
        counts = _check_whole(db_path)
        assert counts["articles"] == new
        db = open_readonly(db_path)
        # The crawl went on: every article asked for after the pool broke was read and stored.
        stored = {urlsplit(url).path for (url,) in db.execute("SELECT url FROM articles")}
        assert len(later) >= 5 and later <= stored, (len(later), sorted(later - stored), summary)
        reasons = [r[0] for r in db.execute("SELECT reason FROM failures")]
        db.close()
        assert len(reasons) == failed and all("died" in r or "BrokenProcessPool" in r for r in reasons), reasons
        Cli(registry, db_path)("crawl")
        assert _check_whole(db_path)["articles"] == total


def _stored(db_path: Path) -> int:
    try:
        db = open_readonly(db_path)
    except Exception:  # not created yet
        return 0
    try:
        return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    finally:
        db.close()


def _state(pid: int) -> str:
    """R while the process runs (a worker reading or recording a page), S while it waits for one."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _take_the_turn_and_die() -> None:
    from crawler.workers import write_turn

    write_turn().acquire()
    os._exit(1)


def test_a_worker_that_dies_holding_the_write_turn_does_not_hang_the_crawl(monkeypatch: pytest.MonkeyPatch) -> None:
    # A dying process never releases a multiprocessing lock: the crawl's next write would wait
    # for ever on the reactor thread. It waits TURN_WAIT_SECONDS, then writes without the turn.
    import asyncio

    from crawler import workers

    monkeypatch.setattr(workers, "TURN_WAIT_SECONDS", 1.0)
    pool = workers.ExtractionPool(1, 4)
    try:
        with pytest.raises(BrokenProcessPool):
            asyncio.run(pool.run(_take_the_turn_and_die))
        assert not pool.write_lock.acquire(timeout=0.2)  # still held by the dead worker
        started = time.monotonic()
        with workers.taking_turn(pool.write_lock):
            pass
        assert 0.9 <= time.monotonic() - started < 5
    finally:
        pool.close()
