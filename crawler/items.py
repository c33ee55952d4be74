"""What spiders hand to the pipeline: an extracted article or a page that failed."""

from __future__ import annotations

from dataclasses import dataclass

from common.article import Article


@dataclass
class ArticlePage:
    """An article page that was fetched and read."""

    site: str
    article: Article
    raw: bytes
    fetched_url: str
    content_type: str | None
    etag: str | None
    last_modified: str | None


@dataclass
class NotModifiedPage:
    """A re-checked article that answered 304 Not Modified: nothing to parse or store."""

    site: str
    url: str


@dataclass
class MissingPage:
    """A re-checked article that answered 404 or 410."""

    site: str
    url: str
    status: int


@dataclass
class FailedPage:
    """A page that could not be fetched, or held no article."""

    site: str
    url: str
    status: int | None
    reason: str
