"""A site's profile: learned from its stored pages and listing titles, kept in the store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from crawler.extract import ProfileBuilder, SiteProfile
from crawler.extract.profile import SAMPLE_SIZE
from crawler.extract.version import EXTRACTOR_VERSION
from store.profiles import load_profile, sample_pages, sample_versions, save_profile
from store.record import now_iso


def stored_profile(db: Database, site: str) -> tuple[SiteProfile | None, tuple[str, ...]]:
    """The site's profile and the listing titles it was built with (None before the first build)."""
    data = load_profile(db, site)
    if data is None:
        return None, ()
    return profile_from_data(data), tuple(data.get("listing_titles", ()))


def rebuild_profile(db: Database, site: str, listing_titles: Iterable[str]) -> SiteProfile:
    """Learn the profile again from a fixed sample of the site's stored pages; store and return it.

    A profile is a function of the sampled versions, the listing titles and the extractor, so
    when none of them changed (a crawl that stored nothing new) the stored one is kept: reading
    the 100 sampled pages again was a tenth of re-crawling 1,000 unchanged articles.
    """
    data = load_profile(db, site)
    known_titles = tuple(data.get("listing_titles", ())) if data else ()
    titles = sorted(set(known_titles) | {t for t in listing_titles if t})[:_MAX_TITLES]
    versions = sample_versions(db, site, SAMPLE_SIZE)
    basis = _basis(versions, titles)
    if data is not None and data.get("basis") == basis:
        return profile_from_data(data)
    builder = ProfileBuilder()
    for raw, url, content_type in sample_pages(db, versions):
        builder.add(raw, url, content_type)
    for title in titles:
        builder.add_listing_title(title)
    profile = builder.profile()
    data = {**profile_data(profile), "listing_titles": titles, "basis": basis}
    save_profile(db, site, data, builder.sampled, now_iso())
    return profile


def _basis(versions: list[int], titles: list[str]) -> str:
    """What a profile was learned from: the sampled versions, the listing titles, the extractor."""
    text = json.dumps([EXTRACTOR_VERSION, versions, titles], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_MAX_TITLES = 50


def profile_data(profile: SiteProfile) -> dict[str, Any]:
    """A profile as JSON-ready lists (as the store keeps it)."""
    return {
        "repeated_lines": sorted(profile.repeated_lines),
        "site_titles": sorted(profile.site_titles),
        "site_names": sorted(profile.site_names),
    }


def profile_from_data(data: dict[str, Any]) -> SiteProfile:
    """The profile profile_data() wrote."""
    return SiteProfile(
        repeated_lines=frozenset(data.get("repeated_lines", ())),
        site_titles=frozenset(data.get("site_titles", ())),
        site_names=frozenset(data.get("site_names", ())),
    )
