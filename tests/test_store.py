"""The store: one row per article, one per distinct content, events for new and edited."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.extract import Article
from store import Outcome, StoreError, fingerprint, open_db, record
from store.record import Fetch, raw_page

URL = "https://www.cqc.com.cn/www/english/c/2020-11-23/595351.shtml"


def _article(body: tuple[str, ...] = ("First paragraph.", "Second paragraph."), title: str = "A title") -> Article:
    return Article(url=URL, title=title, published=date(2020, 11, 23), origin="CQC", paragraphs=body, language="en")


def _fetch(at: str = "2026-01-01T00:00:00+00:00", raw: bytes = b"<html>page</html>") -> Fetch:
    return Fetch(fetched_at=at, raw=raw, content_type="text/html")


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = open_db(tmp_path / "s.db")
    yield database
    database.close()


def test_new_then_unchanged(db) -> None:  # type: ignore[no-untyped-def]
    assert record(db, "cqc-en", _article(), _fetch()).outcome is Outcome.NEW
    again = record(db, "cqc-en", _article(), _fetch("2026-01-02T00:00:00+00:00", raw=b"<html>other chrome</html>"))
    assert again.outcome is Outcome.UNCHANGED
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 1
    assert [r["kind"] for r in db.query("SELECT kind FROM events")] == ["new"]


def test_whitespace_and_paragraph_breaks_are_not_edits() -> None:
    a = _article(("First paragraph.", "Second paragraph."))
    b = _article(("First   paragraph.\u00a0Second paragraph.",))
    assert fingerprint(a) == fingerprint(b)


def test_edit_makes_one_version_and_one_event(db) -> None:  # type: ignore[no-untyped-def]
    record(db, "cqc-en", _article(), _fetch())
    result = record(
        db, "cqc-en", _article(("First paragraph.", "Second, changed paragraph.")), _fetch("2026-01-02T00:00:00+00:00")
    )
    assert result.outcome is Outcome.EDITED
    events = list(db.query("SELECT * FROM events ORDER BY id"))
    assert [e["kind"] for e in events] == ["new", "edited"]
    assert json.loads(events[1]["changed_fields"]) == ["body"]
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 2


def test_revert_points_back_at_the_old_version(db) -> None:  # type: ignore[no-untyped-def]
    first = record(db, "cqc-en", _article(), _fetch())
    record(db, "cqc-en", _article(title="Changed"), _fetch("2026-01-02T00:00:00+00:00"))
    back = record(db, "cqc-en", _article(), _fetch("2026-01-03T00:00:00+00:00"))
    assert back.outcome is Outcome.EDITED and back.version_id == first.version_id
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 2


def test_raw_page_is_kept_compressed(db) -> None:  # type: ignore[no-untyped-def]
    page = b"<html>" + b"x" * 10_000 + b"</html>"
    record(db, "cqc-en", _article(), _fetch(raw=page))
    row = next(db.query("SELECT raw FROM versions"))
    assert len(row["raw"]) < len(page) / 10
    assert raw_page(db, row) == page


def test_failed_write_leaves_nothing_half_done(db) -> None:  # type: ignore[no-untyped-def]
    db.execute("CREATE TRIGGER no_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(Exception, match="disk full"):
        record(db, "cqc-en", _article(), _fetch())
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 0


def test_reopening_is_idempotent(tmp_path: Path) -> None:
    open_db(tmp_path / "s.db").close()
    db = open_db(tmp_path / "s.db")
    assert {"articles", "versions", "events", "crawls", "failures"} <= set(db.table_names())


def test_unwritable_store_says_how_to_fix(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="NEWSWATCH_DB"):
        open_db(tmp_path / "file" / "s.db")


def test_many_processes_opening_a_new_store_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "race.db"
    code = f"from store import open_db; open_db({str(path)!r}).close()"
    children = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(6)]
    errors = [child.communicate()[1] for child in children]
    assert [child.returncode for child in children] == [0] * 6, errors
    db = open_db(path)
    from store.db import MIGRATIONS

    applied = [r["name"] for r in db.query("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == [m.name for m in MIGRATIONS._migrations]  # each once, none twice


def test_a_commit_that_fails_leaves_no_transaction_open(tmp_path: Path) -> None:
    """A COMMIT can fail (a full disk, an I/O error; here a deferred constraint). Left open, the
    transaction would swallow every later write as a savepoint that is never committed."""
    import sqlite3

    from store.db import write

    db = open_db(tmp_path / "s.db")
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), write(db):
        db.execute("INSERT INTO child (p) VALUES (42)")  # checked only at COMMIT
    assert not db.conn.in_transaction
    with write(db):
        db.execute("INSERT INTO parent (id) VALUES (1)")
    other = open_db(tmp_path / "s.db")  # another connection sees the later write committed
    assert other.execute("SELECT count(*) FROM parent").fetchone()[0] == 1
    assert other.execute("SELECT count(*) FROM child").fetchone()[0] == 0


def test_a_store_written_by_the_release_before_the_migrations_were_renumbered_upgrades(tmp_path: Path) -> None:
    # Its migrations m004–m007 are today's m008–m011 under their old names; opening it used to
    # run them again and fail ("table version_sites already exists"), so nothing was recorded.
    import shutil

    from store import StoreError, open_readonly
    from store.search import SearchQuery, search

    path = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "golden" / "stores" / "written-by-9d1d1d8.db", path)
    with pytest.raises(StoreError, match="newswatch migrate"):
        open_readonly(path)  # read commands ask for the upgrade, and write nothing
    db = open_db(path)
    fresh = open_db(tmp_path / "fresh.db")

    def schema(d):  # type: ignore[no-untyped-def]
        rows = d.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        return sorted((kind, name, " ".join((sql or "").split())) for kind, name, sql in rows)

    assert schema(db) == schema(fresh)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [r[0] for r in db.execute("SELECT kind FROM events ORDER BY id")] == ["new", "edited", "new"]
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 3
    hits = search(db, SearchQuery("认证"))
    assert [h.title for h in hits] == ["关于开展2024年度CCC认证证书有效性抽查工作的通知"]
    edited = "https://www.cqc.com.cn/www/english/c/2026-03-08/1.shtml"
    again = Article(
        url=edited,
        title="CCC certification notice",
        published=date(2026, 3, 8),
        origin="CQC",
        paragraphs=("More than 160 pieces were selected.", "GB/T 19001-2016 applies."),
        language="en",
    )
    assert record(db, "cqc-en", again, _fetch("2026-03-10T00:00:00.000+00:00")).outcome is Outcome.EDITED
    db.close()
    fresh.close()
    assert open_readonly(path) is not None  # upgraded: read commands open it


def test_a_store_is_migrated_in_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration that fails (or a process killed while it runs) leaves the store as it was:
    no earlier migration of the same run committed, none half applied; the next open applies
    them all. (The migrations' scripts go through sqlite-utils, whose executescript() keeps to
    the open transaction where sqlite3's own would commit it first.)"""
    import dataclasses

    import store.db as store_db

    last = store_db.MIGRATIONS._migrations[-1]

    def fails(db: Database) -> None:
        last.fn(db)
        raise sqlite3.OperationalError("disk I/O error (injected)")

    broken = [*store_db.MIGRATIONS._migrations[:-1], dataclasses.replace(last, fn=fails)]
    monkeypatch.setattr(store_db.MIGRATIONS, "_migrations", broken)
    path = tmp_path / "s.db"
    with pytest.raises(StoreError, match="injected"):
        open_db(path)
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").fetchall() == []
    raw.close()
    monkeypatch.undo()
    db = open_db(path)
    names = [r["name"] for r in db.query("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names == [m.name for m in store_db.MIGRATIONS._migrations]


def test_what_a_crawl_recorded_is_read_back_by_any_of_the_articles_keys(db) -> None:  # type: ignore[no-untyped-def]
    # How a crawl tells a page stored by a worker that died before answering from one it never
    # stored: the article's new or edited event from that crawl.
    from store.crawls import start_crawl
    from store.record import recorded_in_crawl

    first, second = start_crawl(db, "cqc-en"), start_crawl(db, "cqc-en")
    key, alias = "cqc.com.cn/www/english/c/2020-11-23/595351.shtml", "cqc.com.cn/en/595351"
    assert recorded_in_crawl(db, [key], first) is None  # not stored at all
    fetch = Fetch(fetched_at="2026-01-01T00:00:00+00:00", raw=b"<html>page</html>", crawl_id=first, aliases=(alias,))
    record(db, "cqc-en", _article(), fetch)
    assert recorded_in_crawl(db, [key], first) is Outcome.NEW
    assert recorded_in_crawl(db, ["unknown.cn/1", alias], first) is Outcome.NEW
    assert recorded_in_crawl(db, [key], second) is None  # stored, but by another crawl
    same = Fetch(fetched_at="2026-01-02T00:00:00+00:00", raw=b"<html>page</html>", crawl_id=second)
    record(db, "cqc-en", _article(), same)
    assert recorded_in_crawl(db, [key], second) is None  # unchanged leaves no event to tell by
    edited = Fetch(fetched_at="2026-01-03T00:00:00+00:00", raw=b"<html>new</html>", crawl_id=second)
    record(db, "cqc-en", _article(("First paragraph.", "A changed paragraph.")), edited)
    assert recorded_in_crawl(db, [key], second) is Outcome.EDITED
    assert recorded_in_crawl(db, [key], None) is None


def test_a_listing_page_is_remembered_as_read_when_it_was_read(db) -> None:  # type: ignore[no-untyped-def]
    # A crawl remembers its listing pages when it closes; the day after which one is read whole
    # again counts from when it was read, not from the end of a long crawl.
    from store.listings import Listing, remember_listings, remembered_listings

    read = Listing(
        "http://x.cn/news/", '"e1"', None, "News", (("http://x.cn/news/1.html", "One"),), "2026-01-01T08:00:00"
    )
    undated = Listing("http://x.cn/news/index_2.html", None, None, "News", ())
    remember_listings(db, "x", [read, undated], "2026-01-01T09:30:00")
    kept = remembered_listings(db, "x")
    assert kept[read.url] == read
    assert kept[undated.url].read_at == "2026-01-01T09:30:00"
