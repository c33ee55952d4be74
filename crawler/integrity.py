"""Is a fetched page whole? Damaged responses must fail, never become versions (false edits)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from common.article import Article

_OPENS = re.compile(rb"<(?:html|body)[\s>]", re.I)
_CLOSES = re.compile(rb"</(?:html|body)\s*>", re.I)
# U+FFFD marks bytes that could not be decoded; C0 and C1 controls never belong in article text.
_GARBAGE = re.compile(r"[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TAIL = 8192


def is_unclosed(body: bytes) -> bool:
    """True for an HTML document that opens <html> or <body> but never closes either: cut short."""
    return _OPENS.search(body[:_TAIL]) is not None and _CLOSES.search(body[-_TAIL:]) is None


def transfer_damage(body: bytes, flags: Iterable[str], is_html: bool) -> str | None:
    """Why the bytes as received cannot be trusted, or None.

    Scrapy flags a response `dataloss` when fewer bytes came than its Content-Length said,
    and `partial` when it had no Content-Length and the connection closed: that is how such
    a response always ends, so a `partial` HTML page that closes its document proves whole.
    """
    flags = set(flags)
    if "dataloss" in flags:
        return f"the response was cut short: {len(body)} bytes, fewer than its Content-Length"
    if "partial" in flags and (not is_html or is_unclosed(body)):
        return f"the response was cut short: the connection closed after {len(body)} bytes, mid-document"
    return None


def text_damage(article: Article) -> str | None:
    """Why the extracted text cannot be trusted (decoding garbage, control characters), or None."""
    found = _GARBAGE.findall(f"{article.title or ''}\n{article.body}")
    if not found:
        return None
    return f"{len(found)} undecodable or control characters in the article text (damaged or mis-encoded page)"
