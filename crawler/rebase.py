"""Read a stored version's page again under today's extractor: compare like with like."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from common.article import Article
from crawler.extract import extract
from crawler.extract import version as extract_version
from store.queries import current_versions
from store.record import Fetch, now_iso, raw_page, rebaseline


def reextract(db: Database, version: dict[str, Any]) -> Article | None:
    """The fields the current extractor reads from a stored version's raw page; None without one.

    The page is read as of the day it was fetched (a date after that day is not believed),
    under the URL it was fetched from.
    """
    raw = raw_page(db, version)
    if raw is None:
        return None
    fetched = datetime.fromisoformat(version["fetched_at"]).date()
    article = extract(raw, version.get("fetched_url") or "", version.get("content_type"), today=fetched)
    return None if article.is_empty else article


@dataclass
class Reextracted:
    """What `newswatch reextract` did to one site's current versions."""

    site: str
    checked: int = 0
    up_to_date: int = 0  # already read by this extractor
    same: int = 0  # read again, same fields: only the version's provenance was updated
    changed: int = 0  # read again, other fields: a new baseline version (a `reextracted` event)
    unreadable: int = 0  # no raw page stored, or the current extractor finds no article in it


def reextract_site(
    db: Database, site: str, everything: bool = False, say: Callable[[str], None] = print
) -> Reextracted:
    """Re-derive the current version of each of a site's articles from its raw page.

    Versions already read by the current extractor are left alone unless `everything`.
    A change of fields becomes a new current version with a `reextracted` event, which
    no digest lists as new or edited: it is a change in newswatch, not in the page.
    """
    done = Reextracted(site)
    current = extract_version.EXTRACTOR_VERSION
    for article, version in current_versions(db, site):
        done.checked += 1
        if version["extractor"] == current and not everything:
            done.up_to_date += 1
            continue
        baseline = reextract(db, version)
        if baseline is None:
            done.unreadable += 1
            continue
        now = rebaseline(db, article, version, baseline, Fetch(fetched_at=now_iso(), extractor=current))
        if now["id"] == version["id"]:
            done.same += 1
        else:
            done.changed += 1
            say(f"[{site}] re-read   {article['url']}  {baseline.title or ''}".rstrip())
    return done
