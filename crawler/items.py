"""What the spider hands to the pipeline: article pages and attachment files. Other outcomes are settled directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from common.article import Article


@dataclass
class ArticleItem:
    """An article page that was fetched whole and read."""

    site: str
    article: Article
    raw: bytes
    fetched_url: str
    content_type: str | None
    etag: str | None
    last_modified: str | None
    key: str  # the article's URL identity
    aliases: tuple[str, ...]  # other URL keys that led to it (the link, a redirect)
    extractor: str  # crawler.extract.EXTRACTOR_VERSION
    hints: str | None = None  # key of the site hints it was read with
    fetched_on: date | None = None  # the fetch's day: dates after it are not believed
    link_texts: tuple[str, ...] = ()  # the listing links that led to it in this crawl


@dataclass
class FileItem:
    """One fetched file of an article's attachment (a rules PDF): its digest, not always its bytes."""

    site: str
    article_key: str
    url: str
    text: str
    sha256: str
    size: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    data: bytes | None = None
