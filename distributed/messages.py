"""Observations on the wire: one Redis stream entry per observation of a worker's crawl run.

Fields: `run` (the run's token), `seq` (1, 2, ... within the run: the writer applies each
once, in order), `kind` (start, profile, article, file, outcome, finish), `site`, `at` (when
it was observed, UTC ISO), `data` (JSON) and, for a page or a kept file, `raw` (its bytes,
zlib-compressed).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from common.article import Article, Attachment
from crawler.items import ArticleItem, FileItem
from crawler.outcomes import PageOutcome, Verb

STREAM = "newswatch:observations"
KINDS = ("start", "profile", "article", "file", "outcome", "finish")


@dataclass(frozen=True)
class Observation:
    """One decoded stream entry."""

    run: str
    seq: int
    kind: str
    site: str
    at: str
    data: dict[str, Any]
    raw: bytes | None = None

    def fields(self) -> dict[str, bytes | str | int]:
        """The entry's fields for XADD."""
        fields: dict[str, bytes | str | int] = {
            "run": self.run,
            "seq": self.seq,
            "kind": self.kind,
            "site": self.site,
            "at": self.at,
            "data": json.dumps(self.data, ensure_ascii=False),
        }
        if self.raw is not None:
            fields["raw"] = zlib.compress(self.raw, 1)
        return fields

    @classmethod
    def decode(cls, fields: dict[bytes, bytes]) -> Observation:
        """An entry read back from the stream (ValueError when it is not one of ours)."""
        try:
            kind = fields[b"kind"].decode()
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}")
            raw = fields.get(b"raw")
            return cls(
                run=fields[b"run"].decode(),
                seq=int(fields[b"seq"]),
                kind=kind,
                site=fields[b"site"].decode(),
                at=fields[b"at"].decode(),
                data=json.loads(fields[b"data"]),
                raw=zlib.decompress(raw) if raw is not None else None,
            )
        except (KeyError, UnicodeDecodeError, json.JSONDecodeError, zlib.error) as exc:
            raise ValueError(f"not a newswatch observation: {exc}") from exc


def article_data(item: ArticleItem) -> dict[str, Any]:
    """An article item as JSON (its raw page travels apart)."""
    article = item.article
    return {
        "site": item.site,
        "article": {
            "url": article.url,
            "title": article.title,
            "published": article.published.isoformat() if article.published else None,
            "origin": article.origin,
            "paragraphs": list(article.paragraphs),
            "language": article.language,
            "attachments": [a.to_dict() for a in article.attachments],
        },
        "fetched_url": item.fetched_url,
        "content_type": item.content_type,
        "etag": item.etag,
        "last_modified": item.last_modified,
        "key": item.key,
        "aliases": list(item.aliases),
        "extractor": item.extractor,
        "hints": item.hints,
        "fetched_on": item.fetched_on.isoformat() if item.fetched_on else None,
        "link_texts": list(item.link_texts),
    }


def article_item(data: dict[str, Any], raw: bytes) -> ArticleItem:
    """The article item article_data() described, with its raw page."""
    fields = data["article"]
    article = Article(
        url=fields["url"],
        title=fields["title"],
        published=date.fromisoformat(fields["published"]) if fields["published"] else None,
        origin=fields["origin"],
        paragraphs=tuple(fields["paragraphs"]),
        language=fields["language"],
        attachments=tuple(Attachment(a["text"], a["url"]) for a in fields["attachments"]),
    )
    return ArticleItem(
        site=data["site"],
        article=article,
        raw=raw,
        fetched_url=data["fetched_url"],
        content_type=data["content_type"],
        etag=data["etag"],
        last_modified=data["last_modified"],
        key=data["key"],
        aliases=tuple(data["aliases"]),
        extractor=data["extractor"],
        hints=data["hints"],
        fetched_on=date.fromisoformat(data["fetched_on"]) if data["fetched_on"] else None,
        link_texts=tuple(data["link_texts"]),
    )


_FILE_FIELDS = ("site", "article_key", "url", "text", "sha256", "size", "content_type", "etag", "last_modified")


def file_data(item: FileItem) -> dict[str, Any]:
    """A file item as JSON (its bytes, when kept, travel apart)."""
    return {name: getattr(item, name) for name in _FILE_FIELDS}


def file_item(data: dict[str, Any], raw: bytes | None) -> FileItem:
    """The file item file_data() described."""
    return FileItem(**{name: data[name] for name in _FILE_FIELDS}, data=raw)


_OUTCOME_FIELDS = ("url", "key", "status", "reason", "title", "store_error", "file_of")


def outcome_data(outcome: PageOutcome, gone_after: int) -> dict[str, Any]:
    """A page outcome that is not an article (304, miss, failure, skip) as JSON."""
    return {"verb": outcome.verb.value, "gone_after": gone_after, **{n: getattr(outcome, n) for n in _OUTCOME_FIELDS}}


def page_outcome(data: dict[str, Any]) -> PageOutcome:
    """The outcome outcome_data() described."""
    return PageOutcome(Verb(data["verb"]), **{name: data[name] for name in _OUTCOME_FIELDS})
