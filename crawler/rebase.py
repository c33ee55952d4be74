"""Read a stored version's page again under today's extractor: compare like with like."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from common.article import Article
from crawler.extract import PageHints, SiteProfile, extract_keyed
from crawler.extract import version as extract_version
from crawler.site_profile import stored_profile
from store.profiles import link_texts
from store.queries import current_versions
from store.record import Fetch, Rebase, now_iso, raw_page, rebaseline


def reextract(db: Database, version: dict[str, Any], hints: PageHints | None = None) -> Article | None:
    """The fields the current extractor reads from a stored version's raw page; None without one."""
    read = reextract_keyed(db, version, hints)
    return read[0] if read else None


def reextract_keyed(
    db: Database, version: dict[str, Any], hints: PageHints | None = None
) -> tuple[Article, str] | None:
    """The Article and hints key the current extractor gives a stored version's raw page
    (unpacked with its site's dictionary).

    The page is read as of the day it was fetched (a date after that day is not believed),
    under the URL it was fetched from, with the site's current hints.
    """
    raw = raw_page(db, version)
    if raw is None:
        return None
    fetched = datetime.fromisoformat(version["fetched_at"]).date()
    article, key = extract_keyed(raw, version.get("fetched_url") or "", version.get("content_type"), fetched, hints)
    return None if article.is_empty else (article, key)


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
    profile, _ = stored_profile(db, site)
    for article, version in current_versions(db, site):
        done.checked += 1
        if version["extractor"] == current and not everything:
            done.up_to_date += 1
            continue
        hints = PageHints(link_texts(db, article["id"]), profile)
        read = reextract_keyed(db, version, hints if hints else None)
        if read is None:
            done.unreadable += 1
            continue
        baseline, key = read
        fetch = Fetch(fetched_at=now_iso(), extractor=current, hints=key or None)
        now = rebaseline(db, article, version, baseline, fetch)
        if now["id"] == version["id"]:
            done.same += 1
        else:
            done.changed += 1
            say(f"[{site}] re-read   {article['url']}  {baseline.title or ''}".rstrip())
    return done


def rebase_under(db: Database, texts: tuple[str, ...], profile: SiteProfile | None) -> Rebase:
    """store.record()'s rebase: read a stored version again under the hints a page was read with
    (its listing link texts, those the store remembers for the article, the site profile)."""

    def rebase(version: dict[str, Any]) -> Article | None:
        stored = link_texts(db, version["article_id"])
        hints = PageHints(tuple(dict.fromkeys([*texts, *stored])), profile)
        return reextract(db, version, hints if hints else None)

    return rebase
