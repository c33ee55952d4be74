"""`newswatch worker`: run crawl jobs from the queue, one at a time, each in a fresh process.

An RQ worker. Its work horse runs `distributed.jobs.crawl_site`, which starts the crawl as a
child process; both die with the worker (Linux's parent-death signal), so a worker killed
mid-job leaves nothing crawling. Its job's heartbeat then stops, and another worker's
maintenance finds the job abandoned and puts it back on the queue (RQ's retry count, so a
job that kills every worker does not loop forever).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from rq import Queue, Worker
from rq.job import Job

from .connection import QUEUE, UNREACHABLE, reachable, shown

logger = logging.getLogger(__name__)
DEFAULT_HEARTBEAT_SECONDS = 10


class CrawlWorker(Worker):
    """RQ's forking worker whose jobs count as abandoned `grace` seconds after their last heartbeat.

    RQ adds a fixed minute to every heartbeat; a shorter grace lets another worker take over
    a killed worker's crawl sooner (about three heartbeats plus a maintenance interval).
    """

    grace = 2 * DEFAULT_HEARTBEAT_SECONDS

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """Seconds until this job's execution counts as abandoned without a new heartbeat."""
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, self.job_monitoring_interval)) + self.grace
        return self.job_monitoring_interval + self.grace


def run_worker(url: str, name: str | None, heartbeat: int, burst: bool, stop: threading.Event | None = None) -> int:
    """Work until stopped (SIGTERM: the running job finishes first); wait out Redis outages."""
    os.environ["NEWSWATCH_QUEUE"] = url  # the crawl processes send their observations here
    name = name or f"{socket.gethostname()}-{os.getpid()}"
    while True:
        client = reachable(url, f"worker {name}", stop)
        worker = CrawlWorker(
            [Queue(QUEUE, connection=client)],
            connection=client,
            name=name,
            job_monitoring_interval=heartbeat,
            maintenance_interval=6 * heartbeat,
            worker_ttl=heartbeat + 15,  # an idle worker waits at most `heartbeat` s for a job, then maintains
        )
        worker.grace = 2 * heartbeat
        logger.info("worker %s: taking crawl jobs from %s (queue %s)", name, shown(url), QUEUE)
        try:
            worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
            return 0
        except UNREACHABLE as exc:
            logger.error("worker %s: lost Redis at %s (%s); reconnecting", name, shown(url), exc)
