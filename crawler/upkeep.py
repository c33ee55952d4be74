"""What a site's store needs after each crawl: its profile learned again, its new raw pages packed."""

from __future__ import annotations

import logging
import sqlite3

from sqlite_utils import Database

from crawler.site_profile import rebuild_profile
from store.bodies import BodyError, pack_site_bodies
from store.raw import RawPageError, pack_site
from store.record import now_iso

logger = logging.getLogger(__name__)
PACK_PAGES = 10_000  # raw pages packed at most after one crawl (an upgraded store catches up over crawls)

# A line for the crawl's log: (logging level, message).
Note = tuple[int, str]


def after_crawl(db: Database, site: str, listing_titles: list[str]) -> None:
    """Learn the site's profile from what is stored now and pack the pages still zlib.

    Neither may lose the run: each failure is logged and the next crawl tries again.
    """
    log_notes(upkeep(db, site, listing_titles))


def log_notes(notes: list[Note]) -> None:
    """Write the upkeep's lines to the crawl's log (also those a worker handed back)."""
    for level, message in notes:
        logger.log(level, message)


def upkeep(db: Database, site: str, listing_titles: list[str]) -> list[Note]:
    """after_crawl's work, returning what to log rather than logging it: it runs in an
    extraction worker (crawler.recording.upkeep_at), whose log lines would be lost, and the
    crawl process logs them."""
    notes: list[Note] = []
    try:
        rebuild_profile(db, site, listing_titles)
    except Exception as exc:
        notes.append((logging.ERROR, f"[{site}] cannot learn the site profile: {exc}"))
    try:
        packed = pack_site(db, site, now_iso(), limit=PACK_PAGES)
    except (sqlite3.Error, RawPageError) as exc:  # the pages stay zlib; the next crawl tries again
        return [*notes, (logging.WARNING, f"[{site}] cannot pack raw pages: {exc}")]
    if packed.error:
        notes.append((logging.INFO, f"[{site}] raw pages stay zlib: {packed.error}"))
    if packed.pages:
        notes.append(
            (logging.INFO, f"[{site}] packed {packed.pages} raw pages: {packed.before} -> {packed.after} bytes")
        )
    try:
        bodies = pack_site_bodies(db, site, limit=PACK_PAGES)  # old versions of a store from before
    except (sqlite3.Error, BodyError) as exc:
        return [*notes, (logging.WARNING, f"[{site}] cannot pack old versions' bodies: {exc}")]
    if bodies:
        notes.append((logging.INFO, f"[{site}] packed {bodies} old versions' bodies"))
    return notes
