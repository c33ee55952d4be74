"""Re-checks against the sample server: conditional requests, 304s, gone after N misses, back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from crawler.backends import HOLD_304, LocalBackend
from crawler.outcomes import PageOutcome, Verb
from crawler.runstatus import Tally
from newswatch.samples import SampleSites
from store import open_db
from store.checks import record_all_not_modified, record_not_modified
from store.record import Fetch, now_iso

from .conftest import Cli, table_count
from .faults import FaultSite

PATH = "/www/english/c/2020-11-23/595351.shtml"


def _events(db_path: Path, kind: str) -> int:
    db = open_db(db_path)
    try:
        return int(db.execute("SELECT count(*) FROM events WHERE kind = ?", [kind]).fetchone()[0])
    finally:
        db.close()


def test_recheck_sends_validators_and_a_304_makes_no_version(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl", "cqc-en")
    sites.requests.clear()
    mark = now_iso()
    out = cli("crawl", "cqc-en").stdout
    assert "6 unchanged (6 by 304)" in out
    conditional = [h for host, path, h in sites.requests if path == PATH]
    assert len(conditional) == 1
    assert conditional[0]["if-none-match"].startswith('"') and "if-modified-since" in conditional[0]
    assert table_count(db_path, "versions") == 6
    _all_checked_by_304_since(db_path, mark, 6)


def test_304s_held_to_be_written_together_are_all_written_when_the_crawl_ends(tmp_path: Path) -> None:
    """A site without attachments: nothing but the run's end writes the held 304s."""
    with FaultSite() as site:
        registry = tmp_path / "faulty.toml"
        registry.write_text(site.registry(), encoding="utf-8")
        cli = Cli(registry, tmp_path / "store.db")
        cli("crawl")
        mark = now_iso()
        assert "12 unchanged (12 by 304)" in cli("crawl").stdout
        _all_checked_by_304_since(cli.db_path, mark, 12)


def _all_checked_by_304_since(db_path: Path, mark: str, count: int) -> None:
    # 304s are written together (crawler.backends.HOLD_304): every one of them by the run's end.
    db = open_db(db_path)
    rows = list(db.query("SELECT last_checked, last_status FROM articles WHERE last_status = 304"))
    assert len(rows) == count and all(r["last_checked"] >= mark for r in rows), rows


def test_304s_written_together_leave_the_store_as_written_one_by_one(tmp_path: Path) -> None:
    """Live, gone (back: an event) and unknown articles, in one transaction or one at a time."""
    stores = []
    for name in ("apart", "together"):
        db = open_db(tmp_path / f"{name}.db")
        for n, status in enumerate(["live", "gone", "live"]):
            db.execute(
                "INSERT INTO articles (key, url, site, first_seen, last_seen, last_checked, status, misses)"
                " VALUES (?, ?, 's', '2026-01-01', '2026-01-01', '2026-01-01', ?, ?)",
                [f"k{n}", f"http://x/{n}", status, 3 if status == "gone" else 0],
            )
        db.conn.commit()
        fetch = Fetch(fetched_at="2026-11-22T08:00:00.000+00:00", crawl_id=None)
        keys = ["k0", "k1", "unknown"]
        if name == "apart":
            unknown = [key for key in keys if not record_not_modified(db, key, fetch)]
        else:
            unknown = record_all_not_modified(db, keys, fetch)
        assert unknown == ["unknown"]
        stores.append(
            (
                list(db.query("SELECT key, last_checked, last_seen, status, misses, last_status FROM articles")),
                list(db.query("SELECT kind, article_id, at FROM events")),
            )
        )
    assert stores[0] == stores[1]
    articles, events = stores[1]
    assert [a["status"] for a in articles] == ["live", "live", "live"] and [e["kind"] for e in events] == ["back"]
    assert articles[2]["last_checked"] == "2026-01-01"  # not answered in this crawl


