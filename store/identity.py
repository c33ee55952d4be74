"""Article identity in the store: URL keys, the URL forms that lead to an article, merging duplicates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from common.urls import clean_url, url_key


def find_article(db: Database, keys: Iterable[str]) -> dict[str, Any] | None:
    """The article any of these URL keys identifies: its own key first, then a known alias."""
    keys = [k for k in dict.fromkeys(keys) if k]
    for key in keys:
        rows = list(db.query("SELECT * FROM articles WHERE key = ?", [key]))
        if rows:
            return rows[0]
    for key in keys:
        rows = list(
            db.query("SELECT a.* FROM article_urls u JOIN articles a ON a.id = u.article_id WHERE u.key = ?", [key])
        )
        if rows:
            return rows[0]
    return None


def add_aliases(db: Database, article_id: int, keys: Iterable[str]) -> None:
    """Remember URL forms that led to an article, so they are known next time (first claim wins)."""
    for key in dict.fromkeys(keys):
        if key:
            db.execute("INSERT OR IGNORE INTO article_urls (key, article_id) VALUES (?, ?)", [key, article_id])


def merge_duplicate_articles(db: Database) -> int:
    """Give every article its key and merge articles that turn out to be one (URL variants).

    The oldest row of each group survives and takes over the others' versions and events;
    no version row is deleted. A duplicate's version whose content the survivor already has
    keeps its row with a marked fingerprint (the survivor's row stays the one matched), and a
    duplicate's `new` event becomes `merged`, so no digest lists the article twice. Returns
    how many rows were merged away.
    """
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in db.query("SELECT * FROM articles ORDER BY id"):
        groups[url_key(row["url"])].append(row)
    merged = 0
    for key, rows in groups.items():
        survivor, duplicates = rows[0], rows[1:]
        for duplicate in duplicates:
            _absorb(db, survivor, duplicate)
            merged += 1
        _settle_survivor(db, survivor, rows, key)
    return merged


def _absorb(db: Database, survivor: dict[str, Any], duplicate: dict[str, Any]) -> None:
    known = {
        r["fingerprint"] for r in db.query("SELECT fingerprint FROM versions WHERE article_id = ?", [survivor["id"]])
    }
    for version in list(db.query("SELECT id, fingerprint FROM versions WHERE article_id = ?", [duplicate["id"]])):
        fingerprint = version["fingerprint"]
        if fingerprint in known:
            fingerprint = f"{fingerprint}:merged-{version['id']}"
        db.execute(
            "UPDATE versions SET article_id = ?, fingerprint = ? WHERE id = ?",
            [survivor["id"], fingerprint, version["id"]],
        )
    db.execute("UPDATE events SET kind = 'merged' WHERE article_id = ? AND kind = 'new'", [duplicate["id"]])
    db.execute("UPDATE events SET article_id = ? WHERE article_id = ?", [survivor["id"], duplicate["id"]])
    db.execute("DELETE FROM articles WHERE id = ?", [duplicate["id"]])


def _settle_survivor(db: Database, survivor: dict[str, Any], rows: list[dict[str, Any]], key: str) -> None:
    """The merged article: seen since the first row, current as the most recently seen row."""
    latest = max(rows, key=lambda r: (r["last_seen"], r["id"]))
    current = _unmarked(db, survivor["id"], latest["current_version_id"])
    db.execute(
        """UPDATE articles SET key = ?, url = ?, first_seen = ?, last_seen = ?, last_checked = ?,
           current_version_id = ?, etag = ?, last_modified = ? WHERE id = ?""",
        [
            key,
            clean_url(survivor["url"]),
            min(r["first_seen"] for r in rows),
            latest["last_seen"],
            max(r["last_checked"] for r in rows),
            current,
            latest["etag"],
            latest["last_modified"],
            survivor["id"],
        ],
    )
    urls = [r["url"] for r in rows]
    urls += [
        v["fetched_url"]
        for v in db.query("SELECT DISTINCT fetched_url FROM versions WHERE article_id = ?", [survivor["id"]])
        if v["fetched_url"]
    ]
    add_aliases(db, survivor["id"], (url_key(u) for u in urls))


def _unmarked(db: Database, article_id: int, version_id: int | None) -> int | None:
    """The version of equal content that record() matches, for a version marked when merged."""
    rows = list(db.query("SELECT fingerprint FROM versions WHERE id = ?", [version_id]))
    if not rows or ":merged-" not in rows[0]["fingerprint"]:
        return version_id
    base = rows[0]["fingerprint"].split(":merged-")[0]
    match = list(db.query("SELECT id FROM versions WHERE article_id = ? AND fingerprint = ?", [article_id, base]))
    return match[0]["id"] if match else version_id
