"""Real Scrapy crawls of the sample sites on 127.0.0.1 into a temporary store."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from newswatch.samples import SampleSites
from store import open_db
from store.record import now_iso

from .conftest import REPO, Cli, table_count

LIVE_ARTICLES = 15  # sample articles served at start (one more is pending)
EDITED = "/www/english/c/2020-11-23/595351.shtml"


def _summary(result: subprocess.CompletedProcess[str]) -> str:
    return next(line for line in result.stdout.splitlines() if line.startswith("total"))


def test_first_crawl_stores_every_article(cli: Cli, db_path: Path) -> None:
    result = cli("crawl")
    assert f"{LIVE_ARTICLES} new, 0 edited, 0 unchanged, 0 failed" in _summary(result)
    assert table_count(db_path, "articles") == LIVE_ARTICLES
    assert table_count(db_path, "versions") == LIVE_ARTICLES
    assert table_count(db_path, "events") == LIVE_ARTICLES
    db = open_db(db_path)
    crawls = list(db.query("SELECT site, status, new FROM crawls ORDER BY site"))
    assert [(c["site"], c["status"], c["new"]) for c in crawls] == [
        ("cqc-en", "ok", 6),
        ("cqc-zh", "ok", 4),
        ("cspress", "ok", 5),
    ]
    langs = {r["language"] for r in db.query("SELECT language FROM versions")}
    assert langs == {"en", "zh"}
    # progress lines name each page as it is stored
    assert result.stderr.count("new ") >= LIVE_ARTICLES


def test_recrawl_without_change_adds_nothing(cli: Cli, db_path: Path) -> None:
    cli("crawl")
    before = {t: table_count(db_path, t) for t in ("versions", "events")}
    result = cli("crawl")
    summary = _summary(result)
    # Every known article is re-checked with its validators and answers 304: nothing is parsed.
    assert f"0 new, 0 edited, {LIVE_ARTICLES} unchanged ({LIVE_ARTICLES} by 304), 0 failed" in summary
    assert {t: table_count(db_path, t) for t in ("versions", "events")} == before


def test_edit_makes_exactly_one_edited_event_with_the_diff(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl")
    mark = now_iso()
    sites.demo_edit()
    assert "0 new, 1 edited" in _summary(cli("crawl"))
    db = open_db(db_path)
    edited = list(db.query("SELECT * FROM events WHERE kind = 'edited'"))
    assert len(edited) == 1 and json.loads(edited[0]["changed_fields"]) == ["body"]
    # The diff was computed once, when the edit was recorded: no digest has to.
    (kept,) = list(db.query("SELECT * FROM diffs"))
    assert (kept["old_version_id"], kept["new_version_id"]) == (
        edited[0]["previous_version_id"],
        edited[0]["version_id"],
    )
    from common.diff import versions_diff
    from store.queries import version

    old, new = version(db, kept["old_version_id"]), version(db, kept["new_version_id"])
    assert old is not None and new is not None
    assert kept["hunks"] == versions_diff(old, new) and '"150"' in kept["hunks"]
    # The first crawl is a baseline (counted, not listed), so the whole day reports the edit of
    # a known article; since the first crawl, the same edit.
    today = json.loads(cli("digest", "--format", "json").stdout)
    assert today["new"] == [] and [i["url"] for i in today["edited"]] == [sites.url(EDITED)]
    assert {"site": "cqc-en", "articles": len(sites.live("cqc-en"))} in today["started_watching"]
    digest = json.loads(cli("digest", "--since", mark, "--format", "json").stdout)
    assert digest["new"] == []
    assert [i["url"] for i in digest["edited"]] == [sites.url(EDITED)]
    (hunk,) = digest["edited"][0]["diff"]["body"]
    assert (hunk["removed"], hunk["added"]) == ("140", "150")


def test_chrome_only_change_makes_no_version(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl")
    sites.set_chrome("hot_spot", "2023 World Standards Day")
    sites.set_chrome("footer_en", "Copyright © 2026 CQC. 京ICP备05053335号-2")
    versions = table_count(db_path, "versions")
    summary = _summary(cli("crawl"))
    assert f"0 new, 0 edited, {LIVE_ARTICLES} unchanged" in summary and ", 0 failed" in summary
    assert table_count(db_path, "versions") == versions


def test_deleted_article_keeps_its_versions(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl")
    sites.delete(EDITED)
    result = cli("crawl")
    assert "0 new, 0 edited" in _summary(result)
    db = open_db(db_path)
    row = next(
        db.query(
            "SELECT a.id, count(v.id) AS n FROM articles a JOIN versions v ON v.article_id = a.id WHERE a.url = ?",
            [sites.url(EDITED)],
        )
    )
    assert row["n"] == 1
    assert "CQC Contributed" in cli("history", sites.url(EDITED)).stdout


def test_server_errors_and_broken_pages_lose_nothing(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    cli("crawl")
    sites.override(EDITED, 500, b"Internal Server Error", "text/plain")
    sites.override("/News/107.html", 200, b"\x00\xff\xfe garbage \x00" * 50, "text/html")
    result = cli("crawl")
    assert ", 2 failed" in _summary(result)
    db = open_db(db_path)
    assert table_count(db_path, "versions") == LIVE_ARTICLES
    reasons = {
        r["url"].split("127.0.0.1")[1].split("/", 1)[1]: r["reason"]
        for r in db.query("SELECT url, reason FROM failures")
    }
    assert "500" in reasons["www/english/c/2020-11-23/595351.shtml"]
    assert "no article" in reasons["News/107.html"]


def _scrapy(registry: Path, db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The project's `scrapy` command, run from the repository root as a user would."""
    env = {**os.environ, "NEWSWATCH_CONFIG": str(registry), "NEWSWATCH_DB": str(db_path)}
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    return subprocess.run([scrapy, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_scrapy_crawl_from_the_repo_root(registry: Path, db_path: Path) -> None:
    result = _scrapy(registry, db_path, "crawl", "cspress", "-s", "LOG_LEVEL=WARNING")
    assert result.returncode == 0, result.stderr
    assert table_count(db_path, "articles") == 5
    listed = _scrapy(registry, db_path, "list")
    assert listed.stdout.split() == ["cqc-en", "cqc-zh", "cspress"]


def test_a_killed_runs_row_is_closed_by_the_next_crawl(cli: Cli, db_path: Path) -> None:
    from store.crawls import start_crawl

    db = open_db(db_path)
    stale = start_crawl(db, "cspress", started_at="2026-01-01T00:00:00.000+00:00")  # a crawl killed with -9
    db.close()
    cli("crawl", "cspress")
    db = open_db(db_path)
    assert next(db.query("SELECT status FROM crawls WHERE id = ?", [stale]))["status"] == "killed"


def test_scrapy_crawl_respects_the_site_lock(registry: Path, db_path: Path) -> None:
    from crawler.lock import SiteLock

    lock = SiteLock(db_path, "cspress")
    assert lock.acquire()
    try:
        result = _scrapy(registry, db_path, "crawl", "cspress", "-s", "LOG_LEVEL=INFO")
    finally:
        lock.release()
    assert "busy" in result.stderr
    assert table_count(db_path, "articles") == 0 and table_count(db_path, "crawls") == 0


def test_a_store_that_cannot_be_written_fails_pages_not_the_store(cli: Cli, db_path: Path) -> None:
    cli("crawl", "cspress")
    db = open_db(db_path)
    # Every new version fails as on a full disk (SQLITE_FULL is hard to cause on purpose).
    db.execute(
        "CREATE TRIGGER full BEFORE INSERT ON versions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    db.close()
    result = cli("crawl", "cqc-en", check=False)
    assert result.returncode == 1  # every page it tried failed
    assert "store write failed: database or disk is full" in result.stderr
    assert "6 failed, 1 skipped" in _summary(result)  # the notice's attachment: its article was not stored
    assert table_count(db_path, "versions") == 5 and table_count(db_path, "articles") == 5  # nothing half-written
    db = open_db(db_path)
    run = next(db.query("SELECT status, error FROM crawls WHERE site = 'cqc-en'"))
    assert (
        run["status"] == "failed"
        and run["error"] == "6 of 6 pages could not be stored: store write failed: database or disk is full"
    )
    db.execute("DROP TRIGGER full")
    db.close()
    assert "6 new" in _summary(cli("crawl", "cqc-en"))  # once there is room, everything is stored


def test_pages_recorded_by_the_workers_are_the_ones_recorded_in_the_crawl_process(
    registry: Path, tmp_path: Path
) -> None:
    # The extraction workers record the pages they read; with no workers the crawl process
    # does. Both must store the same articles, versions and events.
    def crawl(db_path: Path, *settings: str) -> tuple[list[tuple[object, ...]], int]:
        recorded = 0
        for site in ("cqc-en", "cqc-zh", "cspress"):
            result = _scrapy(registry, db_path, "crawl", site, "-s", "LOG_LEVEL=INFO", *settings)
            assert result.returncode == 0, result.stderr
            found = re.search(r"'newswatch/recorded_by_workers': (\d+)", result.stderr)  # Scrapy's stats dump
            recorded += int(found.group(1)) if found else 0
        db = open_db(db_path)
        rows = list(
            db.execute(
                "SELECT a.key, a.link_texts, a.etag, a.last_status, v.fingerprint, v.title, v.published, v.body,"
                " v.attachments, v.extractor, v.hints, e.kind FROM articles a"
                " JOIN versions v ON v.id = a.current_version_id JOIN events e ON e.version_id = v.id ORDER BY a.key"
            ).fetchall()
        )
        rows += db.execute(
            "SELECT a.key, t.url, t.text, f.sha256, f.size FROM attachments t JOIN articles a ON a.id = t.article_id"
            " JOIN attachment_files f ON f.id = t.current_file_id ORDER BY a.key, t.url"
        ).fetchall()
        rows += db.execute("SELECT url, reason FROM failures ORDER BY url").fetchall()
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        return rows, recorded

    in_workers, by_workers = crawl(tmp_path / "workers.db")
    in_process, by_none = crawl(tmp_path / "in-process.db", "-s", "NEWSWATCH_EXTRACT_WORKERS=0")
    assert (by_workers, by_none) == (LIVE_ARTICLES, 0)  # where each store's articles were recorded
    assert sum(1 for row in in_workers if row[-1] == "new") == LIVE_ARTICLES
    assert any(len(row) == 5 for row in in_workers)  # the attachments were recorded, after their articles
    assert in_workers == in_process


def test_unchanged_listing_pages_answer_304_and_their_links_are_still_followed(
    cli: Cli, sites: SampleSites, db_path: Path
) -> None:
    from newswatch.samples import render

    # The oldest cqc-en article is linked only from the second listing page; it fails the
    # first crawl, so it is neither stored nor known when that page next answers 304.
    oldest = sites.live("cqc-en")[-1]["path"]
    page_two = render.listing_path("cqc-en", 1)
    sites.override(oldest, 500, b"Internal Server Error", "text/plain")
    first = cli("crawl")
    assert f"{LIVE_ARTICLES - 1} new" in _summary(first)
    sites.clear_override(oldest)
    del sites.requests[:]
    second = cli("crawl")
    assert "1 new, 0 edited" in _summary(second)
    asked = [headers for _, path, headers in sites.requests if path == page_two]
    assert len(asked) == 1 and "if-none-match" in {k.lower() for k in asked[0]}  # answered 304: unchanged
    start = [headers for _, path, headers in sites.requests if path == render.listing_path("cqc-en", 0)]
    assert len(start) == 1 and "if-none-match" not in {k.lower() for k in start[0]}  # a start page is read whole
    assert table_count(db_path, "articles") == LIVE_ARTICLES
    db = open_db(db_path)
    stored = next(db.query("SELECT link_texts FROM articles WHERE url LIKE ?", [f"%{oldest}"]))
    assert json.loads(stored["link_texts"])  # the remembered link's text reached the article
    assert db.execute("SELECT count(*) FROM listings").fetchone()[0] >= 3  # every paginated site's pages


def test_a_listing_page_that_answers_304_is_read_with_the_registry_as_it_is_now(
    cli: Cli, sites: SampleSites, registry: Path, db_path: Path
) -> None:
    from newswatch.samples import render

    # First crawled with a pattern that takes only 2023–2024 articles; the two 2020 ones are
    # linked only from the second listing page, which is unchanged at the next crawl (304)
    # (the 2021 one is on the first page, always read whole).
    full = registry.read_text(encoding="utf-8")
    narrow = full.replace(r"article_pattern = '/www/english/c/\d{4}-", r"article_pattern = '/www/english/c/202[34]-", 1)
    assert narrow != full
    registry.write_text(narrow, encoding="utf-8")
    assert "3 new" in _summary(cli("crawl", "cqc-en"))
    registry.write_text(full, encoding="utf-8")
    del sites.requests[:]
    result = cli("crawl", "cqc-en")
    assert "3 new, 0 edited" in _summary(result)
    assert "/2020-11-23/595351.shtml" in result.stderr and "/2020-12-30/596012.shtml" in result.stderr
    page_two = [h for _, path, h in sites.requests if path == render.listing_path("cqc-en", 1)]
    assert len(page_two) == 1 and "if-none-match" in {k.lower() for k in page_two[0]}
    assert table_count(db_path, "articles") == 6


def test_listing_pages_are_read_whole_under_recheck_all_and_at_least_once_a_day(
    cli: Cli, sites: SampleSites, db_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from newswatch.samples import render

    page_two = render.listing_path("cqc-en", 1)
    cli("crawl", "cqc-en")

    def conditional(*options: str) -> bool:
        del sites.requests[:]
        cli("crawl", "cqc-en", *options)
        asked = [headers for _, path, headers in sites.requests if path == page_two]
        assert len(asked) == 1
        return "if-none-match" in {k.lower() for k in asked[0]}

    assert conditional()  # remembered an hour ago at most: asked with its validators
    assert not conditional("--recheck-all")
    db = open_db(db_path)
    with db.conn:
        db.execute("UPDATE listings SET read_at = ?", [(datetime.now(UTC) - timedelta(hours=25)).isoformat()])
    db.close()
    assert not conditional()  # last read whole over a day ago
    assert conditional()  # and now remembered again


def test_an_attachment_that_fails_is_reported_as_a_failed_file(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    pdf = "/www/chinese/upload/2024/CNCA-C01-01-2024.pdf"
    sites.override(pdf, 404, b"not here", "text/plain")
    result = cli("crawl", "cqc-zh")
    assert "1 failed" in _summary(result)
    assert any(line.startswith("[cqc-zh] file failed") and pdf in line for line in result.stderr.splitlines())
    db = open_db(db_path)
    failures = [(r["url"].endswith(pdf), r["reason"]) for r in db.query("SELECT url, reason FROM failures")]
    assert failures == [(True, "attachment answered HTTP 404")]
    assert {r["last_error"] for r in db.query("SELECT last_error FROM articles")} == {None}  # no article's check failed
