"""Raw pages packed with zstd and a dictionary per site: every page unpacks to exactly its bytes."""

from __future__ import annotations

import importlib
import random
import re
import sqlite3
import zlib
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.extract import Article
from crawler.outcomes import StoreWriteError
from crawler.recording import file_identity, upkeep_at
from store import open_db, open_readonly, raw, record
from store.bodies import body as body_of
from store.db import MIGRATIONS, register_functions
from store.queries import current_page
from store.raw import RawPageError, newest_dictionary, pack, pack_site, unpack
from store.record import Fetch, raw_page

from .conftest import Cli
from .faults import FaultSite

NOW = "2026-11-22T00:00:00.000+00:00"


def _page(site: str, i: int, rng: random.Random) -> bytes:
    """A page of a site's template: shared chrome, an article of its own, and a byte or two of noise."""
    chrome = f"<html><head><title>{site}</title><style>{'.nav{margin:0} ' * 200}</style></head><body>"
    menu = "".join(f'<li><a href="/{site}/col{n}/">{site} section {n}</a></li>' for n in range(120))
    words = " ".join(rng.choice(["quality", "标准", "认证", "testing", "GB/T", "19001", "2026"]) for _ in range(300))
    return f"{chrome}<ul>{menu}</ul><h1>Article {i}</h1><p>{words}</p>\x00\xff</body></html>".encode(
        "utf-8", "surrogateescape"
    ) + bytes([i % 256])


def _record(db: Database, site: str, i: int, page: bytes, at: str | None = None) -> None:
    article = Article(
        url=f"https://{site}.example/news/{i}.html",
        title=f"Article {i}",
        published=date(2026, 1, 1),
        paragraphs=(f"Body of {i} on {site}.",),
    )
    record(db, site, article, Fetch(fetched_at=at or f"2026-01-01T00:00:{i % 60:02d}.000+00:00", raw=page))


def _pages(db: Database) -> dict[int, bytes]:
    return {r["id"]: raw_page(db, r) or b"" for r in db.query("SELECT id, raw FROM versions")}


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raw, "TRAIN_AFTER", 10)
    monkeypatch.setattr(raw, "TRAIN_PAGES", 10)
    monkeypatch.setattr(raw, "BATCH", 3)


