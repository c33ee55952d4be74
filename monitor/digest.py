"""The digest's content: what was new and what was edited in a time window. Pure of delivery."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from store.queries import events_between, version

from .diff import Hunk, field_diffs

_SENTENCE = re.compile(r"(?<=[.!?。！？])\s*")
_SUMMARY_CHARS = 280


@dataclass
class Item:
    """One article in the digest."""

    site: str
    url: str
    title: str | None
    published: str | None
    origin: str | None
    summary: str
    at: str
    changed_fields: list[str] = field(default_factory=list)
    diff: dict[str, list[Hunk]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; edited items carry changed_fields and diff."""
        out: dict[str, Any] = {
            "site": self.site,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "origin": self.origin,
            "summary": self.summary,
            "at": self.at,
        }
        if self.changed_fields:
            out["changed_fields"] = self.changed_fields
            out["diff"] = {k: [h.to_dict() for h in v] for k, v in self.diff.items()}
        return out


@dataclass
class Digest:
    """New and edited articles of one window."""

    start: str
    end: str
    label: str
    new: list[Item] = field(default_factory=list)
    edited: list[Item] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"new": [...], "edited": [...]} plus the window."""
        return {
            "window": {"start": self.start, "end": self.end, "label": self.label},
            "new": [i.to_dict() for i in self.new],
            "edited": [i.to_dict() for i in self.edited],
        }


def day_window(day: date, tz: ZoneInfo) -> tuple[str, str]:
    """The UTC bounds of a calendar day in a time zone, as the store's ISO strings."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    return _iso(start), _iso(end)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def build_digest(db: Database, start: str, end: str, label: str) -> Digest:
    """Collect the window's new articles and its edits (several edits of one article merge)."""
    digest = Digest(start, end, label)
    events = events_between(db, start, end, kinds=("new", "edited"))
    new_ids = {e["article_id"] for e in events if e["kind"] == "new"}
    first_edit: dict[int, dict[str, Any]] = {}
    last_edit: dict[int, dict[str, Any]] = {}
    for event in events:
        if event["kind"] == "new":
            continue
        if event["article_id"] in new_ids:
            continue  # reported as new, with its latest text
        first_edit.setdefault(event["article_id"], event)
        last_edit[event["article_id"]] = event
    latest_version: dict[int, int] = {}
    for event in events:
        latest_version[event["article_id"]] = event["version_id"]
    for event in events:
        if event["kind"] == "new":
            current = version(db, latest_version[event["article_id"]]) or {}
            digest.new.append(_item(event, current))
    for article_id, first in first_edit.items():
        last = last_edit[article_id]
        before = version(db, first["previous_version_id"]) or {}
        after = version(db, last["version_id"]) or {}
        fields = [f for f in ("title", "published", "origin", "body") if (before.get(f) or "") != (after.get(f) or "")]
        if not fields:
            continue  # edited and reverted within the window
        item = _item(last, after)
        item.changed_fields = fields
        item.diff = field_diffs(before, after, fields)
        digest.edited.append(item)
    return digest


def _item(event: dict[str, Any], current: dict[str, Any]) -> Item:
    return Item(
        site=event["site"],
        url=event["url"],
        title=current.get("title"),
        published=current.get("published"),
        origin=current.get("origin"),
        summary=summary(current.get("body") or ""),
        at=event["at"],
    )


def summary(body: str) -> str:
    """The first sentences of a body, up to about 280 characters."""
    first = body.split("\n\n", 1)[0]
    out = ""
    for sentence in _SENTENCE.split(first):
        if out and len(out) + len(sentence) > _SUMMARY_CHARS:
            break
        out = f"{out} {sentence}".strip() if out and not re.search(r"[。！？]$", out) else out + sentence
    return out[: _SUMMARY_CHARS * 2]


def changed_fields_of(event: dict[str, Any]) -> list[str]:
    """The changed_fields JSON of an event row, as a list."""
    return json.loads(event["changed_fields"] or "[]")
