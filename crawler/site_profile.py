"""A site's profile: learned from its stored pages and listing titles, kept in the store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from crawler.extract import ProfileBuilder, SiteProfile
from crawler.extract.profile import SAMPLE_SIZE
from store.profiles import load_profile, sample_pages, save_profile
from store.record import now_iso


def stored_profile(db: Database, site: str) -> tuple[SiteProfile | None, tuple[str, ...]]:
    """The site's profile and the listing titles it was built with (None before the first build)."""
    data = load_profile(db, site)
    if data is None:
        return None, ()
    return profile_from_data(data), tuple(data.get("listing_titles", ()))


def rebuild_profile(db: Database, site: str, listing_titles: Iterable[str]) -> SiteProfile:
    """Learn the profile again from a fixed sample of the site's stored pages; store and return it."""
    _, known_titles = stored_profile(db, site)
    titles = sorted(set(known_titles) | {t for t in listing_titles if t})[:_MAX_TITLES]
    builder = ProfileBuilder()
    for raw, url, content_type in sample_pages(db, site, SAMPLE_SIZE):
        builder.add(raw, url, content_type)
    for title in titles:
        builder.add_listing_title(title)
    profile = builder.profile()
    save_profile(db, site, {**profile_data(profile), "listing_titles": titles}, builder.sampled, now_iso())
    return profile


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
