"""Structured metadata: JSON-LD, OpenGraph, <meta> tags, <time>, <title>, canonical link."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .blocks import clean_text

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "blogposting",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "report",
    "webpage",
    "liveblogposting",
    "socialmediaposting",
    "scholarlyarticle",
    "techarticle",
}
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish_date",
    "publish-date",
    "dc.date.issued",
    "dcterms.date",
    "dc.date",
    "dcterms.created",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "published_time",
    "og:published_time",
    "publication_date",
    "cxenseparse:recs:publishtime",
    "release_date",
    "originalpublicationdate",
)


@dataclass
class Meta:
    """What a page says about itself outside its visible text."""

    title_tag: str | None = None
    headlines: list[str] = field(default_factory=list)  # og:title, JSON-LD headline, …
    ld_headlines: list[str] = field(default_factory=list)  # JSON-LD headline of an Article
    dates: list[str] = field(default_factory=list)  # most trusted first
    canonical: str | None = None
    language: str | None = None
    site_name: str | None = None  # og:site_name or application-name: the site, never a headline


_WANTED = ("title", "meta", "link", "script", "time")


def _scan(root: etree._Element) -> dict[str, list[etree._Element]]:
    """The metadata elements of a page, by name, in one walk of the tree (in C, by lxml)."""
    found: dict[str, list[etree._Element]] = {name: [] for name in _WANTED}
    for element in root.iter(*_WANTED):
        found[element.tag].append(element)
    return found


def read_meta(root: etree._Element) -> Meta:
    """Collect a page's metadata before any cleaning touches the tree."""
    meta = Meta()
    found = _scan(root)
    if found["title"]:
        meta.title_tag = clean_text(_own_text(found["title"][0])) or None
    tags = _meta_tags(found["meta"])
    for item in _json_ld_articles(found["script"]):
        _take_json_ld(meta, item)
    for key in ("og:title", "twitter:title", "title", "dc.title"):
        if tags.get(key):
            meta.headlines.append(_text(tags[key]))
    meta.dates += [tags[k] for k in _DATE_KEYS if tags.get(k)]
    site_name = tags.get("og:site_name") or tags.get("application-name")
    meta.site_name = _text(site_name) if site_name else None
    for time in found["time"][:5]:
        value = time.get("datetime")
        if value:
            meta.dates.append(value)
    meta.canonical = meta.canonical or _canonical(found["link"]) or tags.get("og:url")
    html = root if root.tag == "html" else next(root.iter("html"), None)
    lang = html.get("lang") if html is not None else None
    meta.language = lang or tags.get("content-language") or tags.get("og:locale")
    return meta


def _own_text(element: etree._Element) -> str:
    """The text of an element and its descendants, comments left out."""
    return "".join(element.itertext()) if len(element) else element.text or ""


def _text(value: str) -> str:
    # Publishers often escape twice ("&amp;#8216;"): the parser undoes one level.
    return clean_text(html.unescape(value))


def _meta_tags(elements: list[etree._Element]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for tag in elements:
        key = tag.get("property") or tag.get("name") or tag.get("itemprop") or tag.get("http-equiv")
        content = tag.get("content")
        if key is not None and content is not None:
            tags.setdefault(key.strip().lower(), content.strip())
    return tags


def _canonical(links: list[etree._Element]) -> str | None:
    for link in links:
        rel = link.get("rel")
        href = link.get("href")
        if rel is not None and "canonical" in rel.lower().split() and href is not None:
            return href
    return None


def _json_ld_articles(scripts: list[etree._Element]) -> Iterator[dict[str, Any]]:
    for script in scripts:
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the page's other signals remain
        yield from _walk_json(data, depth=0)


def _walk_json(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_json(item, depth + 1)
    elif isinstance(data, dict):
        kind = data.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
            yield data
        for key in ("@graph", "mainEntity"):
            if key in data:
                yield from _walk_json(data[key], depth + 1)


def _take_json_ld(meta: Meta, item: dict[str, Any]) -> None:
    kind = item.get("@type")
    is_webpage = isinstance(kind, str) and kind.lower() == "webpage"
    headline = item.get("headline")
    if isinstance(headline, str) and headline.strip() and not is_webpage:
        meta.headlines.append(_text(headline))
        meta.ld_headlines.append(_text(headline))
    published = item.get("datePublished")
    if isinstance(published, str) and published.strip():
        # An Article's own date outranks the page-level WebPage's.
        meta.dates.insert(0 if not is_webpage else len(meta.dates), published)
    lang = item.get("inLanguage")
    if isinstance(lang, str) and not meta.language:
        meta.language = lang
