"""The monitor's jobs and schedule, driven by an injected clock (no sleeping)."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config import MonitorConfig, load_config
from monitor.attention import needs_attention
from monitor.jobs import CrawlJob, DigestJob
from monitor.service import Monitor, digest_trigger, first_run, site_trigger
from newswatch.samples import SampleSites
from store import open_db
from store.crawls import CrawlCounts, finish_crawl, start_crawl
from store.queries import failures_in_a_row, recent_crawls

from .conftest import Cli

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_interval_catch_up() -> None:
    trigger = IntervalTrigger(hours=6, timezone=SHANGHAI)
    assert first_run(trigger, None, NOW) == NOW  # never crawled: now
    assert first_run(trigger, NOW - timedelta(hours=7), NOW) == NOW  # missed while down: now
    assert first_run(trigger, NOW - timedelta(hours=2), NOW) == NOW + timedelta(hours=4)


def test_daily_digest_at_local_time_and_catch_up() -> None:
    trigger = digest_trigger(MonitorConfig(digest_time=time(7, 30)), SHANGHAI)
    assert isinstance(trigger, CronTrigger)
    fire = trigger.get_next_fire_time(None, NOW)  # 10:00 UTC = 18:00 in Shanghai
    assert fire is not None and fire.astimezone(SHANGHAI).hour == 7 and fire.astimezone(SHANGHAI).day == 22
    yesterday = NOW - timedelta(days=1, hours=1)
    assert first_run(trigger, yesterday, NOW) == NOW  # today's 07:30 was missed
    assert first_run(trigger, NOW - timedelta(hours=1), NOW) > NOW


def test_cron_sites(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[[sites]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\nallowed_domains = ["127.0.0.1"]\n'
        "article_pattern = 'x'\ncron = \"0 */6 * * *\"\n",
        encoding="utf-8",
    )
    trigger = site_trigger(load_config(path).sites[0], SHANGHAI)
    fire = trigger.get_next_fire_time(None, NOW)
    assert fire is not None and fire.astimezone(SHANGHAI).hour % 6 == 0


def test_plan_catches_up_per_site(registry: Path, db_path: Path) -> None:
    config = load_config(registry)
    db = open_db(db_path)
    recent = start_crawl(db, "cqc-en", started_at=(NOW - timedelta(minutes=10)).isoformat())
    finish_crawl(db, recent, CrawlCounts(pages=1), "ok")
    start_crawl(db, "cqc-zh", started_at=(NOW - timedelta(hours=3)).isoformat())
    db.close()
    plan = Monitor(config, db_path, db_path.parent / "digests", clock=Clock(NOW)).plan()
    assert plan["crawl:cqc-en"][1] == NOW + timedelta(minutes=50)  # interval 60 min in the sample registry
    assert plan["crawl:cqc-zh"][1] == NOW  # missed while down
    assert plan["crawl:cspress"][1] == NOW  # never crawled
    assert plan["digest"][1] > NOW  # no digest yet: wait for its time


def test_digest_job_continues_where_the_last_one_ended(cli: Cli, registry: Path, db_path: Path, tmp_path: Path) -> None:
    cli("crawl", "cspress")
    config = load_config(registry)
    clock = Clock(datetime.now(UTC) + timedelta(minutes=1))
    job = DigestJob(config, db_path, tmp_path / "digests", clock, SHANGHAI)
    written = job()
    assert {p.name for p in written} >= {"latest.md", "latest.html", "feed.atom"}
    first = (tmp_path / "digests" / "latest.md").read_text(encoding="utf-8")
    # the first crawl of a site is a baseline: counted, not listed (the samples are years old)
    assert "- cspress: started watching, 5 articles" in first and "New (0)" in first
    clock.now += timedelta(days=1)
    job()
    second = (tmp_path / "digests" / "latest.md").read_text(encoding="utf-8")
    assert "New (0)" in second and "started watching" not in second


def _silent_server() -> tuple[socket.socket, int]:
    """Accepts connections and never answers: a site that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: [held.append(server.accept()[0]) for _ in range(16)], daemon=True).start()
    return server, server.getsockname()[1]


def test_crawl_that_hangs_is_stopped_and_recorded(tmp_path: Path, db_path: Path) -> None:
    server, port = _silent_server()
    path = tmp_path / "hang.toml"
    path.write_text(
        f'[[sites]]\nname = "hang"\nstart_urls = ["http://127.0.0.1:{port}/"]\nallowed_domains = ["127.0.0.1"]\n'
        "article_pattern = 'x'\ntimeout_minutes = 0.08\ndownload_delay = 0\n",
        encoding="utf-8",
    )
    config = load_config(path)
    job = CrawlJob(path, db_path, lambda: datetime.now(UTC), grace_seconds=3)
    assert job(config.sites[0]) == "timeout"
    server.close()
    db = open_db(db_path)
    (run,) = recent_crawls(db, "hang")
    assert run["status"] == "timeout" and run["finished_at"]


def test_crashing_crawls_are_recorded_and_need_attention(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[sites]]\nname = "bad"\nstart_urls = ["http://127.0.0.1:9/"]\nallowed_domains = ["127.0.0.1"]\n'
        "article_pattern = 'x'\n",
        encoding="utf-8",
    )
    config = load_config(path)
    job = CrawlJob(path, db_path, lambda: datetime.now(UTC))
    assert job(config.sites[0]) == "failed"  # port 9 refuses: every page fails
    db = open_db(db_path)
    assert needs_attention(db, ["bad"], failing_runs=2) == []  # one failure is no alert storm
    assert job(config.sites[0]) == "failed"
    assert failures_in_a_row(recent_crawls(db, "bad")) == 2
    (note,) = needs_attention(db, ["bad"], failing_runs=2)
    assert note.startswith("bad: the last 2 crawls failed")


def test_two_crawls_of_one_site_never_overlap(cli: Cli, sites: SampleSites, registry: Path, db_path: Path) -> None:
    from crawler.lock import SiteLock

    lock = SiteLock(db_path, "cspress")
    assert lock.acquire()
    try:
        result = cli("crawl", "cspress", check=False)
        assert "skipped, another crawl of this site is running" in result.stderr
    finally:
        lock.release()
    assert "5 new" in cli("crawl", "cspress").stdout


def test_drift_pages_found_but_no_article_extracted(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    for path, article in sites.articles.items():
        if article["site"] == "cspress":
            sites.override(path, 200, b"<html><body><div id='app'></div></body></html>")
    cli("crawl", "cspress", check=False)
    db = open_db(db_path)
    notes = needs_attention(db, ["cspress"])
    assert any("found 5 article pages but extracted no article" in n for n in notes)


def test_drift_field_lost(db_path: Path) -> None:
    from datetime import date

    from crawler.extract import Article
    from store import record
    from store.record import Fetch

    db = open_db(db_path)
    for i in range(25):
        published = date(2024, 1, 1) if i < 20 else None
        article = Article(url=f"https://e.com/{i}", title=f"T{i}", published=published, paragraphs=(f"Body {i}",))
        record(db, "e", article, Fetch(f"2026-01-01T00:00:{i:02d}.000+00:00"))
    (note,) = needs_attention(db, ["e"])
    assert "newest 5 versions have no published date" in note