def test_changed_page_is_fetched_in_full(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl", "cqc-en")
    sites.demo_edit()  # new bytes, new ETag: the server answers 200
    assert "1 edited" in cli("crawl", "cqc-en").stdout
    assert table_count(db_path, "versions") == 7


def test_gone_after_three_misses_and_not_before(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl", "cqc-en")
    sites.delete(PATH)
    for run in (1, 2):
        assert "1 missing" in cli("crawl", "cqc-en").stdout
        assert _events(db_path, "gone") == 0, f"gone after only {run} misses"
    cli("crawl", "cqc-en")
    assert _events(db_path, "gone") == 1
    cli("crawl", "cqc-en")
    assert _events(db_path, "gone") == 1  # once, not on every later miss
    assert table_count(db_path, "versions") == 6  # nothing lost
    sites.publish(PATH)
    cli("crawl", "cqc-en")
    assert _events(db_path, "back") == 1
    digest = cli("digest").stdout
    assert "GONE (1)" in digest and "BACK (1)" in digest


def test_missing_once_then_back_is_not_gone(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl", "cqc-en")
    sites.delete(PATH)
    cli("crawl", "cqc-en")
    sites.publish(PATH)
    cli("crawl", "cqc-en")
    assert _events(db_path, "gone") == 0 and _events(db_path, "back") == 0
    db = open_db(db_path)
    assert next(db.query("SELECT misses, status FROM articles WHERE url LIKE ?", [f"%{PATH}"])) == {
        "misses": 0,
        "status": "live",
    }


def test_old_articles_are_not_rechecked_unless_asked(sites: SampleSites, tmp_path: Path, db_path: Path) -> None:
    config = tmp_path / "never.toml"
    # One tier that no article is young enough for: known articles are never re-checked.
    config.write_text("[monitor]\nrecheck = [[0, 0]]\n\n" + sites.registry_toml(), encoding="utf-8")
    cli = Cli(config, db_path)
    cli("crawl", "cqc-en")
    sites.requests.clear()
    assert "0 pages: 0 new, 0 edited, 0 unchanged" in cli("crawl", "cqc-en").stdout
    assert not [p for _, p, _ in sites.requests if p == PATH]  # listed, known, not fetched
    sites.demo_edit()
    out = cli("crawl", "cqc-en", "--recheck-all").stdout
    assert "1 edited, 5 unchanged (5 by 304)" in out


def test_304s_are_written_once_200_are_held_and_before_any_other_write(tmp_path: Path) -> None:
    """The crawl's backend on a real store: no 304 is written until HOLD_304 of them are held
    (or another write comes, which writes them first), and the run's end writes the rest."""
    path = tmp_path / "s.db"
    db = open_db(path)
    count = HOLD_304 + 50
    for n in range(count):
        db.execute(
            "INSERT INTO articles (key, url, site, first_seen, last_seen, last_checked) VALUES (?, ?, 's', ?, ?, ?)",
            [f"k{n}", f"http://x/{n}", "2026-01-01", "2026-01-01", "2026-01-01"],
        )
    db.close()

    def checked() -> int:  # as another process reads the store
        reader = open_db(path)
        try:
            return int(reader.execute("SELECT count(*) FROM articles WHERE last_status = 304").fetchone()[0])
        finally:
            reader.close()

    backend = LocalBackend(path, workers=0)
    assert backend.open("s")
    for n in range(HOLD_304 - 1):
        backend.outcome(PageOutcome(Verb.NOT_MODIFIED, f"http://x/{n}", f"k{n}", status=304), 3)
    assert checked() == 0
    backend.outcome(PageOutcome(Verb.NOT_MODIFIED, f"http://x/{HOLD_304 - 1}", f"k{HOLD_304 - 1}", status=304), 3)
    assert checked() == HOLD_304
    for n in range(HOLD_304, count - 1):
        backend.outcome(PageOutcome(Verb.NOT_MODIFIED, f"http://x/{n}", f"k{n}", status=304), 3)
    assert checked() == HOLD_304
    backend.outcome(PageOutcome(Verb.FAILED, "http://x/other", "other", reason="HTTP 500"), 3)
    assert checked() == count - 1  # written before the failure
    backend.outcome(PageOutcome(Verb.NOT_MODIFIED, f"http://x/{count - 1}", f"k{count - 1}", status=304), 3)
    asyncio.run(backend.close("finished", Tally(), set()))
    assert checked() == count
