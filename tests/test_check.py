"""`newswatch check`: what the crawler would see, without writing the store."""

from __future__ import annotations

from pathlib import Path

from newswatch.check import shapes
from newswatch.samples import SampleSites

from .conftest import Cli

GOLDEN = Path(__file__).parent / "golden" / "pages"


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


def test_listing_links_are_the_ones_scrapys_link_extractor_reads() -> None:
    # The crawl skips file links in one check; Scrapy's extractor with its default extensions
    # is the reference, on every golden page and on a page of file and odd links.
    from scrapy.http import HtmlResponse
    from scrapy.linkextractors import LinkExtractor

    from crawler.spiders.site import link_extractor

    odd = b"""<html><head><base href="http://x.cn/base/"></head><body>
    <a href="a.PDF">doc</a><a href="b.shtml">page</a><a href="c.jpg?x=1">img</a><a href="d.pdf#p2">f</a>
    <a href="/e.html;v=1.zip">params</a><a href="f.tar.gz">tar</a><a href="g.docx/">dir</a>
    <a href=" h.htm ">space</a><a href="mailto:x@y.cn">mail</a><area href="i.png"><a href="b.shtml">again</a>
    </body></html>"""
    pages = [(odd, "http://x.cn/list/")]
    pages += [(p.read_bytes(), f"http://x.cn/{p.parent.name}/{p.name}") for p in GOLDEN.glob("*/*.html")]
    assert len(pages) > 30
    ours, reference = link_extractor(), LinkExtractor(allow=(), deny_extensions=None, unique=True)
    for body, url in pages:
        response = HtmlResponse(url, body=body, encoding="utf-8")
        assert [(k.url, k.text) for k in ours.extract_links(response)] == [
            (k.url, k.text) for k in reference.extract_links(response)
        ], url
    kept = [k.url for k in ours.extract_links(HtmlResponse(pages[0][1], body=odd, encoding="utf-8"))]
    # (`;v=1.zip` is a path parameter, not the path's end)
    assert kept == [
        "http://x.cn/base/b.shtml",
        "http://x.cn/e.html;v=1.zip",
        "http://x.cn/base/g.docx/",
        "http://x.cn/base/h.htm",
    ]


def test_a_link_is_classified_as_the_registry_says() -> None:
    # What a crawl follows (worked out once per link and crawl): off the site, an article by
    # its key (tracking parameters and www. folded), a listing page, or nothing to follow.
    from crawler.config import Site
    from crawler.spiders.site import LinkKind, link_kind

    site = Site("x", ("http://www.x.cn/news/",), ("x.cn",), r"/news/\d+\.html$", follow_pattern=r"/news/index_\d+")
    tracking = ("utm_*",)
    assert link_kind(site, "http://other.cn/news/1.html", tracking) == LinkKind("http://other.cn/news/1.html", False)
    assert link_kind(site, "http://www.x.cn/news/7.html?utm_source=a", tracking) == LinkKind(
        "http://www.x.cn/news/7.html", True, key="x.cn/news/7.html"
    )
    assert link_kind(site, "http://x.cn/news/index_2.html", tracking) == LinkKind(
        "http://x.cn/news/index_2.html", True, listing=True
    )
    assert link_kind(site, "http://x.cn/about.html", tracking) == LinkKind("http://x.cn/about.html", True)
