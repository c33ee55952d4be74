"""Attachment files of articles: conditional requests for them, and items from their responses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import FileItem
from crawler.outcomes import file_key
from crawler.spiders.reasons import conditional_headers, header


def file_requests(
    article_key: str,
    files: Iterable[dict[str, Any]],
    callback: Callable[..., Any],
    errback: Callable[..., Any],
) -> list[scrapy.Request]:
    """One request per attachment ({url, text, etag?, last_modified?}), conditional when validators are known.

    Documents are often served from another host of the organisation (a file server, a
    CDN): they are fetched wherever they are, as a reader's browser would.
    """
    requests = []
    for file in files:
        meta = {
            "article_key": file_key(article_key, file["url"]),
            "article_url": file["url"],
            "file_of": article_key,
            "file_text": file.get("text") or "",
            "allow_offsite": True,
        }
        request = scrapy.Request(file["url"], callback=callback, errback=errback, meta=meta)
        request.headers.update(conditional_headers(file.get("etag"), file.get("last_modified")))
        requests.append(request)
    return requests


def file_item(site: str, response: Response, keep: bool) -> FileItem:
    """What a fetched attachment is: digest, size, type, validators (and its bytes when kept)."""
    body = response.body
    return FileItem(
        site=site,
        article_key=response.meta["file_of"],
        url=response.meta["article_url"],
        text=response.meta["file_text"],
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        content_type=header(response, "Content-Type"),
        etag=header(response, "ETag"),
        last_modified=header(response, "Last-Modified"),
        data=body if keep else None,
    )
