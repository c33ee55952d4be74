"""Why a request failed, in words a user can act on; response headers as text; validators to ask with."""

from __future__ import annotations

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure


def failure_reason(failure: Failure, request: scrapy.Request, status: int | None, limit_mb: float) -> str:
    """The reason recorded for a failed request (redirects, size limits, HTTP errors, network errors)."""
    message = str(failure.value)
    trail = request.meta.get("redirect_urls") or []
    if failure.check(IgnoreRequest) and message.startswith("Filtered offsite request"):
        return f"redirected off-site to {request.url}" if trail else f"off-site URL {request.url}"
    if failure.check(IgnoreRequest) and "max redirections" in message:
        return f"redirect loop: more than the allowed redirects from {trail[0] if trail else request.url}"
    if failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in message:
        return f"over max_download_mb ({limit_mb:g} MB) once decompressed: not read (a compression bomb?)"
    if failure.check(DownloadCancelledError, CancelledError):
        return f"over max_download_mb ({limit_mb:g} MB): the download was stopped"
    if status:
        return f"HTTP {status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


def header(response: Response, name: str) -> str | None:
    """A response header as text (None when absent)."""
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """The headers that ask for a page only if it changed since it gave these validators ({} without any)."""
    headers = {"If-None-Match": etag, "If-Modified-Since": last_modified}
    return {name: value for name, value in headers.items() if value}
