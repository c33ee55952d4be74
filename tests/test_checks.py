"""Re-checks against the sample server: conditional requests, 304s, gone after N misses, back."""

from __future__ import annotations

from pathlib import Path

from newswatch.samples import SampleSites
from store import open_db

from .conftest import Cli, table_count

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
    out = cli("crawl", "cqc-en").stdout
    assert "6 unchanged (6 by 304)" in out
    conditional = [h for host, path, h in sites.requests if path == PATH]
    assert len(conditional) == 1
    assert conditional[0]["if-none-match"].startswith('"') and "if-modified-since" in conditional[0]
    assert table_count(db_path, "versions") == 6


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
