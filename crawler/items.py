"""What the spider hands to the pipeline: one extracted article page. Other outcomes are settled directly."""

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
