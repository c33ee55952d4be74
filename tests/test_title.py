"""Titles: generic and site-name <title>s never win; the headline is found by evidence that agrees."""

from __future__ import annotations

import json

import pytest

from crawler.extract import extract

TEXT = (
    "<p>The certification centre announced new implementation rules for household appliances on Monday, "
    "covering safety, energy efficiency and the labelling of products sold online.</p>"
    "<p>Manufacturers have twelve months to adapt their products, and existing certificates stay valid.</p>"
)
HEADLINE = "Centre Announces New Rules for Household Appliances"


@pytest.mark.parametrize(
    "title", ["Details", "正文", "新闻详情", "News Details - CMES", "新闻中心-某某集团有限公司", ""]
)
def test_a_generic_title_loses_to_the_line_over_the_date_line(title: str) -> None:
    html = (
        f"<html><head><title>{title}</title></head><body><div class='logo'>CMES</div>"
        f"<table><tr><td><font size='4'><b>{HEADLINE}</b></font></td></tr>"
        f"<tr><td>Date : 2024-05-06 Source : Certification Department</td></tr><tr><td>{TEXT}</td></tr></table></body></html>"
    )
    article = extract(html, "https://example.cn/news/1.html")
    assert (article.title, article.origin) == (HEADLINE, "Certification Department")
    assert len(article.paragraphs) == 2


def test_the_site_name_is_no_headline_even_as_an_h1_logo() -> None:
    html = (
        '<html><head><title>Example Centre</title><meta property="og:site_name" content="Example Centre">'
        '<meta property="og:title" content="Example Centre"></head><body><h1 class="logo">Example Centre</h1>'
        f"<div class='main'><div class='art-title'>{HEADLINE}</div>{TEXT}</div></body></html>"
    )
    assert extract(html, "https://example.cn/news/1.html").title == HEADLINE


def test_the_source_in_the_byline_is_no_headline() -> None:
    html = (
        "<html><head><title>China Standardization</title></head><body><div>China Standardization</div>"
        f"<div>{HEADLINE}</div><div>China Standardization 2022-04-05</div><div>{TEXT}</div></body></html>"
    )
    article = extract(html, "https://www.cspress.cn/News/1.html")
    assert (article.title, article.origin) == (HEADLINE, "China Standardization")


def test_a_signature_that_repeats_the_title_is_no_headline() -> None:
    html = (
        "<html><head><title>Example Certification Centre</title></head><body><div class='c'>"
        f"<span class='tit'>{HEADLINE}</span>{TEXT}<p>Example Certification Centre</p><p>12. 29. 2020</p>"
        "</div></body></html>"
    )
    article = extract(html, "https://example.cn/c/2020-12-30/1.shtml")
    assert article.title == HEADLINE
    assert article.paragraphs[-2:] == ("Example Certification Centre", "12. 29. 2020")
    assert article.published is not None and article.published.isoformat() == "2020-12-30"


def test_a_site_name_after_the_structured_headline_is_cut() -> None:
    ld = json.dumps({"@type": "NewsArticle", "headline": f"{HEADLINE} - Example.de"})
    html = (
        f'<html><head><title>{HEADLINE} - Example.de</title><script type="application/ld+json">{ld}</script>'
        f"</head><body><h1>{HEADLINE}</h1>{TEXT}</body></html>"
    )
    assert extract(html, "https://www.example.de/news/1.html").title == HEADLINE


def test_an_h1_in_the_breadcrumb_yields_to_the_heading_that_opens_the_article() -> None:
    # The navigation <h1> repeats og:title; the heading shown over the text is the structured headline.
    ld = json.dumps({"@type": "NewsArticle", "headline": HEADLINE})
    html = (
        "<html><head><title>SEO title of the page</title><meta property='og:title' content='SEO title of the page'>"
        f"<script type='application/ld+json'>{ld}</script></head><body><ol class='breadcrumb'><li><a href='/'>Home</a>"
        f"</li><li><h1>SEO title of the page</h1></li></ol><div class='article'><div>Kicker</div><h2>{HEADLINE}</h2>"
        f"{TEXT}</div></body></html>"
    )
    article = extract(html, "https://example.de/news/1.html")
    assert article.title == HEADLINE
    assert "SEO title of the page" not in article.paragraphs
