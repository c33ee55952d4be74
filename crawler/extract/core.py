"""extract(): page bytes in, Article out. No network, no database, no clock."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit, urlunsplit

from common.urls import is_plain_http_url, same_site

from .article import Article
from .blocks import Block
from .container import article_members, best_container
from .dates import date_from_url, parse_meta_date
from .decode import decode
from .html import blocks_of, parse
from .language import detect_language
from .layout import Head, body_paragraphs, find_dateline
from .meta import Meta, read_meta
from .text import read_plain
from .title import choose_title

_HTML_SNIFF = re.compile(r"<\s*(?:!doctype|html|head|body|div|p|table|meta|title)\b", re.I)
_LEAD_CHARS = 60
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
# Metadata and page dates further than this from the URL's own date are not believed.
_URL_DATE_TOLERANCE = timedelta(days=7)


def extract(page: bytes | str, url: str, content_type: str | None = None, today: date | None = None) -> Article:
    """Read one page into an Article; a page with no article gives an empty body.

    today, when given, is the day the page was fetched: a publication date after it is
    not believed (the core itself reads no clock).
    """
    text = page if isinstance(page, str) else decode(page, content_type)
    if _looks_binary(text):
        return Article(url=_strip_fragment(url))
    text = text.replace("\x00", "")
    if _is_plain(text, content_type):
        title, head, paragraphs = read_plain(text)
        published = _pick_date([], head, url, today)
        language = detect_language(" ".join(paragraphs[:5]), None)
        return Article(
            url=_strip_fragment(url),
            title=title,
            published=published,
            origin=head.dateline.origin if head.dateline else None,
            paragraphs=tuple(paragraphs),
            language=language,
        )
    return _extract_html(text, url, today)


def _looks_binary(text: str) -> bool:
    """True for bytes that are no text at all (an image, a truncated gzip, garbage)."""
    sample = text[:20_000]
    if not sample:
        return False
    bad = len(_BINARY.findall(sample))
    return bad / len(sample) > 0.02


def _is_plain(text: str, content_type: str | None) -> bool:
    if content_type and "text/plain" in content_type.lower():
        return True
    return _HTML_SNIFF.search(text[:4096]) is None


def _extract_html(text: str, url: str, today: date | None) -> Article:
    soup = parse(text)
    meta = read_meta(soup)
    root = soup.body or soup
    blocks = blocks_of(root)
    container = best_container(blocks)
    title, title_index = choose_title(meta, blocks)
    dated = find_dateline(blocks, title_index)
    head = Head(title_index, dated[0] if dated else None, dated[1] if dated else None)
    article_blocks = _container_blocks(blocks, container, head)
    paragraphs = body_paragraphs(article_blocks, title)
    return Article(
        url=canonical_url(url, meta),
        title=title,
        published=_pick_date(meta.dates, head, url, today),
        origin=head.dateline.origin if head.dateline else None,
        paragraphs=tuple(paragraphs),
        language=detect_language(" ".join(paragraphs[:5]), meta.language),
    )


def _container_blocks(blocks: list[Block], container: int | None, head: Head) -> list[Block]:
    """The article's blocks (its container and strong siblings) after its title and date line."""
    members = article_members(blocks, container)
    inside = [i for i, member in enumerate(members) if member]
    if not inside:
        return []
    start = inside[0]
    head_end = start
    if head.title_index is not None or head.dateline_index is not None:
        head_end = head.body_start
        if not start <= head_end <= inside[-1] + 1:
            head_end = start
        elif head.title_index is not None and start <= head.title_index:
            start = head.title_index + 1
        else:
            start = head_end
    # Between the headline and the date line only a lead paragraph is article text;
    # bylines, kickers and reading times are not.
    return [
        blocks[i]
        for i in inside
        if i >= head_end or (start <= i < head_end and i != head.dateline_index and _is_lead(blocks[i].text))
    ]


def _is_lead(text: str) -> bool:
    return len(text) >= _LEAD_CHARS


def _pick_date(meta_dates: list[str], head: Head, url: str, today: date | None) -> date | None:
    """Metadata first, then the page's date line, then the URL; far from the URL's date is doubted."""
    url_date = date_from_url(url)
    if url_date and today and url_date > today + timedelta(days=1):
        url_date = None
    candidates = [parse_meta_date(value) for value in meta_dates]
    if head.dateline:
        candidates.append(head.dateline.published)
    for candidate in candidates:
        if candidate is None or (today is not None and candidate > today + timedelta(days=1)):
            continue
        if url_date is None or abs(candidate - url_date) <= _URL_DATE_TOLERANCE:
            return candidate
    return url_date


def canonical_url(url: str, meta: Meta) -> str:
    """The page's canonical URL when it is a plain URL of the same site, else the fetched URL.

    A canonical link pointing elsewhere, at the site's home page or with credentials in it
    is a template bug or a trick, never the article's identity.
    """
    if meta.canonical:
        candidate = urljoin(url, meta.canonical.strip())
        if is_plain_http_url(candidate) and same_site(candidate, url) and urlsplit(candidate).path not in {"", "/"}:
            return _strip_fragment(candidate)
    return _strip_fragment(url)


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))
