"""One test per fault the monitor met: the store afterwards has no lost or changed version, no
false or missing event, no duplicate article, passes integrity_check, and names each failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import open_readonly

from .conftest import Cli
from .faults import Fault, FaultSite, gzip_bomb, tracking_variants


@pytest.fixture
def site() -> Iterator[FaultSite]:
    with FaultSite() as running:
        yield running


def _cli(site: FaultSite, tmp_path: Path, **keys: object) -> Cli:
    registry = tmp_path / "faulty.toml"
    registry.write_text(site.registry(**keys), encoding="utf-8")
    return Cli(registry, tmp_path / "store.db")


def _state(db_path: Path) -> dict[str, object]:
    """What a reader of the store sees: rows, events by kind, failures, integrity."""
    db = open_readonly(db_path)
    try:
        return {
            "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
            "articles": db.execute("SELECT count(*) FROM articles").fetchone()[0],
            "versions": [tuple(r) for r in db.execute("SELECT id, fingerprint FROM versions ORDER BY id")],
            "events": [r[0] for r in db.execute("SELECT kind FROM events ORDER BY id")],
            "failures": {
                r[0].split("127.0.0.1:")[1].split("/", 1)[1]: r[1]
                for r in db.execute("SELECT url, reason FROM failures")
            },
            "runs": [(r[0], r[1]) for r in db.execute("SELECT status, error FROM crawls ORDER BY id")],
        }
    finally:
        db.close()


def _unchanged_except_failures(before: dict[str, object], after: dict[str, object]) -> None:
    assert after["integrity"] == "ok"
    for key in ("articles", "versions", "events"):
        assert after[key] == before[key], key


def _summary(result: object) -> str:
    return next(line for line in result.stdout.splitlines() if line.startswith("total"))  # type: ignore[attr-defined]


# ---- 2. damaged responses never become versions
def test_a_response_cut_mid_body_without_content_length_is_no_edit(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    before = _state(cli.db_path)
    target = site.paths()[3]
    site.edit(target, "A real change arrived too.")  # the cut hides it: nothing may be stored yet
    site.fault(target, Fault("cut", keep=0.6))
    result = cli("crawl", "--recheck-all")
    after = _state(cli.db_path)
    _unchanged_except_failures(before, after)
    assert "cut short" in after["failures"][target.lstrip("/")]  # type: ignore[index]
    assert after["runs"][-1][0] == "partial"
    assert ", 1 failed" in _summary(result)
    # The same page sent whole, still without a Content-Length, proves whole: one real edit.
    site.fault(target, Fault("nolength"))
    cli("crawl", "--recheck-all")
    assert _state(cli.db_path)["events"] == [*before["events"], "edited"]  # type: ignore[misc]


def test_random_bytes_between_paragraphs_are_no_edit(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    before = _state(cli.db_path)
    target = site.paths()[0]
    site.fault(target, Fault("inject"))
    cli("crawl", "--recheck-all")
    after = _state(cli.db_path)
    _unchanged_except_failures(before, after)
    assert "undecodable or control characters" in after["failures"][target.lstrip("/")]  # type: ignore[index]


def test_a_page_that_ends_mid_document_is_no_edit(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    before = _state(cli.db_path)
    target = site.paths()[1]
    site.fault(target, Fault("truncate", keep=0.7))  # a whole HTTP response of half a document
    cli("crawl", "--recheck-all")
    after = _state(cli.db_path)
    _unchanged_except_failures(before, after)
    assert "ends mid-document" in after["failures"][target.lstrip("/")]  # type: ignore[index]


def test_a_listing_page_cut_short_is_not_remembered_so_no_304_can_hide_its_lost_links(tmp_path: Path) -> None:
    # The second listing page holds the last 6 articles; cut at a third mid-send (with the
    # whole page's ETag), its last links never arrive. Were it remembered, the next crawl
    # would ask with that ETag, get 304 and replay the cut list: those articles never fetched.
    with FaultSite(articles=12, more=6) as site:
        cli = _cli(site, tmp_path)
        site.fault("/news/more/", Fault("cut", keep=0.35))
        first = cli("crawl")
        stored = _state(cli.db_path)["articles"]
        assert isinstance(stored, int) and 6 <= stored < 12, _summary(first)
        site.fault("/news/more/", None)
        site.requests.clear()
        cli("crawl")
        asked = [h for path, h in site.requests if path == "/news/more/"]
        assert len(asked) == 1 and "if-none-match" not in asked[0]  # read whole: nothing remembered of it
        assert _state(cli.db_path)["articles"] == 12
        site.requests.clear()
        cli("crawl")  # now remembered whole: asked with its validators, answered 304, nothing lost
        asked = [h for path, h in site.requests if path == "/news/more/"]
        assert len(asked) == 1 and "if-none-match" in asked[0]
        assert _state(cli.db_path)["articles"] == 12


def test_an_error_page_sent_as_200_for_a_listing_page_is_not_remembered(tmp_path: Path) -> None:
    # It links to none of the site's pages; remembered with its validators, a server that
    # validates by date could answer 304 to it for a day and hide the page's articles.
    with FaultSite(articles=12, more=6) as site:
        cli = _cli(site, tmp_path)
        site.fault("/news/more/", Fault("status", status=200))
        cli("crawl")
        db = open_readonly(cli.db_path)
        remembered = [r[0].removeprefix(site.base) for r in db.execute("SELECT url FROM listings")]
        db.close()
        assert "/news/more/" not in remembered and "/news/" in remembered
        site.fault("/news/more/", None)
        site.requests.clear()
        cli("crawl")
        asked = [h for path, h in site.requests if path == "/news/more/"]
        assert len(asked) == 1 and "if-none-match" not in asked[0]
        assert _state(cli.db_path)["articles"] == 12


# ---- 3. one article, one identity
def test_tracking_variants_of_a_link_are_one_article(tmp_path: Path) -> None:
    with FaultSite(articles=2) as site:
        target = site.paths()[0]
        site.extra_links = tracking_variants(target)[1:3]
        cli = _cli(site, tmp_path, anchored=False)  # a pattern without $ matches the variants too
        cli("crawl")
        state = _state(cli.db_path)
        assert state["articles"] == 2 and state["events"] == ["new", "new"]
        assert site.hits(target) == 1
        history = cli("history", site.url(target) + "?utm_medium=rss#top").stdout  # any form finds it
        assert history.count("\n  v") == 1


@pytest.mark.parametrize(
    ("how", "linked_too"),
    [("redirect", False), ("redirect", True), ("refresh", False)],
    ids=["only-the-old-address", "both-addresses", "meta-refresh"],
)
def test_a_link_that_redirects_to_an_article_is_that_article_and_no_failure(
    tmp_path: Path, how: str, linked_too: bool
) -> None:
    """A listing link to an old address that redirects to the article's address (an HTTP
    redirect, or a page whose meta refresh leads there: newswatch skips meta refresh only on
    answers without a body, 304s): one article, found by either address, and no "no answer"
    failure for the address it was requested by."""
    with FaultSite(articles=2) as site:
        target, old = site.paths()[0], "/news/9999.html"
        site.fault(old, Fault(how, location=site.url(target)))
        site.extra_links = [old]
        if not linked_too:
            listing = site.listing
            site.listing = lambda: listing().replace(f'href="{target}"'.encode(), b'href="/elsewhere"')  # type: ignore[method-assign]
        cli = _cli(site, tmp_path)
        result = cli("crawl")
        state = _state(cli.db_path)
        assert ", 0 failed" in _summary(result), _summary(result)
        assert state["articles"] == 2 and state["events"] == ["new", "new"] and state["failures"] == {}
        assert state["runs"] == [("ok", None)]
        assert site.hits(target) == 1
        if not linked_too:  # the address it was reached by finds it
            assert cli("history", site.url(old)).stdout.count("\n  v") == 1


def test_an_article_linked_only_with_a_fragment_is_fetched(tmp_path: Path) -> None:
    with FaultSite(articles=2) as site:
        hidden = "/news/2000.html"
        site.pages[hidden] = site.pages.pop(site.paths()[1])
        site.extra_links = [f"{hidden}#content"]
        listing = site.listing
        site.listing = lambda: listing().replace(f'href="{hidden}"'.encode(), b'href="/elsewhere"')  # type: ignore[method-assign]
        cli = _cli(site, tmp_path, anchored=True)
        cli("crawl")
        db = open_readonly(cli.db_path)
        urls = {r[0] for r in db.execute("SELECT url FROM articles")}
        assert site.url(hidden) in urls and len(urls) == 2


# ---- 4. robots.txt is obeyed by re-checks too
def test_rechecks_obey_robots_txt_read_before_the_first_request(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    site.robots = "User-agent: *\nDisallow: /news/1\n"
    site.requests.clear()
    result = cli("crawl", "--recheck-all")
    fetched = [p for p, _ in site.requests if p.startswith("/news/1")]
    assert fetched == [], f"robots.txt disallows these, yet they were fetched: {fetched}"
    assert site.requests[0][0] == "/robots.txt"
    assert "12 skipped" in _summary(result)
    reasons = set(_state(cli.db_path)["failures"].values())  # type: ignore[attr-defined]
    assert reasons == {"forbidden by robots.txt"}


# ---- 5. every request has one outcome: redirects that lead nowhere are failures with reasons
@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("{self}", "redirect loop"),
        ("{other}", "redirect loop"),
        ("http://127.0.0.2:9/news/1000.html", "redirected off-site"),
    ],
    ids=["to-itself", "loop", "off-site"],
)
def test_redirects_that_lead_nowhere_are_recorded_failures(
    site: FaultSite, tmp_path: Path, location: str, reason: str
) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    before = _state(cli.db_path)
    target, other = site.paths()[2], site.paths()[5]
    where = location.format(self=target, other=other)
    site.fault(target, Fault("redirect", location=where if where.startswith("http") else site.url(where)))
    if location == "{other}":
        site.fault(other, Fault("redirect", location=site.url(target)))
    result = cli("crawl", "--recheck-all")
    after = _state(cli.db_path)
    _unchanged_except_failures(before, after)
    assert reason in after["failures"][target.lstrip("/")]  # type: ignore[index]
    counted = _summary(result)
    expected = 2 if location == "{other}" else 1
    assert f"{expected} failed" in counted and f"{12 - expected} unchanged" in counted
    db = open_readonly(cli.db_path)
    row = db.execute("SELECT last_error FROM articles WHERE url = ?", [site.url(target)]).fetchone()
    assert reason in row[0]


# ---- 6. a compression bomb fails its page, and the crawl stays small
def test_a_gzip_bomb_fails_its_page_with_bounded_memory(site: FaultSite, tmp_path: Path) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 1_100_000
    target = site.paths()[0]
    site.fault(target, Fault("gzip", body=bomb))
    cli = _cli(site, tmp_path)
    peak_kb = cli.peak_rss_kb("crawl")
    state = _state(cli.db_path)
    assert "max_download_mb" in state["failures"][target.lstrip("/")]  # type: ignore[index]
    assert state["articles"] == 11
    assert peak_kb < 300 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"


# ---- 8. honest statuses
def test_a_crawl_whose_every_page_failed_is_failed(site: FaultSite, tmp_path: Path) -> None:
    for path in site.paths():
        site.fault(path, Fault("status", status=503))
    cli = _cli(site, tmp_path)
    result = cli("crawl", check=False)
    assert result.returncode == 1
    status, error = _state(cli.db_path)["runs"][-1]  # type: ignore[index]
    assert status == "failed" and error == "all 12 pages failed: HTTP 503 ×12"
    for _ in range(2):
        cli("crawl", check=False)
    digest = json.loads(cli("digest", "--format", "json").stdout)
    assert any(
        "faulty: the last 3 crawls failed (failed: all 12 pages failed: HTTP 503 ×12)" in n
        for n in digest["needs_attention"]
    )


def test_58_of_60_failed_writes_make_a_failed_run(tmp_path: Path) -> None:
    from store import open_db

    with FaultSite(articles=60) as site:
        cli = _cli(site, tmp_path)
        keep = [site.pages[p].title for p in site.paths()[:2]]
        db = open_db(cli.db_path)
        # Every other version insert fails as on a full disk (SQLITE_FULL is hard to cause on purpose).
        db.execute(
            f"CREATE TRIGGER full BEFORE INSERT ON versions WHEN NEW.title NOT IN ('{keep[0]}', '{keep[1]}') "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
        db.close()
        result = cli("crawl", check=False)
        assert result.returncode == 1
        state = _state(cli.db_path)
        assert state["integrity"] == "ok" and state["articles"] == 2 and len(state["versions"]) == 2  # type: ignore[arg-type]
        status, error = state["runs"][-1]  # type: ignore[index]
        assert status == "failed"
        assert error == "58 of 60 pages could not be stored: store write failed: database or disk is full"
        digest = json.loads(cli("digest", "--format", "json").stdout)
        assert digest["needs_attention"] == []  # one failed run is no alert storm; three in a row are


# ---- 11. a crawl by hand is bounded in time
def test_a_hanging_page_costs_one_download_timeout(site: FaultSite, tmp_path: Path) -> None:
    target = site.paths()[0]
    site.fault(target, Fault("hang", seconds=8))
    cli = _cli(site, tmp_path, download_timeout=1)
    result = cli("crawl", timeout=60)
    assert ", 1 failed" in _summary(result)
    assert "TimeoutError" in _state(cli.db_path)["failures"][target.lstrip("/")]  # type: ignore[index]
    assert site.hits(target) == 1  # retries = 0: one try, not three


def test_timeout_minutes_bounds_a_crawl_by_hand(site: FaultSite, tmp_path: Path) -> None:
    for path in site.paths():
        site.fault(path, Fault("hang", seconds=4))
    cli = _cli(site, tmp_path, timeout_minutes=0.03, download_timeout=10)
    result = cli("crawl", check=False, timeout=60)
    assert result.returncode == 1
    status, _ = _state(cli.db_path)["runs"][-1]  # type: ignore[index]
    assert status == "timeout"


def test_a_listing_page_that_answers_500_fails_itself_and_loses_nothing(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    before = _state(cli.db_path)
    site.fault("/news/", Fault("status", status=500))
    result = cli("crawl")  # the known articles are still re-checked; no new ones can be found
    after = _state(cli.db_path)
    _unchanged_except_failures(before, after)
    assert ", 1 failed" in _summary(result) and "12 unchanged" in _summary(result)
    assert "500" in after["failures"]["news/"]  # type: ignore[index]
    status, error = after["runs"][-1]  # type: ignore[index]
    assert status == "partial" and "500" in error
