"""One article, one identity: the URL forms every layer uses, built on w3lib.

- `clean_url(url)` is the form newswatch fetches and shows: fragment and tracking
  parameters dropped, query parameters sorted, percent-escapes normalised.
- `url_key(url)` is the article's identity in the store: the clean form with the scheme
  and a leading `www.` folded away, so `http://www.x.cn/a` and `https://x.cn/a` are one
  article. Discovery, the known-article check, the store and `history`/`diff` all use it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that say who sent the reader, never which page it is. `[crawl]
# tracking_params` in the registry adds to these; `*` matches any run of characters.
DEFAULT_TRACKING_PARAMS: tuple[str, ...] = (
    "utm_*",
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "igshid",
    "spm",
    "scm",
    "from",
    "ref",
    "ref_src",
    "share",
    "isappinstalled",
    "wt.mc_id",
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def clean_url(url: str, tracking: Sequence[str] = DEFAULT_TRACKING_PARAMS) -> str:
    """The canonical fetchable form of url: no fragment, no tracking parameters, sorted query."""
    return _clean_url(url, tuple(tracking))


def url_key(url: str, tracking: Sequence[str] = DEFAULT_TRACKING_PARAMS) -> str:
    """The article identity of url: its clean form without scheme, `www.` or a default port."""
    return _url_key(url, tuple(tracking))


# A site's listing pages repeat the same menus and article links (30,000 links, 5,000 distinct,
# in a crawl of 5,000 articles), and canonicalising one costs 20 µs: both forms of the most
# recent ones are remembered.
_CACHED_URLS = 16_384  # about 6 MB at most


@lru_cache(maxsize=_CACHED_URLS)
def _clean_url(url: str, tracking: tuple[str, ...]) -> str:
    url = canonicalize_url(url.strip(), keep_fragments=False)
    query = urlsplit(url).query
    if not query:
        return url
    names = {name for name, _ in parse_qsl(query, keep_blank_values=True)}
    drop = [name for name in names if _is_tracking(name, tracking)]
    if not drop:
        return url
    return url_query_cleaner(url, drop, remove=True, unique=False, keep_fragments=False)


@lru_cache(maxsize=_CACHED_URLS)
def _url_key(url: str, tracking: tuple[str, ...]) -> str:
    parts = urlsplit(_clean_url(url, tracking))
    host = (parts.hostname or "").removeprefix("www.")
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{port}"
    key = host + (parts.path or "/")
    return f"{key}?{parts.query}" if parts.query else key


def same_site(a: str, b: str) -> bool:
    """True when two http(s) URLs are on one site: the same host (www. folded) and port."""
    try:
        pa, pb = urlsplit(a), urlsplit(b)
    except ValueError:
        return False
    if pa.scheme not in {"http", "https"} or pb.scheme not in {"http", "https"}:
        return False
    if not _valid_port(pa) or not _valid_port(pb):
        return False
    return _host_port(pa.hostname, pa.port, pa.scheme) == _host_port(pb.hostname, pb.port, pb.scheme)


def is_plain_http_url(url: str) -> bool:
    """An absolute http(s) URL with a host, a valid port if any, and no user name or password
    in it: what clean_url and url_key can take (they raise ValueError on `:8O80`)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # `http://[site_url]/a`: brackets that hold no IPv6 address
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and "@" not in parts.netloc and _valid_port(parts)


def _port(parts: SplitResult) -> int | None:
    """The URL's port; None when it has none or one that is not a port (`:8O80`, `:99999`),
    where urllib raises ValueError: a page's typo must not stop its article."""
    try:
        return parts.port
    except ValueError:
        return None


def _port_text(parts: SplitResult) -> str:
    """What follows the host's colon, as written ('' when nothing does)."""
    host = parts.netloc.rpartition("@")[2]
    _, colon, after = host.rpartition(":")
    return after if colon and "]" not in after else ""


def _valid_port(parts: SplitResult) -> bool:
    return _port(parts) is not None or not _port_text(parts)


def _host_port(host: str | None, port: int | None, scheme: str) -> tuple[str, int | None]:
    # http and https are one site: a default port is no port at all.
    return (host or "").lower().removeprefix("www."), None if port == _DEFAULT_PORTS.get(scheme) else port


def _is_tracking(name: str, tracking: Sequence[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, pattern.lower()) for pattern in tracking)
