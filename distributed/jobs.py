"""Crawl jobs on RQ: the scheduler's side (enqueue "crawl SITE", never two for one site) and
the worker's side (run the crawl in a fresh child process, under a time limit).

A job carries what its crawl needs: the registry's text (so a worker on another host reads the
same sites), and a snapshot of what the store knows about the site (known articles with
their validators and ages, attachments, the site profile) — no worker opens the SQLite file.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from rq import Queue, Retry

from crawler.config import Config, Site
from crawler.siteview import SiteSnapshot
from store import open_db

from .connection import QUEUE, QueueUnreachableError, connect, queued_key, with_retries
from .messages import STREAM, Observation
from .remote import DEFAULT_LOCK_SECONDS

logger = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 30  # after asking a crawl to stop at its time limit, wait this long
START_SECONDS = 60  # what a crawl process may take to start, on top of timeout_minutes
RETRIES = 3


class CrawlFailedError(Exception):
    """The crawl process ended abnormally; the run was closed with its status."""


def job_seconds(site: Site) -> int:
    """How long one try of a site's crawl job may run."""
    return int(site.timeout_minutes * 60 + STOP_GRACE_SECONDS + START_SECONDS)


def marker_seconds(site: Site) -> int:
    """How long the site stays marked as queued: every try of its job, and time to wait in the queue."""
    return job_seconds(site) * (RETRIES + 1) + 600


# ---- the scheduler's side
@dataclass
class EnqueueCrawl:
    """The monitor's crawl job in queue mode: put "crawl SITE" on the queue, once per site."""

    config: Config
    db_path: Path
    url: str
    lock_seconds: float = DEFAULT_LOCK_SECONDS
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.redis = connect(self.url)
        self.queue = Queue(QUEUE, connection=self.redis)

    def __call__(self, site: Site) -> str:
        """Enqueue one crawl of site; 'queued', 'busy' (one is queued or running) or 'unreachable'."""
        if self.stopping.is_set():
            return "skipped"
        job_id = f"crawl-{site.name}-{uuid.uuid4().hex[:12]}"
        marker = self.redis.lock(queued_key(site.name), timeout=marker_seconds(site), thread_local=False)
        try:
            taken = with_retries(f"crawl {site.name}", self.url, lambda: marker.acquire(blocking=False, token=job_id),
                                 self.stopping, give_up_after=self._patience(site))  # fmt: skip
            if not taken:
                logger.info("crawl %s: a crawl of this site is still queued or running; not queued again", site.name)
                return "busy"
            payload = self.payload(site)
            with_retries(f"crawl {site.name}", self.url, lambda: self._enqueue(site, job_id, payload), self.stopping)
        except QueueUnreachableError as exc:
            logger.error("crawl %s: not queued: %s", site.name, exc)
            return "unreachable"
        except Exception as exc:  # the store could not give the site's snapshot (locked, moved, damaged)
            # Give the marker back, or the site's crawls would be "busy" until it expired (hours).
            with contextlib.suppress(redis.exceptions.RedisError):  # not ours, or Redis gone: it expires
                marker.release()
            logger.error("crawl %s: not queued: %s", site.name, exc)
            return "failed"
        logger.info("crawl %s: queued as %s", site.name, job_id)
        return "queued"

    def payload(self, site: Site) -> dict[str, Any]:
        """What the job carries: the site, the registry's text and the store's snapshot of the site."""
        db = open_db(self.db_path)
        try:
            snapshot = SiteSnapshot.read(db, site.name)
        finally:
            db.close()
        return {
            "site": site.name,
            "registry": self.config.path.read_text(encoding="utf-8"),
            "snapshot": snapshot.to_json(),
            "lock_seconds": self.lock_seconds,
            "timeout_seconds": site.timeout_minutes * 60,
        }

    def _enqueue(self, site: Site, job_id: str, payload: dict[str, Any]) -> None:
        self.queue.enqueue_call(
            crawl_site,
            args=(payload,),
            job_id=job_id,
            timeout=job_seconds(site),
            # No pause between tries: a pause needs RQ's scheduler, whose lock a killed worker
            # would hold for a minute. A retried crawl waits for the dead crawl's site lock instead.
            retry=Retry(max=RETRIES),
            result_ttl=7 * 86400,
            failure_ttl=30 * 86400,
            description=f"crawl {site.name}",
        )

    def _patience(self, site: Site) -> float:
        return (site.interval_minutes or 360) * 60 / 2

    def stop_all(self) -> None:
        """Stop waiting for Redis (queued crawls run on, on their workers)."""
        self.stopping.set()

    def close(self) -> None:
        """Close the connection to Redis."""
        self.redis.close()


# ---- the worker's side (runs in RQ's work horse)
def crawl_site(payload: dict[str, Any]) -> dict[str, Any]:
    """Crawl one site in a child process that dies with this one; CrawlFailedError when it did not end well."""
    _die_with_parent()
    token = uuid.uuid4().hex
    worker = os.environ.get("RQ_WORKER_ID", "")
    job = {**payload, "token": token, "queue": os.environ["NEWSWATCH_QUEUE"], "worker": worker}
    with tempfile.TemporaryDirectory(prefix="newswatch-job-") as tmp:
        path = Path(tmp) / "job.json"
        path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        code, outcome = _run_child([sys.executable, "-m", "distributed.child", str(path)], payload["timeout_seconds"])
    if code == 75:  # another job's crawl of the site is running (it was queued twice): that one does the work
        logger.warning("crawl %s: another crawl of this site is running; this job ends", payload["site"])
        return {"site": payload["site"], "run": None, "worker": worker, "busy": True}
    _release_marker(job["queue"], payload["site"])
    if outcome != "ok":
        _abandon(job["queue"], token, payload["site"], outcome)
        raise CrawlFailedError(f"the crawl of {payload['site']} ended: {outcome} (exit status {code})")
    return {"site": payload["site"], "run": token, "worker": worker}


def _run_child(command: list[str], timeout: float) -> tuple[int, str]:
    child = subprocess.Popen(command, preexec_fn=_die_with_parent)  # Linux: it dies with us
    try:
        code = child.wait(timeout=timeout + START_SECONDS)
        return code, "ok" if code in (0, 75) else ("crashed" if code < 0 else "failed")
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return child.returncode, "timeout"


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies, so a killed worker leaves no crawl behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before we asked
        os._exit(1)


def _release_marker(url: str, site: str) -> None:
    """The site may be queued again (the marker is this job's: its value is the job's id)."""
    client = connect(url)
    with contextlib.suppress(redis.exceptions.RedisError):
        if client.get(queued_key(site)) == os.environ.get("RQ_JOB_ID", "").encode():
            client.delete(queued_key(site))


def _abandon(url: str, token: str, site: str, status: str) -> None:
    """Close the run of a crawl process that did not end by itself (the writer keeps a finished run as it is)."""
    error = {"timeout": "stopped after timeout_minutes", "crashed": "the crawl process crashed"}.get(
        status, "the crawl process ended with an error"
    )
    data = {"abandoned": True, "status": status, "error": error}
    last = Observation(token, 2**62, "finish", site, "", data)  # after every observation the run could send
    with contextlib.suppress(redis.exceptions.RedisError):
        connect(url).xadd(STREAM, last.fields())  # type: ignore[arg-type]
