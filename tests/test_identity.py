"""One article, one identity: URL keys, and the migration that merges an old store's duplicates."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from common.urls import clean_url, url_key
from store import open_readonly
from store.db import MIGRATIONS

from .conftest import Cli

BASE = "http://www.cqc.com.cn/www/english/c/2024-01-05/1013.shtml"


def test_url_forms_of_one_article_share_a_key() -> None:
    forms = [
        BASE,
        "https://cqc.com.cn/www/english/c/2024-01-05/1013.shtml",
        f"{BASE}#content",
        f"{BASE}?utm_source=x",
        f"{BASE}?utm_medium=rss&utm_source=x",
        "HTTP://WWW.CQC.COM.CN:80/www/english/c/2024-01-05/1013.shtml?fbclid=abc",
    ]
    assert {url_key(u) for u in forms} == {"cqc.com.cn/www/english/c/2024-01-05/1013.shtml"}
    assert url_key(f"{BASE}?id=2&page=1") == url_key(f"{BASE}?page=1&id=2") != url_key(BASE)
    assert url_key(f"{BASE}?sessionid=9", ("sessionid",)) == url_key(BASE)
    assert clean_url(f"{BASE}?utm_source=x#top") == BASE  # still fetchable as written


def _old_store(path: Path) -> Database:
    """A store as the previous newswatch left it: schema before URL keys, duplicates included."""
    db = Database(sqlite3.connect(path, isolation_level=None))
    MIGRATIONS.apply(db, stop_before="m003_identity_and_provenance")
    rows = [  # (article url, first seen, [(fingerprint, body)])
        (BASE, "2026-01-01T00:00:00.000+00:00", [("fp-a", "Text A"), ("fp-b", "Text B")]),
        (f"{BASE}?utm_source=x", "2026-01-02T00:00:00.000+00:00", [("fp-b", "Text B")]),
        (f"{BASE}?utm_source=x&utm_medium=rss", "2026-01-03T00:00:00.000+00:00", [("fp-c", "Text C")]),
        ("http://www.cqc.com.cn/www/english/c/2024-01-06/1014.shtml", "2026-01-01T00:00:00.000+00:00", [("fp-z", "Z")]),
    ]
    for url, seen, versions in rows:
        article_id = db.execute(
            "INSERT INTO articles (url, site, first_seen, last_seen, last_checked) VALUES (?, 'cqc-en', ?, ?, ?)",
            [url, seen, seen, seen],
        ).lastrowid
        version_id = None
        for fingerprint, body in versions:
            version_id = db.execute(
                "INSERT INTO versions (article_id, fingerprint, title, body, fetched_at, fetched_url) VALUES (?, ?, 'T', ?, ?, ?)",
                [article_id, fingerprint, body, seen, url],
            ).lastrowid
            kind = "new" if fingerprint == versions[0][0] else "edited"
            db.execute(
                "INSERT INTO events (kind, at, site, article_id, version_id) VALUES (?, ?, 'cqc-en', ?, ?)",
                [kind, seen, article_id, version_id],
            )
        db.execute("UPDATE articles SET current_version_id = ? WHERE id = ?", [version_id, article_id])
    return db


def test_migration_merges_url_variants_and_keeps_every_version(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_store(path).close()
    result = Cli(None, path)("migrate")
    assert "m003_identity_and_provenance" in result.stdout
    db = open_readonly(path)
    articles = list(db.query("SELECT * FROM articles ORDER BY id"))
    assert len(articles) == 2
    merged = articles[0]
    assert merged["key"] == url_key(BASE) and merged["url"] == BASE
    assert merged["first_seen"] == "2026-01-01T00:00:00.000+00:00"
    versions = list(db.query("SELECT article_id, fingerprint, body FROM versions ORDER BY id"))
    assert len(versions) == 5  # no version row lost
    assert {v["article_id"] for v in versions[:4]} == {merged["id"]}
    current = next(db.query("SELECT body FROM versions WHERE id = ?", [merged["current_version_id"]]))
    assert current["body"] == "Text C"  # the most recently seen variant's text
    kinds = [r["kind"] for r in db.query("SELECT kind FROM events WHERE article_id = ? ORDER BY id", [merged["id"]])]
    assert kinds.count("new") == 1 and kinds.count("merged") == 2  # no digest lists it twice
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    history = Cli(None, path)("history", "https://cqc.com.cn/www/english/c/2024-01-05/1013.shtml?utm_source=rss")
    assert history.stdout.count("\n  v") == 4
