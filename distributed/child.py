"""`python -m distributed.child JOBFILE`: one crawl job's crawl, in a fresh process.

Each job gets its own interpreter, so Scrapy's Twisted reactor starts once per process and
is never restarted. Exit status 0 when the crawl ran and its end was sent, 75 when another
crawl held the site (the job is tried again later), 1 otherwise.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

BUSY = 75  # EX_TEMPFAIL


def crawl(job: dict[str, Any], folder: Path) -> int:
    """Run the job's crawl with the remote backend; its exit status."""
    from scrapy.crawler import CrawlerProcess

    from crawler.config import load_config
    from crawler.recheck import RecheckPolicy
    from crawler.run import scrapy_settings
    from crawler.spiders.site import SiteSpider

    registry, snapshot = folder / "sites.toml", folder / "snapshot.json"
    registry.write_text(job["registry"], encoding="utf-8")
    snapshot.write_text(job["snapshot"], encoding="utf-8")
    config = load_config(registry)
    site = config.site(job["site"])
    settings = scrapy_settings(registry, folder / "no-store.db", False, job.get("log_level", "WARNING"))
    for name, value in {
        "NEWSWATCH_BACKEND": "distributed.remote.RemoteBackend",
        "NEWSWATCH_QUEUE": job["queue"],
        "NEWSWATCH_RUN_TOKEN": job["token"],
        "NEWSWATCH_SNAPSHOT": str(snapshot),
        "NEWSWATCH_WORKER": job.get("worker", ""),
        "NEWSWATCH_LOCK_SECONDS": job["lock_seconds"],
    }.items():
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider.for_site(site, RecheckPolicy.from_config(config.monitor), config.crawl))
    process.crawl(crawler, recheck="due")
    process.start()
    if crawler.stats.get_value("newswatch/busy"):
        return BUSY
    return 0 if crawler.stats.get_value("newswatch/status") == "sent" else 1


def main(argv: list[str]) -> int:
    """Read the job file named on the command line and crawl."""
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="newswatch-job-") as tmp:
        return crawl(job, Path(tmp))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
