"""Site profiles learned again after each worker's crawl, in a process beside the writer.

Learning a profile reads up to 100 stored pages of the site and parses them (about a second);
done in the writer's loop, it would hold every other observation back. The learner has its
own store connection and writes only the `site_profiles` row (in its own short transaction).
A profile learned a little later changes nothing that was recorded: each version keeps the
key of the hints it was read with, and a page read under other hints is compared like with
like (see *Upgrades*). A writer that dies before a profile is learned leaves the previous one,
which the site's next crawl refreshes.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

logger = logging.getLogger(__name__)


def _learn(db_path: str, site: str, titles: list[str]) -> None:
    from crawler.upkeep import after_crawl
    from store import open_db

    db = open_db(db_path)
    try:
        after_crawl(db, site, titles)
    finally:
        db.close()


class ProfileLearner:
    """One process that learns site profiles from the store, one site at a time."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        context = multiprocessing.get_context("forkserver")
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        self.pending: list[Future[None]] = []

    def submit(self, site: str, titles: list[str]) -> None:
        """Learn the site's profile again (soon)."""
        future = self.pool.submit(_learn, str(self.db_path), site, titles)
        future.add_done_callback(lambda done: _report(site, done))
        self.pending = [f for f in self.pending if not f.done()] + [future]

    def wait(self) -> None:
        """Until every profile asked for is learned."""
        for future in list(self.pending):
            future.exception()
        self.pending = []

    def close(self) -> None:
        """Learn what was asked for, then stop the process."""
        self.pool.shutdown(wait=True)


def _report(site: str, done: Future[None]) -> None:
    error = done.exception()
    if error is not None:
        logger.error("[%s] the site profile could not be learned again: %s", site, error)
