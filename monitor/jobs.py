"""The monitor's two jobs: crawl one site in a child process, and write the digest."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from crawler.config import Config, Site
from store import open_db
from store.crawls import close_abandoned

from .compose import compose_digest, since_last_digest
from .digest import iso
from .publish import publish_digest
from .render import headline

logger = logging.getLogger(__name__)
# After asking a crawl to stop (SIGTERM: Scrapy finishes what it fetched), wait this long.
STOP_GRACE_SECONDS = 30


@dataclass
class CrawlJob:
    """Crawls a site with `newswatch crawl SITE` in a child process, under a time limit.

    A child process, not this one, runs Scrapy: its Twisted reactor starts once per process,
    and a crawl that hangs or crashes cannot take the monitor down.
    """

    config_path: Path
    db_path: Path
    clock: Callable[[], datetime]
    children: dict[str, subprocess.Popen[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    grace_seconds: float = STOP_GRACE_SECONDS

    def command(self, site: Site) -> list[str]:
        """The child's command line."""
        return [sys.executable, "-m", "newswatch", "--config", str(self.config_path), "--db", str(self.db_path),
                "crawl", site.name, "--quiet"]  # fmt: skip

    def __call__(self, site: Site) -> str:
        """Run one crawl of site; return how it ended ('ok', 'failed', 'timeout', 'crashed')."""
        if self.stopping.is_set():
            return "skipped"
        started = iso(self.clock())
        logger.info("crawl %s: started", site.name)
        # Its own session: a Ctrl-C in the terminal reaches only the monitor, which then
        # stops each crawl once (a second signal would make Scrapy stop uncleanly).
        child = subprocess.Popen(
            self.command(site), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        with self.lock:
            self.children[site.name] = child
        try:
            out, err = child.communicate(timeout=site.timeout_minutes * 60)
            outcome = "ok" if child.returncode == 0 else "failed"
        except subprocess.TimeoutExpired:
            out, err = _stop(child, self.grace_seconds)
            outcome = "timeout"
        finally:
            with self.lock:
                self.children.pop(site.name, None)
        if outcome == "failed" and self.stopping.is_set():
            outcome = "stopped"
        elif outcome == "failed" and child.returncode < 0:
            outcome = "crashed"
        self._settle(site, started, outcome, err)
        summary = next((line for line in out.splitlines() if line.startswith(site.name)), "").strip()
        logger.info("crawl %s: %s %s", site.name, outcome, summary)
        return outcome

    def _settle(self, site: Site, started: str, outcome: str, err: str) -> None:
        """Make sure the store records a run that did not end normally."""
        if outcome == "ok":
            return
        lines = [line for line in err.strip().splitlines() if not line.startswith("Crawling ")]
        tail = " | ".join(lines[-3:])[:500] or f"crawl {outcome}"
        db = open_db(self.db_path)
        try:
            close_abandoned(db, site.name, started, outcome, tail)
        finally:
            db.close()
        if outcome != "stopped":
            logger.warning("crawl %s: %s (%s)", site.name, outcome, tail)

    def stop_all(self) -> None:
        """Ask every running crawl to stop (they keep what they fetched) and wait for them."""
        self.stopping.set()
        with self.lock:
            running = list(self.children.values())
        for child in running:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in running:
            try:
                child.wait(timeout=self.grace_seconds)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _stop(child: subprocess.Popen[str], grace: float) -> tuple[str, str]:
    child.send_signal(signal.SIGTERM)
    try:
        return child.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.communicate()


@dataclass
class DigestJob:
    """Writes the digest of everything since the previous one: files, feed, email, notifications."""

    config: Config
    db_path: Path
    folder: Path
    clock: Callable[[], datetime]
    tz: ZoneInfo

    def __call__(self) -> list[Path]:
        """Compose and deliver one digest (as `newswatch digest --deliver` does); return the files written."""
        now = self.clock()
        db = open_db(self.db_path)
        try:
            window = since_last_digest(db, now.astimezone(self.tz), self.tz.key)
            digest = compose_digest(db, self.config, window, now)
            done = publish_digest(
                db, self.config, digest, window, self.folder, now, digest_stamp(self.config, now, self.tz)
            )
        finally:
            db.close()
        what = "nothing to report, not written (skip_empty)" if done.skipped else f"written to {self.folder}"
        logger.info("digest: %s, %s", headline(digest), what)
        return done.paths


def digest_stamp(config: Config, now: datetime, tz: ZoneInfo) -> str:
    """The digest's file stamp: the day, or the minute when digests come every few minutes."""
    local = now.astimezone(tz)
    return f"{local:%Y-%m-%d}" if not config.monitor.digest_interval_minutes else f"{local:%Y-%m-%d-%H%M%S}"
