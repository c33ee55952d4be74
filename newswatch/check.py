"""`newswatch check`: how the crawler would see a site, without writing the store (like urlwatch --test-filter)."""

from __future__ import annotations

import http.client
import re
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from common.urls import DEFAULT_TRACKING_PARAMS, clean_url
from crawler.config import Site
from crawler.extract import Article, extract

USER_AGENT = "newswatch/0.1 (news change monitor; check)"
_DIGITS = re.compile(r"\d+")
_SPECIAL = re.compile(r"([.?+*()\[\]{}|^$\\])")


class CheckError(Exception):
    """A page could not be fetched; the message says which and why."""


@dataclass
class Links:
    """The links of the start pages, sorted as the crawler would sort them."""

    articles: list[str] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


def fetch(url: str, timeout: float = 30) -> tuple[bytes, str | None, str]:
    """The page's bytes, Content-Type and final URL (after redirects)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(), response.headers.get("Content-Type"), response.geturl()
    except (OSError, ValueError, http.client.HTTPException) as exc:  # HTTPException: a broken answer
        raise CheckError(f"cannot fetch {url}: {exc}") from exc


def page_links(
    page: bytes, url: str, content_type: str | None = None, tracking: Sequence[str] = DEFAULT_TRACKING_PARAMS
) -> list[str]:
    """Every http(s) link of a page as the crawl reads a listing (Scrapy's link extractor:
    `<base href>`, `<area>` …), in clean form without tracking parameters, in page order, once each."""
    from scrapy.http import HtmlResponse

    from crawler.spiders.site import link_extractor

    headers = {"Content-Type": content_type} if content_type else None
    response = HtmlResponse(url, body=page, headers=headers)
    links = [clean_url(link.url, tracking) for link in link_extractor().extract_links(response)]
    return list(dict.fromkeys(link for link in links if link.startswith(("http://", "https://"))))


def sort_links(site: Site, links: list[str]) -> Links:
    """Which links are articles, which are listings to follow and which the crawl ignores."""
    out = Links()
    for link in links:
        if not site.owns(link):
            continue
        if site.is_article(link):
            out.articles.append(link)
        elif site.is_listing(link):
            out.follow.append(link)
        else:
            out.other.append(link)
    return out


def shapes(links: list[str], top: int = 5) -> list[tuple[str, int]]:
    """The commonest URL paths with numbers generalised: hints for an article_pattern."""
    counted = Counter(_DIGITS.sub(r"\\d+", _SPECIAL.sub(r"\\\1", urlsplit(link).path)) for link in links)
    return counted.most_common(top)


def read_article(url: str) -> Article:
    """Fetch one article page and extract it (nothing is stored)."""
    page, content_type, final = fetch(url)
    return extract(page, final, content_type)
