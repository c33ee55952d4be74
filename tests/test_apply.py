"""The writer's verbs (distributed/apply.py) on a real store: each observation is applied once,
whatever is replayed; runs are opened, closed and counted as a crawl on one machine would."""

from __future__ import annotations

from pathlib import Path

from common.article import Article
from crawler.items import ArticleItem
from crawler.outcomes import PageOutcome, Verb
from crawler.runstatus import Tally
from distributed.apply import apply
from distributed.messages import Observation, article_data, outcome_data
from store import open_db

PAGE = b"<html><body><h1>Rules</h1><p>Text of the notice.</p></body></html>"


def _item(text: str = "Text of the notice.") -> ArticleItem:
    article = Article("http://127.0.0.1/news/1.html", "Rules", None, None, (text,), "en")
    return ArticleItem("s", article, PAGE, article.url, "text/html", None, None, "127.0.0.1/news/1.html", (), "9")


def _obs(run: str, seq: int, kind: str, data: dict[str, object], raw: bytes | None = None) -> Observation:
    return Observation(run, seq, kind, "s", "2026-01-01T00:00:00", data, raw)


def _finish(run: str, seq: int, tally: Tally, reason: str = "finished") -> Observation:
    return _obs(run, seq, "finish", {"reason": reason, "tally": tally.to_json(), "listing_titles": []})


def test_every_observation_replayed_is_applied_once(tmp_path: Path) -> None:
    db = open_db(tmp_path / "store.db")
    missing = PageOutcome(Verb.MISSING, "http://127.0.0.1/news/1.html", "127.0.0.1/news/1.html", status=404)
    worker = Tally()
    worker.add(missing)
    stream = [
        _obs("r1", 1, "start", {"worker": "w1"}),
        _obs("r1", 2, "article", article_data(_item()), PAGE),
        _obs("r1", 3, "outcome", outcome_data(missing, 2)),
        _finish("r1", 4, worker),
    ]
    for observation in stream:
        assert apply(db, observation) == "applied"
        assert apply(db, observation) == "duplicate"  # the writer died before acknowledging it
    assert [tuple(r) for r in db.execute("SELECT misses, status FROM articles")] == [(1, "live")]
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 1
    assert [r[0] for r in db.execute("SELECT kind FROM events")] == ["new"]
    row = db.execute("SELECT status, pages, new, missing, error FROM crawls").fetchone()
    assert tuple(row) == ("ok", 2, 1, 1, None)
    # The second run of the site sees the page again, unchanged, and a second miss makes it gone.
    stream = [
        _obs("r2", 1, "start", {"worker": "w2"}),
        _obs("r2", 2, "article", article_data(_item()), PAGE),
        _obs("r2", 3, "outcome", outcome_data(missing, 2)),
        _obs("r2", 3, "outcome", outcome_data(missing, 2)),  # sent twice (a send retried after a timeout)
    ]
    assert [apply(db, o) for o in stream] == ["applied", "applied", "applied", "duplicate"]
    assert [tuple(r) for r in db.execute("SELECT misses, status FROM articles")] == [(1, "live")]
    db.close()


def test_a_run_left_open_is_closed_as_killed_by_the_next_and_an_abandoned_one_with_its_status(tmp_path: Path) -> None:
    db = open_db(tmp_path / "store.db")
    apply(db, _obs("r1", 1, "start", {}))
    apply(db, _obs("r1", 2, "article", article_data(_item()), PAGE))
    apply(db, _obs("r2", 1, "start", {}))  # a retried job: r1's worker died
    apply(db, _obs("r2", 2, "article", article_data(_item("Text of the notice, edited.")), PAGE))
    apply(
        db, _obs("r2", 2**62, "finish", {"abandoned": True, "status": "crashed", "error": "the crawl process crashed"})
    )
    apply(db, _obs("r1", 2**62, "finish", {"abandoned": True, "status": "timeout", "error": "too late"}))
    rows = [tuple(r) for r in db.execute("SELECT status, new, edited FROM crawls ORDER BY id")]
    assert rows == [("killed", 0, 0), ("crashed", 0, 1)]
    assert apply(db, _obs("r9", 5, "article", article_data(_item()), PAGE)) == "orphan"
    apply(db, _obs("r8", 2**62, "finish", {"abandoned": True, "status": "failed", "error": "no start"}))
    assert db.execute("SELECT status, error FROM crawls WHERE id = 3").fetchone() == ("failed", "no start")
    db.close()


def test_a_page_the_store_refuses_fails_that_page_and_the_run(tmp_path: Path) -> None:
    db = open_db(tmp_path / "store.db")
    apply(db, _obs("r1", 1, "start", {}))
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON versions BEGIN SELECT RAISE(ABORT, 'refused'); END")
    assert apply(db, _obs("r1", 2, "article", article_data(_item()), PAGE)) == "applied"
    apply(db, _finish("r1", 3, Tally()))
    row = db.execute("SELECT status, failed, error FROM crawls").fetchone()
    assert tuple(row) == ("failed", 1, "1 of 1 pages could not be stored: store write failed: refused")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    db.close()


def test_a_page_that_cannot_be_recorded_for_another_reason_fails_with_why_not_dropped(tmp_path: Path) -> None:
    # A revert to a version whose packed body is damaged raises BodyError, not a sqlite3 error:
    # the writer must record the page's failure, not drop the observation without a trace.
    db = open_db(tmp_path / "store.db")
    first, second = "Text of the notice, as first published.", "Text of the notice, corrected later that day."
    apply(db, _obs("r1", 1, "start", {}))
    apply(db, _obs("r1", 2, "article", article_data(_item(first)), PAGE))
    apply(db, _obs("r1", 3, "article", article_data(_item(second)), PAGE))
    assert db.execute("SELECT body_z IS NOT NULL FROM versions WHERE id = 1").fetchone()[0] == 1  # kept packed
    db.execute("UPDATE versions SET body_z = x'28b52ffd0058' WHERE id = 1")  # a damaged zstd frame
    assert apply(db, _obs("r1", 4, "article", article_data(_item(first)), PAGE)) == "applied"
    apply(db, _finish("r1", 5, Tally()))
    (reason,) = [r[0] for r in db.execute("SELECT reason FROM failures")]
    assert reason.startswith("store write failed: recording failed: BodyError")
    row = db.execute("SELECT status, new, edited, failed FROM crawls").fetchone()
    assert tuple(row) == ("failed", 1, 1, 1)
    assert [r[0] for r in db.execute("SELECT kind FROM events ORDER BY id")] == ["new", "edited"]
    db.close()
