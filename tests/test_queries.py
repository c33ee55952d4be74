"""Read queries rewritten for large stores answer exactly what the plain joins answered."""

from __future__ import annotations

import importlib
import random
import sqlite3
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from crawler.extract import Article
from store import open_db, record
from store.bulk import BulkError, batch, finish, insert
from store.crawls import CrawlCounts, finish_crawl, start_crawl
from store.db import MIGRATIONS, register_functions
from store.identity import merge_duplicate_articles
from store.queries import recent_crawls, site_states, versions_with_fields
from store.record import Fetch

SITES = ("alpha", "beta", "gamma", "quiet")


def _fill(db: Database, rng: random.Random, articles: int = 60) -> None:
    """Articles of several sites, edited at random, some without a date or origin; crawl runs."""
    for step in range(articles * 3):
        a = rng.randrange(articles)
        site = SITES[a % 3] if a != 7 else "quiet"
        article = Article(
            url=f"https://{site}.example/news/{a}.html",
            title=f"Title {a}" if rng.random() < 0.9 else None,
            published=date(2026, 1, 1 + a % 28) if rng.random() < 0.7 else None,
            origin="Origin" if rng.random() < 0.5 else None,
            paragraphs=(f"Body {a} revision {rng.randrange(4)}.",),
        )
        record(db, site, article, Fetch(fetched_at=f"2026-02-{1 + step % 28:02d}T00:00:00.000+00:00", raw=b"<p>x</p>"))
    for site in SITES:
        for _ in range(rng.randrange(1, 8)):
            crawl = start_crawl(db, site)
            status = rng.choice(["ok", "partial", "failed", "running", "stopped", "timeout"])
            if status != "running":
                finish_crawl(db, crawl, CrawlCounts(pages=rng.randrange(3)), status)


def _old_site_states(db: Database) -> dict[str, dict[str, Any]]:
    """What site_states answered before version_sites: a join of every version with its article."""
    return {
        r["site"]: {"articles": r["articles"], "versions": r["versions"]}
        for r in db.query(
            "SELECT a.site, count(DISTINCT a.id) AS articles, count(v.id) AS versions"
            " FROM articles a LEFT JOIN versions v ON v.article_id = a.id GROUP BY a.site"
        )
    }


def _old_versions_with_fields(db: Database, site: str, limit: int) -> list[dict[str, Any]]:
    return list(
        db.query(
            """SELECT v.id, v.published IS NOT NULL AS has_date, v.origin IS NOT NULL AS has_origin,
                      v.title IS NOT NULL AS has_title
               FROM versions v JOIN articles a ON a.id = v.article_id
               WHERE a.site = ? ORDER BY v.id DESC LIMIT ?""",
            [site, limit],
        )
    )


def _old_recent_crawls(db: Database, site: str, limit: int) -> list[dict[str, Any]]:
    return list(
        db.query("SELECT * FROM crawls WHERE site = ? AND status != 'running' ORDER BY id DESC LIMIT ?", [site, limit])
    )


def _same_answers(db: Database) -> None:
    states = site_states(db)
    assert {s: {k: v[k] for k in ("articles", "versions")} for s, v in states.items() if "articles" in v} == {
        **{s: {"articles": 0, "versions": 0} for s in SITES},
        **_old_site_states(db),
    }
    for site in (*SITES, "nowhere"):
        for limit in (1, 5, 25, 1000):
            assert versions_with_fields(db, site, limit) == _old_versions_with_fields(db, site, limit)
            assert recent_crawls(db, site, limit) == _old_recent_crawls(db, site, limit)


def test_rewritten_reads_answer_as_the_joins_did(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.db")
    _fill(db, random.Random(11))
    _same_answers(db)


def test_version_sites_follow_versions_moved_by_a_merge(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.db")
    _fill(db, random.Random(12), articles=20)
    # Two rows of one article (as an older newswatch could leave them), merged as `migrate` does.
    db.execute(
        "INSERT INTO articles (key, url, site, first_seen, last_seen, last_checked, current_version_id)"
        " SELECT 'dup', url || '?utm_source=x', site, first_seen, last_seen, last_checked, current_version_id"
        " FROM articles WHERE id = 5"
    )
    moved = db.execute("SELECT max(id) FROM articles").fetchone()[0]
    db.execute(
        "UPDATE versions SET article_id = ? WHERE id IN (SELECT id FROM versions WHERE article_id = 5 LIMIT 1)", [moved]
    )
    merge_duplicate_articles(db)
    _same_answers(db)
    db.execute("UPDATE articles SET site = 'gamma' WHERE id = 1")
    _same_answers(db)


def test_migration_indexes_an_old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.db"
    before = lambda db, article_id, page, now: zlib.compress(page, 6)  # noqa: E731 - how pages were kept
    monkeypatch.setattr(importlib.import_module("store.record"), "pack_new", before)
    bodies = importlib.import_module("store.bodies")  # and bodies were all kept plain
    monkeypatch.setattr(bodies, "pack", lambda db, version_id, base_id: 0)
    monkeypatch.setattr(bodies, "unpack", lambda db, version_id: None)
    old = Database(sqlite3.connect(path, isolation_level=None))
    register_functions(old.conn)  # the functions its triggers call, as every newswatch connection has
    MIGRATIONS.apply(old, stop_before="m008_read_indexes")
    _fill(old, random.Random(13))
    old.close()
    monkeypatch.undo()
    db = open_db(path)
    assert (
        db.execute("SELECT count(*) FROM version_sites").fetchone()[0]
        == db.execute("SELECT count(*) FROM versions").fetchone()[0]
    )
    _same_answers(db)


def test_packing_a_page_leaves_the_search_index_alone(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.db")
    _fill(db, random.Random(14), articles=5)
    indexed = db.execute("SELECT rowid, sz FROM search_fts_docsize ORDER BY rowid").fetchall()
    db.execute("UPDATE versions SET raw = x'00', extractor = 'x'")  # what packing and re-reading change
    assert db.execute("SELECT rowid, sz FROM search_fts_docsize ORDER BY rowid").fetchall() == indexed
    assert db.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')") is not None


def test_bulk_rows_go_through_the_stores_triggers(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.db")
    with batch(db):
        insert(db, "articles", [(1, "k", "https://a.example/1", "alpha", "t", "t", "t", 1, "live", 0, None, None, 200)])
        insert(
            db, "versions", [(1, 1, "fp", "T", None, None, "en", "bulk words", "t", None, None, None, b"", "2", None)]
        )
    assert db.execute("SELECT site FROM version_sites").fetchall() == [("alpha",)]
    finish(db)
    assert db.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH 'bulk'").fetchall() == [(1,)]
    try:
        insert(db, "secrets", [])
    except BulkError as exc:
        assert "no bulk load for table 'secrets'" in str(exc)
    else:
        raise AssertionError("an unknown table was accepted")
