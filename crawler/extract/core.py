"""extract(): page bytes in, Article out. No network, no database, no clock."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit, urlunsplit

from common.urls import is_plain_http_url, same_site

from .article import Article
from .attachments import attachments_of
from .blocks import Block
from .body import article_blocks, body_blocks
from .container import article_members
from .dates import DateLine, date_from_url, parse_meta_date
from .decode import decode
from .headline import Evidence, text_start
from .hints import PageHints, SiteProfile, applied_hints, fold, hints_key
from .html import blocks_of, parse
from .language import detect_language
from .layout import Head, find_dateline, head_datelines, plain_head, signed_date
from .meta import Meta, read_meta
from .text import text_blocks
from .title import Refs, choose_title, read_refs, ref_segments, template_names, title_segments

_HTML_SNIFF = re.compile(r"<\s*(?:!doctype|html|head|body|div|p|table|meta|title)\b", re.I)
_SURROGATES = re.compile("[\ud800-\udfff]")
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")
# Metadata and page dates further than this from the URL's own date are not believed.
_URL_DATE_TOLERANCE = timedelta(days=7)


def extract(
    page: bytes | str,
    url: str,
    content_type: str | None = None,
    today: date | None = None,
    hints: PageHints | None = None,
) -> Article:
    """Read one page into an Article; a page with no article gives an empty body.

    today, when given, is the day the page was fetched: a publication date after it is
    not believed (the core itself reads no clock). hints carry what the site says about
    the page (listing link texts, the site profile); without them the page alone decides.
    """
    return extract_keyed(page, url, content_type, today, hints)[0]


def extract_keyed(
    page: bytes | str,
    url: str,
    content_type: str | None = None,
    today: date | None = None,
    hints: PageHints | None = None,
) -> tuple[Article, str]:
    """The Article and the `hints_key` of the part of the hints that applied to this page.

    Two extractions of the same page with the same extractor version and the same key give
    the same Article, so a store compares like with like.
    """
    text = page_text(page, content_type)
    if text is None:
        return Article(url=_strip_fragment(url)), ""
    if is_plain_page(text, content_type):
        return _extract_plain(text, url, today, hints)
    return _extract_html(text, url, today, hints)


def hints_for_page(
    page: bytes | str, url: str, content_type: str | None = None, hints: PageHints | None = None
) -> PageHints | None:
    """The part of the hints that applies to this page: what `extract_keyed` keys the article on."""
    text = page_text(page, content_type)
    if text is None or not hints:
        return None
    if is_plain_page(text, content_type):
        return applied_hints(hints, [b.text for b in text_blocks(text)])
    root = parse(text)
    return applied_hints(hints, _page_texts(blocks_of(root), read_meta(root)))


def page_text(page: bytes | str, content_type: str | None = None) -> str | None:
    """The page decoded to text, or None for bytes that are no text at all."""
    text = page if isinstance(page, str) else decode(page, content_type)
    if _looks_binary(text):
        return None
    # NULs, and lone surrogates (utf-7 and the like can decode to them) that no parser can encode.
    return _SURROGATES.sub("\ufffd", text.replace("\x00", ""))


def is_plain_page(text: str, content_type: str | None) -> bool:
    """True for a text/plain page or text without any HTML markup."""
    if content_type and "text/plain" in content_type.lower():
        return True
    return _HTML_SNIFF.search(text[:4096]) is None


def _looks_binary(text: str) -> bool:
    """True for bytes that are no text at all (an image, a truncated gzip, garbage)."""
    sample = text[:20_000]
    if not sample:
        return False
    bad = len(_BINARY.findall(sample))
    return bad / len(sample) > 0.02


def _extract_plain(text: str, url: str, today: date | None, hints: PageHints | None) -> tuple[Article, str]:
    blocks = text_blocks(text)
    applied = applied_hints(hints, [b.text for b in blocks])
    profile = applied.profile if applied else None
    datelines = head_datelines(blocks)
    evidence = Evidence(
        link_texts=applied.link_texts if applied else (),
        not_headlines=_site_names(profile, None, datelines.values()),
        datelines=frozenset(datelines),
    )
    head = plain_head(blocks, evidence)
    title = blocks[head.title_index].text if head.title_index is not None else None
    kept = body_blocks(blocks[head.body_start :], title, _site_lines(profile))
    paragraphs = [b.text for b in kept]
    article = Article(
        url=_strip_fragment(url),
        title=title,
        published=_pick_date([], head, url, today, kept),
        origin=head.dateline.origin if head.dateline else None,
        paragraphs=tuple(paragraphs),
        language=detect_language(" ".join(paragraphs[:5]), None),
    )
    return article, hints_key(applied)


def _extract_html(text: str, url: str, today: date | None, hints: PageHints | None) -> tuple[Article, str]:
    root = parse(text)
    meta = read_meta(root)
    blocks = blocks_of(root)
    applied = applied_hints(hints, _page_texts(blocks, meta))
    profile = applied.profile if applied else None
    members = article_members(blocks)
    evidence, refs = _title_evidence(blocks, meta, url, applied, members)
    title, title_index = choose_title(blocks, meta, refs, evidence)
    dated = find_dateline(blocks, title_index)
    head = Head(title_index, dated[0] if dated else None, dated[1] if dated else None)
    kept = body_blocks(article_blocks(blocks, members, head), title, _site_lines(profile))
    paragraphs = [b.text for b in kept]
    article = Article(
        url=canonical_url(url, meta),
        title=title,
        published=_pick_date(meta.dates, head, url, today, kept),
        origin=head.dateline.origin if head.dateline else None,
        paragraphs=tuple(paragraphs),
        language=detect_language(" ".join(paragraphs[:5]), meta.language),
        attachments=attachments_of(kept, url),
    )
    return article, hints_key(applied)


def _page_texts(blocks: list[Block], meta: Meta) -> list[str]:
    """Every text of the page that hints are compared with."""
    titles = [t for t in [meta.title_tag, *meta.headlines] if t]
    return [b.text for b in blocks] + titles + title_segments(titles) + ([meta.site_name] if meta.site_name else [])


def _title_evidence(
    blocks: list[Block], meta: Meta, url: str, hints: PageHints | None, members: list[bool]
) -> tuple[Evidence, Refs]:
    datelines = head_datelines(blocks)
    profile = hints.profile if hints else None
    names = _site_names(profile, meta, datelines.values())
    start = next((i for i, member in enumerate(members) if member), None)
    refs = read_refs(meta, names, url)
    evidence = Evidence(
        refs=tuple(fold(r) for r in refs.all),
        segments=tuple(fold(s) for s in ref_segments(refs, names, url)),
        link_texts=hints.link_texts if hints else (),
        not_headlines=names,
        datelines=frozenset(datelines),
        container_start=start,
        text_start=text_start(blocks, start),
    )
    return evidence, refs


def _site_names(profile: SiteProfile | None, meta: Meta | None, datelines: Iterable[DateLine]) -> frozenset[str]:
    """Texts that name the site or repeat on all its pages: never the headline."""
    names = {fold(d.origin) for d in datelines if d.origin}
    if meta is not None:
        names |= template_names(meta.title_tag)
        if meta.site_name:
            names.add(fold(meta.site_name))
    if profile:
        names |= {fold(v) for v in (*profile.site_names, *profile.site_titles, *profile.repeated_lines)}
    return frozenset(n for n in names if n)


def _site_lines(profile: SiteProfile | None) -> frozenset[str]:
    return frozenset(fold(line) for line in profile.repeated_lines) if profile else frozenset()


def _pick_date(
    meta_dates: list[str], head: Head, url: str, today: date | None, body: Sequence[Block] = ()
) -> date | None:
    """Metadata first, then the page's date line, then the URL, then a notice's signed date.

    A date far from the URL's date is doubted, and one after `today` is not believed.
    """
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
    if url_date is None:
        signed = signed_date(body)
        if signed is not None and (today is None or signed <= today + timedelta(days=1)):
            return signed
    return url_date


def canonical_url(url: str, meta: Meta) -> str:
    """The page's canonical URL when it is a plain URL of the same site, else the fetched URL.

    A canonical link pointing elsewhere, at the site's home page or with credentials in it
    is a template bug or a trick, never the article's identity.
    """
    if meta.canonical:
        try:
            candidate = urljoin(url, meta.canonical.strip())
        except ValueError:  # `//[site_url]/a.html`: not a URL
            return _strip_fragment(url)
        if is_plain_http_url(candidate) and same_site(candidate, url) and urlsplit(candidate).path not in {"", "/"}:
            return _strip_fragment(candidate)
    return _strip_fragment(url)


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(fragment=""))