def test_every_format_unpacks_to_its_bytes(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.db")
    page = b"<html>" + bytes(range(256)) * 40 + b"</html>"
    assert unpack(db, zlib.compress(page, 6)) == page  # what record() and older stores write
    assert unpack(db, pack(page, None)) == page
    with pytest.raises(RawPageError, match="cannot unpack"):
        unpack(db, b"not a page")


def test_a_site_gets_a_dictionary_once_it_has_enough_pages(tmp_path: Path, small_threshold: None) -> None:
    db = open_db(tmp_path / "s.db")
    rng = random.Random(4)
    pages = {}
    for i in range(20):
        site = "alpha" if i % 4 else "beta"  # beta has 5 pages: too few for a dictionary
        pages[i] = _page(site, i, rng)
        _record(db, site, i, pages[i])
    # The 11th page of alpha trained its dictionary and was packed with it, as were the ones after.
    assert [r["site"] for r in db.query("SELECT site FROM raw_dicts")] == ["alpha"]
    formats = [
        r["raw"][:1]
        for r in db.query(
            "SELECT v.raw FROM version_sites s JOIN versions v ON v.id = s.version_id WHERE s.site = 'alpha' ORDER BY v.id"
        )
    ]
    assert formats == [b"\x78"] * 10 + [b"\x28"] * 5
    before = _pages(db)
    sizes = dict(db.execute("SELECT id, length(raw) FROM versions").fetchall())

    alpha, beta = pack_site(db, "alpha", NOW), pack_site(db, "beta", NOW)  # as the crawl's end does

    assert (alpha.trained, alpha.pages, beta.trained, beta.pages, beta.waiting) == (None, 10, None, 0, 5)
    assert _pages(db) == before  # not a byte lost
    assert sorted(before.values()) == sorted(pages.values())
    blobs = dict(db.execute("SELECT id, raw FROM versions").fetchall())
    alpha_ids = [r[0] for r in db.execute("SELECT version_id FROM version_sites WHERE site = 'alpha'")]
    assert all(blobs[i][:4] == b"\x28\xb5\x2f\xfd" and len(blobs[i]) <= sizes[i] for i in alpha_ids)
    assert alpha.after < alpha.before
    assert pack_site(db, "alpha", NOW).pages == 0  # nothing left to do


def test_a_site_that_cannot_train_keeps_zlib_pages(tmp_path: Path, small_threshold: None) -> None:
    db = open_db(tmp_path / "s.db")
    for i in range(12):
        _record(db, "tiny", i, b"x" * (i + 1))  # zstd's trainer would crash on these
    assert db.execute("SELECT count(*) FROM raw_dicts").fetchone()[0] == 0
    packed = pack_site(db, "tiny", NOW)
    assert packed.pages == 0 and packed.error and "cannot train a dictionary: 0 pages" in packed.error
    assert sorted(_pages(db).values()) == [b"x" * (i + 1) for i in range(12)]


def test_new_pages_of_a_site_with_a_dictionary_are_packed_with_it(tmp_path: Path, small_threshold: None) -> None:
    db = open_db(tmp_path / "s.db")
    rng = random.Random(5)
    for i in range(10):
        _record(db, "alpha", i, _page("alpha", i, rng))
    pack_site(db, "alpha", NOW)
    later = _page("alpha", 99, rng)
    _record(db, "alpha", 99, later)
    blob = db.execute("SELECT raw FROM versions ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert blob[:4] == b"\x28\xb5\x2f\xfd" and len(blob) < len(zlib.compress(later, 6))
    assert pack_site(db, "alpha", NOW, limit=5).pages == 0
    assert current_page(db, "alpha.example/news/99.html") == later
    assert db.execute("SELECT count(*) FROM raw_dicts").fetchone()[0] == 1


def test_a_reader_in_another_process_unpacks_with_the_stored_dictionary(tmp_path: Path, small_threshold: None) -> None:
    path = tmp_path / "s.db"
    db = open_db(path)
    rng = random.Random(6)
    pages = [_page("alpha", i, rng) for i in range(10)]
    for i, page in enumerate(pages):
        _record(db, "alpha", i, page)
    pack_site(db, "alpha", NOW)
    db.close()
    reader = open_readonly(path)
    assert sorted(_pages(reader).values()) == sorted(pages)
    reader.close()
    plain = sqlite3.connect(path)
    plain.execute("DELETE FROM raw_dicts")
    plain.commit()
    plain.close()
    with pytest.raises(RawPageError, match="needs dictionary"):
        _pages(open_readonly(path))


def test_compact_converts_an_old_store_without_losing_a_byte(
    tmp_path: Path, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    monkeypatch.setattr(importlib.import_module("store.record"), "pack_new", _as_before)
    db = Database(sqlite3.connect(path, isolation_level=None))
    register_functions(db.conn)  # the functions its triggers call, as every newswatch connection has
    MIGRATIONS.apply(db, stop_before="m008_read_indexes")  # the schema newswatch had before
    rng = random.Random(7)
    pages = {}
    for i in range(30):
        site = ("alpha", "beta", "gamma")[i % 3]
        pages[i] = _page(site, i, rng)
        _record(db, site, i, pages[i])
    old = {r[0]: r[1] for r in db.execute("SELECT id, raw FROM versions").fetchall()}
    db.close()

    monkeypatch.setattr(importlib.import_module("store.record"), "pack_new", raw.pack_new)
    db = open_db(path)  # migrates
    done = raw.compact_store(db, NOW, say=lambda packed: None)

    assert [(p.site, p.pages, p.trained is not None) for p in done] == [
        (s, 10, True) for s in ("alpha", "beta", "gamma")
    ]
    assert _pages(db) == {i: zlib.decompress(blob) for i, blob in old.items()}
    assert db.execute("SELECT count(*) FROM versions WHERE substr(raw, 1, 1) = x'78'").fetchone()[0] == 0
    assert all(p.pages == 0 for p in raw.compact_store(db, NOW, say=lambda packed: None))


def _as_before(db: Database, article_id: int, page: bytes, now: str) -> bytes:
    """How newswatch kept raw pages before dictionaries."""
    return zlib.compress(page, 6)


def test_compact_vacuum_on_an_old_store_keeps_every_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command as a user runs it on a store an older newswatch left (zlib pages, plain old
    bodies): everything packed, the file smaller, every page and every body exactly as before."""
    path = tmp_path / "old.db"
    monkeypatch.setattr(importlib.import_module("store.record"), "pack_new", _as_before)
    db = open_db(path)
    rng = random.Random(9)
    for i in range(raw.TRAIN_AFTER + 20):
        _record(db, "alpha", i, _page("alpha", i, rng))
    url = "https://alpha.example/news/0.html"
    for step in range(4):  # an article edited four times
        body = f"Body of 0 on alpha, edition {step}. " + " ".join(
            rng.choice(["rules", "规则", "2026"]) for _ in range(80)
        )
        article = Article(url=url, title="Article 0", published=date(2026, 1, 1), paragraphs=(body,))
        record(
            db, "alpha", article, Fetch(fetched_at=f"2026-01-02T00:00:{step:02d}.000+00:00", raw=_page("alpha", 0, rng))
        )
    for (vid,) in db.execute("SELECT id FROM versions WHERE body_z IS NOT NULL").fetchall():  # bodies as before
        db.execute(
            "UPDATE versions SET body = ?, body_z = NULL, body_base = NULL WHERE id = ?", [body_of(db, vid), vid]
        )
    pages, bodies = _pages(db), {v: body_of(db, v) for (v,) in db.execute("SELECT id FROM versions").fetchall()}
    db.close()
    size = path.stat().st_size

    out = Cli(None, path)("compact", "--vacuum").stdout
    assert f"alpha: packed {raw.TRAIN_AFTER + 24} pages" in out and "packed 4 old versions' bodies" in out, out
    assert "vacuumed" in out and path.stat().st_size < size  # the space the packing freed went back
    db = open_readonly(path)
    assert _pages(db) == pages
    assert {v: body_of(db, v) for (v,) in db.execute("SELECT id FROM versions").fetchall()} == bodies
    assert db.execute("SELECT count(*) FROM versions WHERE substr(raw, 1, 1) = x'78'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM versions WHERE body_z IS NOT NULL").fetchone()[0] == 4
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_compact_command(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    db = open_db(path)
    rng = random.Random(8)
    for i in range(3):
        _record(db, "alpha", i, _page("alpha", i, rng))
    db.close()
    cli = Cli(None, path)
    first = cli("compact")
    assert "alpha: 3 pages, too few for a dictionary yet" in first.stdout, first.stdout
    assert cli("compact", "--vacuum").returncode == 0
    missing = cli("--db", str(tmp_path / "none.db"), "compact", check=False)
    assert missing.returncode == 1 and "Error: no store at" in missing.stderr


def test_a_new_template_gets_a_new_dictionary_and_old_pages_keep_theirs(tmp_path: Path, small_threshold: None) -> None:
    db = open_db(tmp_path / "s.db")
    rng = random.Random(9)
    pages = {}
    for i in range(10):
        pages[i] = _templated(1, i, rng)
        _record(db, "alpha", i, pages[i])
    pack_site(db, "alpha", NOW)
    first = newest_dictionary(db, "alpha")
    for i in range(10, 20):  # the site's redesign: nothing of the old template is left
        pages[i] = _templated(2, i, rng)
        _record(db, "alpha", i, pages[i], at=f"2026-01-02T00:00:{i:02d}.000+00:00")
    second = pack_site(db, "alpha", "2026-01-03T00:00:00.000+00:00")
    assert first is not None and second.trained is not None and second.trained != first.id
    assert sorted(_pages(db).values()) == sorted(pages.values())  # old pages still read with the old one
    assert pack_site(db, "alpha", "2026-01-04T00:00:00.000+00:00").trained is None


def _templated(template: int, i: int, rng: random.Random) -> bytes:
    """A page that is mostly its template (8 KB of links no other template has) and a short article."""
    chrome = random.Random(f"template-{template}")
    links = "".join(f'<a href="/{chrome.getrandbits(40):x}">{chrome.getrandbits(60):x}</a>' for _ in range(200))
    return f"<html><body>{links}<h1>{i}</h1><p>{rng.getrandbits(200):x}</p></body></html>".encode()


def test_the_upkeep_a_worker_runs_after_a_crawl_packs_learns_and_says_so(tmp_path: Path, small_threshold: None) -> None:
    """A crawl with extraction workers has one of them learn the site's profile and pack its
    pages (crawler.recording.upkeep_at), on the worker's own connection; what it did comes back
    as log lines for the crawl process to write, and a store replaced meanwhile is not touched."""
    path = tmp_path / "s.db"
    db = open_db(path)
    rng = random.Random(5)
    for i in range(15):  # the 11th trained the dictionary: the 10 before it are still zlib
        _record(db, "alpha", i, _page("alpha", i, rng))
    pages = _pages(db)
    db.close()
    notes = upkeep_at(str(path), file_identity(path), "alpha", ["Alpha News"])
    assert [message.split(":")[0] for _, message in notes] == ["[alpha] packed 10 raw pages"]
    reader = open_readonly(path)
    try:
        assert _pages(reader) == pages  # every page still exactly its bytes
        assert reader.execute(f"SELECT count(*) FROM versions WHERE {raw.ZLIB_ROWS}").fetchone()[0] == 0
        (profile,) = reader.execute("SELECT profile FROM site_profiles WHERE site = 'alpha'").fetchone()
        assert "Alpha News" in profile
    finally:
        reader.close()
    path.rename(tmp_path / "old.db")
    open_db(path).close()  # another store at the same path
    with pytest.raises(StoreWriteError, match="replaced"):
        upkeep_at(str(path), file_identity(tmp_path / "old.db"), "alpha", [])


def test_a_crawl_with_workers_packs_its_pages_in_one_and_logs_what_it_did(tmp_path: Path) -> None:
    """The upkeep after a real crawl runs in an extraction worker: the dictionary trained at
    the 100th page, the pages stored before it packed after the crawl, every page still the
    bytes the server sent, and the worker's line in the crawl's log."""
    with FaultSite(articles=raw.TRAIN_AFTER + 10) as site:
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(), encoding="utf-8")
        cli = Cli(registry, tmp_path / "store.db")
        result = cli("crawl", "--log-level", "info")
        assert re.search(r"\[faulty\] packed \d+ raw pages", result.stderr), result.stderr[-2000:]
        db = open_readonly(cli.db_path)
        try:
            rows = list(db.query("SELECT a.url, v.raw FROM articles a JOIN versions v ON v.article_id = a.id"))
            assert len(rows) == raw.TRAIN_AFTER + 10
            assert db.execute(f"SELECT count(*) FROM versions WHERE {raw.ZLIB_ROWS}").fetchone()[0] == 0
            assert all(raw_page(db, r) == site.article(r["url"].split(site.base)[1]) for r in rows)
        finally:
            db.close()
