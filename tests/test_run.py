"""A real `newswatch run` process against the sample sites: crawls, notices an edit, writes the digest, stops."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from newswatch.samples import SampleSites

from .conftest import REPO

EDITED = "/www/english/c/2020-11-23/595351.shtml"


def _wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _count(db_path: Path, sql: str) -> int:
    """Read the monitor's store without writing to it (no migrations from this side)."""
    if not db_path.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet, or its tables are being created


def test_run_crawls_notices_an_edit_writes_the_digest_and_stops_on_sigterm(sites: SampleSites, tmp_path: Path) -> None:
    config = tmp_path / "sites.toml"
    monitor = '[monitor]\ntimezone = "UTC"\ndigest_interval_minutes = 0.08\ndigest_dir = "digests"\n\n'
    config.write_text(monitor + sites.registry_toml(interval_minutes=0.05), encoding="utf-8")
    db_path = tmp_path / "run.db"
    env = {**os.environ, "NEWSWATCH_CONFIG": str(config), "NEWSWATCH_DB": str(db_path)}
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "newswatch", "run"], cwd=REPO, env=env, stdout=log, stderr=log)
    try:
        _watch(process, tmp_path / "run.log", db_path, sites)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "run.log").read_text("utf-8")
    assert "stopped" in output
    # every run is recorded, and none is left 'running'
    assert _count(db_path, "SELECT count(*) FROM crawls") >= 6
    assert _count(db_path, "SELECT count(*) FROM crawls WHERE status = 'running'") == 0


def _watch(process: subprocess.Popen[bytes], log_path: Path, db_path: Path, sites: SampleSites) -> None:
    try:
        _steps(process, db_path, sites, log_path.parent)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- newswatch run log ---\n{log_path.read_text('utf-8')[-4000:]}") from exc


def _steps(process: subprocess.Popen[bytes], db_path: Path, sites: SampleSites, tmp_path: Path) -> None:
    _wait_for("the first crawls", lambda: _count(db_path, "SELECT count(*) FROM articles") == 15)
    # A digest lists an article that is new in its window as new, with its latest text;
    # so the edit is made once the first digest has reported the articles as new.
    _wait_for("the first digest", lambda: _count(db_path, "SELECT count(*) FROM digests") >= 1)
    sites.demo_edit()
    _wait_for("the edit", lambda: _count(db_path, "SELECT count(*) FROM events WHERE kind = 'edited'") == 1)
    digests = tmp_path / "digests"

    def digest_shows_edit() -> bool:
        # each digest covers the time since the previous one: one of them holds the edit
        return any("~~140~~**150**" in p.read_text("utf-8") for p in digests.glob("digest-*.md"))

    _wait_for("a digest with the edit", digest_shows_edit)
    assert (tmp_path / "digests" / "feed.atom").exists()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
