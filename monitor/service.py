"""`newswatch run`: crawl each site on its schedule and write the daily digest, until stopped."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import Config, ConfigError, MonitorConfig, Site
from store import open_db
from store.queries import last_digest

from .jobs import CrawlJob, DigestJob

logger = logging.getLogger(__name__)
DEFAULT_INTERVAL_MINUTES = 360.0


def utcnow() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


def site_trigger(site: Site, tz: ZoneInfo) -> BaseTrigger:
    """The site's cron expression, else its interval (default every 6 hours)."""
    if site.cron:
        try:
            return CronTrigger.from_crontab(site.cron, timezone=tz)
        except ValueError as exc:
            raise ConfigError(f"site {site.name}: cron {site.cron!r} is not a crontab expression: {exc}") from exc
    minutes = site.interval_minutes or DEFAULT_INTERVAL_MINUTES
    return IntervalTrigger(seconds=minutes * 60, timezone=tz)


def digest_trigger(monitor: MonitorConfig, tz: ZoneInfo) -> BaseTrigger:
    """Daily at [monitor] digest_time (default 07:30), or every digest_interval_minutes."""
    if monitor.digest_interval_minutes:
        return IntervalTrigger(seconds=monitor.digest_interval_minutes * 60, timezone=tz)
    return CronTrigger(hour=monitor.digest_time.hour, minute=monitor.digest_time.minute, timezone=tz)


def first_run(trigger: BaseTrigger, last: datetime | None, now: datetime) -> datetime:
    """When a job should first run: now if a run was due while the monitor was down."""
    if last is None:
        return now
    if isinstance(trigger, IntervalTrigger):
        due = last + trigger.interval
    else:
        due = trigger.get_next_fire_time(None, last) or now
    return now if due <= now else due


class SiteJob(Protocol):
    """A site's scheduled job: called with the site; stop_all() when the monitor stops."""

    def __call__(self, site: Site) -> str: ...

    def stop_all(self) -> None: ...


@dataclass
class Monitor:
    """Wires the jobs to APScheduler; the clock is injectable for tests."""

    config: Config
    db_path: Path
    digest_dir: Path
    clock: Callable[[], datetime] = utcnow
    # What a site's trigger does: by default crawl it here in a child process; in queue mode
    # (distributed.jobs.EnqueueCrawl) put a crawl job on the queue for a worker.
    crawl_job: SiteJob | None = None

    def __post_init__(self) -> None:
        self.tz = self.config.monitor.zone("UTC")
        self.crawl: SiteJob = self.crawl_job or CrawlJob(self.config.path, self.db_path, self.clock)
        self.digest = DigestJob(self.config, self.db_path, self.digest_dir, self.clock, self.tz)
        self.stop_event = threading.Event()

    def plan(self) -> dict[str, tuple[BaseTrigger, datetime]]:
        """Each job's trigger and first run time, catching up on runs missed while down."""
        now = self.clock()
        db = open_db(self.db_path)
        try:
            last_crawls = {
                r["site"]: datetime.fromisoformat(r["started"])
                for r in db.query("SELECT site, max(started_at) AS started FROM crawls GROUP BY site")
            }
            previous = last_digest(db)
        finally:
            db.close()
        plan = {}
        for site in self.config.sites:
            trigger = site_trigger(site, self.tz)
            plan[f"crawl:{site.name}"] = (trigger, first_run(trigger, last_crawls.get(site.name), now))
        trigger = digest_trigger(self.config.monitor, self.tz)
        last = datetime.fromisoformat(previous["written_at"]) if previous else None
        # A first start does not write an empty digest at once: it waits for the schedule.
        plan["digest"] = (trigger, first_run(trigger, last, now) if last else _next(trigger, now))
        return plan

    def run(self) -> int:
        """Run until SIGTERM or Ctrl-C; let running crawls finish what they fetched; return 0."""
        scheduler = BackgroundScheduler(timezone=self.tz, job_defaults={"coalesce": True, "max_instances": 1})
        sites = {f"crawl:{s.name}": s for s in self.config.sites}
        for job_id, (trigger, first) in self.plan().items():
            func, args = (self.digest, []) if job_id == "digest" else (self.crawl, [sites[job_id]])
            scheduler.add_job(func, trigger, args=args, id=job_id, next_run_time=first, misfire_grace_time=None)
            logger.info("%s: first run %s", job_id, first.astimezone(self.tz).isoformat(timespec="seconds"))
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop_event.set())
        scheduler.start()
        logger.info("newswatch is running; SIGTERM or Ctrl-C stops it")
        self.stop_event.wait()
        logger.info("stopping: letting running crawls save what they fetched")
        scheduler.pause()
        self.crawl.stop_all()
        scheduler.shutdown(wait=True)
        logger.info("stopped")
        return 0


def _next(trigger: BaseTrigger, now: datetime) -> datetime:
    if isinstance(trigger, IntervalTrigger):
        return now + trigger.interval
    return trigger.get_next_fire_time(None, now) or now + timedelta(days=1)
