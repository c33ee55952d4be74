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


def after_crawl(db: Database, site: str, listing_titles: list[str]) -> None:
    """Learn the site's profile from what is stored now and pack the pages still zlib.

    Neither may lose the run: each failure is logged and the next crawl tries again.
    """
    try:
        rebuild_profile(db, site, listing_titles)
    except Exception as exc:
        logger.error("[%s] cannot learn the site profile: %s", site, exc)
    try:
        packed = pack_site(db, site, now_iso(), limit=PACK_PAGES)
    except (sqlite3.Error, RawPageError) as exc:  # the pages stay zlib; the next crawl tries again
        logger.warning("[%s] cannot pack raw pages: %s", site, exc)
        return
    if packed.error:
        logger.info("[%s] raw pages stay zlib: %s", site, packed.error)
    if packed.pages:
        logger.info("[%s] packed %d raw pages: %d -> %d bytes", site, packed.pages, packed.before, packed.after)
    try:
        bodies = pack_site_bodies(db, site, limit=PACK_PAGES)  # old versions of a store from before
    except (sqlite3.Error, BodyError) as exc:
        logger.warning("[%s] cannot pack old versions' bodies: %s", site, exc)
        return
    if bodies:
        logger.info("[%s] packed %d old versions' bodies", site, bodies)
