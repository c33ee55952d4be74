"""The extractor on HTML: metadata, date lines, chrome, kept article text, hostile input."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from crawler.extract import extract

BODY = (
    "<p>The certification body announced new rules for household appliances on Monday, "
    "covering safety, energy efficiency and the labelling of products sold online.</p>"
    "<p>Manufacturers will have twelve months to adapt their products and documentation, "
    "and existing certificates stay valid until they are renewed.</p>"
)


def page(body: str = BODY, head: str = "", title: str = "New rules for appliances") -> str:
    return f"<html><head><title>{title} - Example News</title>{head}</head><body>{body}</body></html>"


def test_json_ld_date_and_headline_come_first() -> None:
    ld = {"@type": "NewsArticle", "headline": "New rules for appliances", "datePublished": "2024-05-02T09:00:00+08:00"}
    html = page(
        f"<h1>New rules for appliances</h1><div>Date : 2024-05-09 Source : Example Daily</div>{BODY}",
        head=f'<script type="application/ld+json">{json.dumps(ld)}</script>',
    )
    article = extract(html, "https://example.com/news/1.html")
    assert article.title == "New rules for appliances"
    assert article.published == date(2024, 5, 2)
    assert article.origin == "Example Daily"  # origin from the visible line, date from metadata


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2023-03-29T13:30:52Z">',
        '<meta name="pubdate" content="2023-03-29">',
        '<meta itemprop="datePublished" content="2023-03-29">',
    ],
)
def test_meta_dates(head: str) -> None:
    assert extract(page(f"<h1>New rules for appliances</h1>{BODY}", head), "https://e.com/a").published == date(
        2023, 3, 29
    )


def test_time_element_and_url_fallback() -> None:
    timed = page(f'<h1>New rules for appliances</h1><time datetime="2022-01-20">Jan 20</time>{BODY}')
    assert extract(timed, "https://e.com/a").published == date(2022, 1, 20)
    bare = page(f"<h1>New rules for appliances</h1>{BODY}")
    assert extract(bare, "https://e.com/2021/06/08/a.html").published == date(2021, 6, 8)


def test_date_far_from_the_urls_date_is_not_believed() -> None:
    html = page(f"<h1>New rules for appliances</h1>{BODY}", '<meta name="pubdate" content="2011-01-01">')
    assert extract(html, "https://e.com/c/2020-11-23/595351.shtml").published == date(2020, 11, 23)


def test_future_date_is_not_believed() -> None:
    html = page(f"<h1>New rules for appliances</h1><p>Public Time:2031-01-01</p>{BODY}")
    assert extract(html, "https://e.com/a", today=date(2026, 11, 21)).published is None
    assert extract(html, "https://e.com/a").published == date(2031, 1, 1)  # no clock in the core


CHROME = """
<div class="nav"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/about">About</a></div>
<div class="crumbs">Your Position:<a href="/">Home</a> &gt; <a href="/news">News</a> &gt;</div>
<div class="share"><a href="#">WeChat</a> <a href="#">Weibo</a> <a href="#">Share</a></div>
<div>【字体：大 中 小】</div>
<div>浏览次数：1234</div>
<div class="box"><h3>Related News</h3><ul><li><a href="/n/1">Another story about appliances and their rules</a></li>
<li><a href="/n/2">A third story about certification bodies in China</a></li></ul></div>
<p>1</p>
"""
CHROME_AFTER = """
<div>上一篇：<a href="/n/0">Older story</a></div><div>下一篇：<a href="/n/2">Newer story</a></div>
<div>【<a href="javascript:print()">打印</a>】【<a href="javascript:close()">关闭</a>】</div>
<div id="cookie-banner">This site uses cookies to improve your experience. Accept all cookies?</div>
<div style="display:none">Hidden promotional text that no reader ever sees on the page.</div>
<script>var tracking = "script text never reaches the body";</script>
<div class="footer">Copyright © 2024 Example News. All rights reserved. 京ICP备12022416号-1 京公网安备 11011402011482号</div>
"""


def test_chrome_never_reaches_the_body() -> None:
    html = page(f"<h1>New rules for appliances</h1>{CHROME}{BODY}{CHROME_AFTER}")
    article = extract(html, "https://e.com/a")
    assert article.paragraphs == (
        "The certification body announced new rules for household appliances on Monday, covering safety, "
        "energy efficiency and the labelling of products sold online.",
        "Manufacturers will have twelve months to adapt their products and documentation, and existing "
        "certificates stay valid until they are renewed.",
    )


def test_signature_block_and_credit_line_stay() -> None:
    notice = (
        "<h1>Notice on new rules</h1><p>Dear customers,</p>"
        + BODY
        + "<p>China Quality Certification Centre</p><p>September 1, 2023</p><p>（产品认证一部 供稿）</p>"
    )
    paragraphs = extract(page(notice, title="Notice on new rules"), "https://e.com/c/2023-09-01/1.shtml").paragraphs
    assert paragraphs[0] == "Dear customers,"
    assert paragraphs[-3:] == ("China Quality Certification Centre", "September 1, 2023", "（产品认证一部 供稿）")


def test_origin_is_none_when_the_page_names_none() -> None:
    assert extract(page(f"<h1>New rules for appliances</h1>{BODY}"), "https://e.com/a").origin is None


def test_canonical_link_on_the_same_site_wins() -> None:
    html = page(BODY, head='<link rel="canonical" href="/news/1.html">')
    assert extract(html, "https://www.e.com/news/1.html?from=rss#top").url == "https://www.e.com/news/1.html"
    foreign = page(BODY, head='<link rel="canonical" href="https://elsewhere.org/x">')
    assert extract(foreign, "https://e.com/a#b").url == "https://e.com/a"


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty", b""),
        ("whitespace", b"   \n\t "),
        ("binary", bytes(range(256)) * 400),
        ("png", b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 5000),
        ("truncated", page(f"<h1>New rules for appliances</h1>{BODY}").encode()[:180]),
        ("unclosed", b"<html><body><div><div><p>Some text that is never closed" * 200),
        ("deep", b"<html><body>" + b"<div>" * 100_000 + b"<p>deep text</p>" + b"</div>" * 100_000),
        ("huge", page(f"<h1>New rules for appliances</h1>{BODY * 33_000}").encode()),
        ("non-text charset", page(f"<h1>New rules for appliances</h1>{BODY}", head='<meta charset="hex">').encode()),
        ("surrogates", page(f"<h1>New rules +2AA- for appliances</h1>{BODY}", head='<meta charset="utf-7">').encode()),
        (
            "bracketed links",
            page(
                f'<h1>New rules for appliances</h1>{BODY}<p>Form: <a href="//[site_url]/up/form.pdf">form.pdf</a></p>',
                head='<link rel="canonical" href="//[site_url]/news/1.html">',
            ).encode(),
        ),
        ("unclosed scripts", b"<html><body><p>Some text</p>" + b"<script>a <!-- b " * 60_000),
    ],
)
def test_bad_input_never_crashes_or_hangs(name: str, data: bytes) -> None:
    start = time.monotonic()
    article = extract(data, "https://e.com/a")
    assert time.monotonic() - start < 25
    if name in {"empty", "whitespace", "binary", "png"}:
        assert article.is_empty and article.title is None
    if name == "truncated":
        assert article.title == "New rules for appliances"
    if name in {"non-text charset", "bracketed links"}:
        assert article.title == "New rules for appliances" and not article.is_empty
    if name == "bracketed links":
        assert article.attachments == () and article.url == "https://e.com/a"
    if name == "huge":
        assert len(data) > 10_000_000 and article.title == "New rules for appliances" and not article.is_empty


def test_text_before_an_embedded_box_stays_article_text() -> None:
    # lxml nests an <aside> found inside a paragraph into it; the words before it are the article's.
    first = "The first paragraph of the article explains the new certification rules in detail for readers."
    html = page(
        f"<h1>New rules for appliances</h1><div class='story'><p>{first}"
        "<aside class='ad right'><div>Advertisement</div></aside> and goes on after the box.</p>" + BODY + "</div>"
    )
    paragraphs = extract(html, "https://e.com/a").paragraphs
    assert paragraphs[0] == first
    assert "Advertisement" not in " ".join(paragraphs)


@pytest.mark.parametrize(
    ("lang", "body", "expected"),
    [
        ("zh-CN", BODY, "en"),  # an English page on a Chinese template
        ("en", "<p>中国质量认证中心召开年度工作会议，部署全年认证工作任务，总结过去一年的工作成果。</p>", "zh"),
        ("de-DE", BODY, "de"),  # Latin script either way: the declaration stands
        ("zh-CN", "<p>中国质量认证中心召开年度工作会议，部署全年认证工作任务，总结过去一年的工作成果。</p>", "zh"),
    ],
)
def test_language_declaration_against_the_text(lang: str, body: str, expected: str) -> None:
    html = f'<html lang="{lang}"><head><title>T</title></head><body><h1>T</h1>{body}</body></html>'
    assert extract(html, "https://e.com/a").language == expected
