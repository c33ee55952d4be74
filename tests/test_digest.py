"""compose_digest: first crawls as baselines, grouping and order, skip_empty, diffs computed once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from crawler.config import Config, MonitorConfig, Site
from crawler.extract import Article
from monitor.compose import Window, compose_digest, since_last_digest
from monitor.digest import iso
from monitor.html import render_html
from monitor.publish import publish_digest
from monitor.render import render
from store import open_db, open_readonly, record
from store.crawls import CrawlCounts, finish_crawl, start_crawl
from store.record import Fetch

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY1, DAY2 = "2026-03-10T01:00:00.000+00:00", "2026-03-10T05:00:00.000+00:00"
WINDOW = Window("2026-03-10T00:00:00.000+00:00", "2026-03-11T00:00:00.000+00:00", "2026-03-10")


def _site(name: str, title: str | None = None) -> Site:
    return Site(name, (f"https://{name}.example/news/",), (f"{name}.example",), r"/\d+", title=title)


CONFIG = Config(
    Path("sites.toml"),
    (_site("cqc-en", "CQC (English)"), _site("cqc-zh", "CQC (中文)")),
    MonitorConfig(watchlist=("CCC",)),
)


def _crawl(db: Database, site: str, articles: list[Article], at: str, status: str = "ok") -> None:
    crawl = start_crawl(db, site, started_at=at)
    for article in articles:
        record(db, site, article, Fetch(at, crawl_id=crawl))
    finish_crawl(db, crawl, CrawlCounts(pages=len(articles)), status)


def _article(site: str, n: int, published: date, title: str = "", body: str = "") -> Article:
    return Article(f"https://{site}.example/{n}", title or f"{site} {n}", published, paragraphs=(body or f"Body {n}.",))


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_db(tmp_path / "d.db")
    yield store
    store.close()


def test_first_crawl_is_a_baseline_but_fresh_articles_are_new(db: Database) -> None:
    old = [_article("cqc-en", n, date(2024, 1, n)) for n in range(1, 6)]
    fresh = _article("cqc-en", 9, date(2026, 3, 8), "Fresh notice")  # 2 days before the first crawl
    _crawl(db, "cqc-en", [*old, fresh], DAY1)
    _crawl(db, "cqc-en", [_article("cqc-en", 10, date(2020, 1, 1), "Old but newly listed")], DAY2)
    digest = compose_digest(db, CONFIG, WINDOW, NOW)
    assert [(b.site, b.articles) for b in digest.baselines] == [("cqc-en", 5)]
    assert [i.title for i in digest.new] == ["Fresh notice", "Old but newly listed"]  # newest first
    assert "cqc-en: started watching, 5 articles" in render(digest, "text")
    assert json.loads(render(digest, "json"))["started_watching"] == [{"site": "cqc-en", "articles": 5}]


def test_the_baseline_lasts_until_a_crawl_finishes(db: Database) -> None:
    _crawl(db, "cqc-en", [_article("cqc-en", 1, date(2024, 1, 1))], DAY1, status="stopped")
    _crawl(db, "cqc-en", [_article("cqc-en", 2, date(2024, 1, 2))], DAY1, status="partial")
    _crawl(db, "cqc-en", [_article("cqc-en", 3, date(2024, 1, 3), "Third")], DAY2)
    digest = compose_digest(db, CONFIG, WINDOW, NOW)
    assert digest.baselines[0].articles == 2 and [i.title for i in digest.new] == ["Third"]


def test_window_and_new_window_days(db: Database) -> None:
    _crawl(db, "cqc-en", [_article("cqc-en", 1, date(2026, 2, 1))], DAY1)
    wide = Config(CONFIG.path, CONFIG.sites, MonitorConfig(new_window_days=60))
    assert len(compose_digest(db, wide, WINDOW, NOW).new) == 1
    assert compose_digest(db, CONFIG, WINDOW, NOW).new == []


def test_grouped_by_site_title_in_registry_order_the_same_in_every_format(db: Database) -> None:
    _crawl(db, "cqc-zh", [_article("cqc-zh", 1, date(2024, 1, 1), body="中文正文。")], DAY1)
    _crawl(db, "cqc-en", [_article("cqc-en", 1, date(2024, 1, 1))], DAY1)
    zh = [
        _article("cqc-zh", 2, date(2026, 3, 1), "关于CCC认证的通知"),
        _article("cqc-zh", 3, date(2026, 3, 5), "较新的通知"),
    ]
    en = [_article("cqc-en", 2, date(2026, 2, 1), "Older"), _article("cqc-en", 3, date(2026, 3, 9), "Newer")]
    _crawl(db, "cqc-zh", zh, DAY2)
    _crawl(db, "cqc-en", en, DAY2)
    digest = compose_digest(db, CONFIG, WINDOW, NOW)
    expected = ["Newer", "Older", "关于CCC认证的通知", "较新的通知"]  # sites in registry order; watchlist, then newest
    assert [i.title for i in digest.new] == expected
    for fmt in ("text", "markdown", "html"):
        out = render(digest, fmt)
        positions = [out.index(t) for t in expected]
        assert positions == sorted(positions), fmt
        assert out.index("English") < out.index("中文"), fmt  # the site titles, in registry order
    assert [i["title"] for i in json.loads(render(digest, "json"))["new"]] == expected


def test_html_marks_each_items_language_and_reads_in_dark_mode(db: Database) -> None:
    _crawl(db, "cqc-zh", [], DAY1)
    zh = Article("https://cqc-zh.example/1", "中文标题", date(2026, 3, 9), paragraphs=("正文。",), language="zh")
    _crawl(db, "cqc-zh", [zh], DAY2)
    digest = compose_digest(db, CONFIG, WINDOW, NOW)
    digest.attention = ["cqc-en: the last 3 crawls failed"]
    page = render_html(digest)
    assert '<article lang="zh">' in page and '<html lang="en">' in page
    dark = page.split("@media (prefers-color-scheme:dark)")[1].split("}}")[0]
    for variable in ("--bg", "--fg", "--watch-bg", "--watch-fg", "--alert", "--ins-bg", "--del-bg"):
        assert f"{variable}:" in dark  # every colour the page uses has a dark-mode value


def test_an_event_committed_after_the_digest_of_its_moment_is_in_the_next_digest_once(
    db: Database, tmp_path: Path
) -> None:
    """An event is stamped before its transaction commits. One that commits after the digest
    covering its moment was read (a crawl waiting for the store's lock) would fall between two
    digests: the next one finds it by its id, and the one after does not list it again."""
    _crawl(db, "cqc-en", [_article("cqc-en", 1, date(2024, 1, 1))], DAY1)  # the site's baseline
    moments = [NOW, NOW + timedelta(hours=6), NOW + timedelta(hours=12)]
    digests = []
    for n, now in enumerate(moments):
        if n == 1:  # stamped a minute before the first digest, committed only after it was read
            late = iso(NOW - timedelta(minutes=1))
            _crawl(db, "cqc-en", [_article("cqc-en", 2, date(2026, 3, 10), "Late notice")], late)
        window = since_last_digest(db, now, "UTC")
        digest = compose_digest(db, CONFIG, window, now)
        publish_digest(db, CONFIG, digest, window, tmp_path / "out", now, f"d{n}")
        digests.append(digest)
    assert digests[1].start == iso(NOW)  # the late event's moment lies before its window
    assert [[i.title for i in d.new] for d in digests] == [[], ["Late notice"], []]
    assert [r[0] for r in db.execute("SELECT events_upto FROM digests ORDER BY id")] == [1, 2, 2]


def test_skip_empty_writes_and_sends_nothing_but_moves_on(db: Database, tmp_path: Path) -> None:
    quiet = Config(CONFIG.path, CONFIG.sites, MonitorConfig(skip_empty=True))
    digest = compose_digest(db, quiet, WINDOW, NOW)
    assert digest.is_empty
    done = publish_digest(db, quiet, digest, WINDOW, tmp_path / "out", NOW, "2026-03-10")
    assert done.skipped and done.paths == [] and not (tmp_path / "out").exists()
    # Covered up to when it was made (noon), not to the window's end: the afternoon is still to report.
    assert db.execute("SELECT end FROM digests").fetchall() == [("2026-03-10T12:00:00.000+00:00",)]
    written = publish_digest(db, CONFIG, digest, WINDOW, tmp_path / "out", NOW, "2026-03-10")
    assert not written.skipped and (tmp_path / "out" / "latest.md").exists()


def test_diffs_are_computed_once_and_read_back(db: Database, tmp_path: Path) -> None:
    body = "我中心将于2024年3月至6月开展抽查工作。"
    _crawl(db, "cqc-zh", [_article("cqc-zh", 1, date(2024, 3, 8), body=body)], DAY1)
    _crawl(db, "cqc-zh", [_article("cqc-zh", 1, date(2024, 3, 8), body=body.replace("6月", "8月"))], DAY2)
    first = compose_digest(db, CONFIG, WINDOW, NOW)
    assert db.execute("SELECT count(*) FROM diffs").fetchone()[0] == 1
    db.execute("UPDATE diffs SET hunks = replace(hunks, '至', '到')")  # prove the stored diff is what is read
    again = compose_digest(db, CONFIG, WINDOW, NOW)
    assert first.edited[0].diff["body"][0].old.startswith("我中心将于2024年3月至")
    assert again.edited[0].diff["body"][0].old.startswith("我中心将于2024年3月到")
    db.close()
    readonly = open_readonly(tmp_path / "d.db")
    assert compose_digest(readonly, CONFIG, WINDOW, NOW).edited[0].diff == again.edited[0].diff
    readonly.close()
