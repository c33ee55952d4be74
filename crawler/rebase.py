"""Read a stored version's page again under today's extractor: compare like with like."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from common.article import Article
from crawler.extract import extract
from store.record import raw_page


def reextract(version: dict[str, Any]) -> Article | None:
    """The fields the current extractor reads from a stored version's raw page; None without one.

    The page is read as of the day it was fetched (a date after that day is not believed),
    under the URL it was fetched from.
    """
    raw = raw_page(version)
    if raw is None:
        return None
    fetched = datetime.fromisoformat(version["fetched_at"]).date()
    article = extract(raw, version.get("fetched_url") or "", version.get("content_type"), today=fetched)
    return None if article.is_empty else article
