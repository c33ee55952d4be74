"""Site profiles and the pages they are learned from: what repeats across a site's pages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from .db import write
from .record import raw_page


def load_profile(db: Database, site: str) -> dict[str, Any] | None:
    """The site's stored profile (a JSON object) with `pages` and `built_at`, or None."""
    rows = list(db.query("SELECT profile, pages, built_at FROM site_profiles WHERE site = ?", [site]))
    if not rows:
        return None
    return {**json.loads(rows[0]["profile"]), "pages": rows[0]["pages"], "built_at": rows[0]["built_at"]}


def save_profile(db: Database, site: str, profile: dict[str, Any], pages: int, at: str) -> None:
    """Replace the site's profile."""
    with write(db):
        db.execute(
            "INSERT INTO site_profiles (site, profile, pages, built_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(site) DO UPDATE SET profile = excluded.profile, pages = excluded.pages,"
            " built_at = excluded.built_at",
            [site, json.dumps(profile, ensure_ascii=False, sort_keys=True), pages, at],
        )


def sample_versions(db: Database, site: str, limit: int) -> list[int]:
    """The current versions of `limit` of the site's articles, chosen by a hash of their key
    (a fixed sample: the same articles each time, whatever order they were stored in)."""
    rows = [
        (r["key"], r["current_version_id"])
        for r in db.query("SELECT key, current_version_id FROM articles WHERE site = ?", [site])
    ]
    chosen = sorted(rows, key=lambda row: hashlib.sha256(row[0].encode("utf-8")).hexdigest())[:limit]
    return [version_id for _, version_id in chosen if version_id is not None]


def sample_pages(db: Database, version_ids: list[int]) -> Iterator[tuple[bytes, str, str | None]]:
    """The raw pages of these versions (those that have one), with the URL and type they came with."""
    for version_id in version_ids:
        rows = list(
            db.query(
                "SELECT v.raw, v.fetched_url, v.content_type, a.url FROM versions v"
                " JOIN articles a ON a.id = v.article_id WHERE v.id = ?",
                [version_id],
            )
        )
        raw = raw_page(db, rows[0]) if rows else None
        if raw is not None:
            yield raw, rows[0]["fetched_url"] or rows[0]["url"], rows[0]["content_type"]


def link_texts(db: Database, article_id: int) -> tuple[str, ...]:
    """The listing link texts remembered for an article."""
    row = db.execute("SELECT link_texts FROM articles WHERE id = ?", [article_id]).fetchone()
    return tuple(json.loads(row[0] or "[]")) if row else ()
