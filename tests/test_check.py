"""`newswatch check`: what the crawler would see, without writing the store."""

from __future__ import annotations

from pathlib import Path

from newswatch.check import shapes
from newswatch.samples import SampleSites

from .conftest import Cli


def test_check_a_registry_site(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    from newswatch.samples import render

    result = cli("check", "cqc-en")
    live = sites.live("cqc-en")  # newest first, as the listing shows them
    assert f"{min(render.PAGE_SIZE, len(live))} links match article_pattern" in result.stdout  # the start page's
    assert "1 links match follow_pattern" in result.stdout  # its next page
    assert f"title:     {live[0]['title']}" in result.stdout and f"published: {live[0]['published']}" in result.stdout
    assert result.stdout.count("\n--- ") == 2  # two articles extracted
    assert not db_path.exists()  # nothing was stored, not even an empty store


def test_check_a_new_url_suggests_a_pattern(cli: Cli, sites: SampleSites, db_path: Path) -> None:
    start = sites.base_url("cspress") + "/News/"
    guess = cli("check", "--url", start, check=False)
    assert guess.returncode == 1 and "no link matches article_pattern" in guess.stderr
    assert "'/News/\\d+\\.html$'" in guess.stdout  # the commonest link shape, ready to paste
    ok = cli("check", "--url", start, "--article-pattern", r"/News/\d+\.html$", "--articles", "1")
    assert "links match article_pattern" in ok.stdout and "title:" in ok.stdout
    assert not db_path.exists()


def test_check_reports_what_is_wrong(cli: Cli) -> None:
    both = cli("check", "cqc-en", "--url", "http://127.0.0.1:9/", check=False)
    assert both.returncode == 1 and "SITE of the registry or --url" in both.stderr
    down = cli("check", "--url", "http://127.0.0.1:9/news/", "--article-pattern", "x", check=False)
    assert down.returncode == 1 and "Error: cannot fetch http://127.0.0.1:9/news/" in down.stderr


def test_shapes_generalise_numbers() -> None:
    links = ["http://a.cn/News/12.html", "http://a.cn/News/345.html", "http://a.cn/about.html"]
    assert shapes(links) == [(r"/News/\d+\.html", 2), (r"/about\.html", 1)]
