"""Rows for `newswatch export`: current articles, or every version, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from .queries import with_body

EXPORT_FIELDS = (
    "article_id", "version_id", "current", "site", "url", "status", "first_seen", "fetched_at",
    "title", "published", "origin", "language", "body",
)  # fmt: skip


def export_rows(
    db: Database, site: str | None = None, since: str | None = None, all_versions: bool = False
) -> Iterator[dict[str, Any]]:
    """Each article's current version (or every version, oldest first), without raw pages.

    `since` (an ISO date or time) keeps versions fetched at or after it.
    """
    join = "v.article_id = a.id" if all_versions else "v.id = a.current_version_id"
    where, params = [], []
    if site:
        where.append("a.site = ?")
        params.append(site)
    if since:
        where.append("v.fetched_at >= ?")
        params.append(since)
    sql = (
        "SELECT a.id AS article_id, v.id AS version_id, v.id = a.current_version_id AS current, a.site, a.url,"
        " a.status, a.first_seen, v.fetched_at, v.title, v.published, v.origin, v.language, v.body, v.body_z,"
        " v.body_base"
        f" FROM articles a JOIN versions v ON {join} WHERE {' AND '.join(where) or '1'} ORDER BY a.id, v.id"
    )
    for row in db.query(sql, params):
        yield {**with_body(db, row), "current": bool(row["current"])}
