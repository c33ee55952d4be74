"""The digest's content: what was new, edited, gone or back in a time window. Pure of delivery."""

from __future__ import annotations

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
    watch: list[str] = field(default_factory=list)  # watchlist keywords it mentions
    version_id: int | None = None
    body: str = field(default="", repr=False)

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
        if self.watch:
            out["watch"] = self.watch
        return out


@dataclass
class Digest:
    """New, edited, gone and returned articles of one window, and what needs attention."""

    start: str
    end: str
    label: str
    new: list[Item] = field(default_factory=list)
    edited: list[Item] = field(default_factory=list)
    gone: list[Item] = field(default_factory=list)
    back: list[Item] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"new": [...], "edited": [...], ...} plus the window."""
        return {
            "window": {"start": self.start, "end": self.end, "label": self.label},
            "new": [i.to_dict() for i in self.new],
            "edited": [i.to_dict() for i in self.edited],
            "gone": [i.to_dict() for i in self.gone],
            "back": [i.to_dict() for i in self.back],
            "needs_attention": self.attention,
        }

    def apply_watchlist(self, keywords: list[str]) -> None:
        """Mark items that mention a keyword (title or body) and list them first in each section."""
        if not keywords:
            return
        for items in (self.new, self.edited):
            for item in items:
                text = f"{item.title or ''}\n{item.body}".casefold()
                item.watch = [k for k in keywords if k.casefold() in text]
            items.sort(key=lambda i: not i.watch)


def day_window(day: date, tz: ZoneInfo) -> tuple[str, str]:
    """The UTC bounds of a calendar day in a time zone, as the store's ISO strings."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    return iso(start), iso(end)


def iso(moment: datetime) -> str:
    """A moment as the store writes it (UTC, milliseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def build_digest(db: Database, start: str, end: str, label: str) -> Digest:
    """Collect the window's events; an article new in the window is not also listed as edited."""
    digest = Digest(start, end, label)
    for event in events_between(db, start, end, kinds=("gone", "back")):
        item = _item(event, version(db, event["version_id"]) or {})
        (digest.gone if event["kind"] == "gone" else digest.back).append(item)
    events = events_between(db, start, end, kinds=("new", "edited"))
    new_ids = {e["article_id"] for e in events if e["kind"] == "new"}
    latest_version = {e["article_id"]: e["version_id"] for e in events}
    first_edit: dict[int, dict[str, Any]] = {}
    last_edit: dict[int, dict[str, Any]] = {}
    for event in events:
        if event["kind"] == "new":
            digest.new.append(_item(event, version(db, latest_version[event["article_id"]]) or {}))
        elif event["article_id"] not in new_ids:
            first_edit.setdefault(event["article_id"], event)
            last_edit[event["article_id"]] = event
    for article_id, first in first_edit.items():
        edited = _edited_item(db, first, last_edit[article_id])
        if edited is not None:
            digest.edited.append(edited)
    return digest


def _edited_item(db: Database, first: dict[str, Any], last: dict[str, Any]) -> Item | None:
    """Several edits in one window merge into one diff; an edit reverted in the window is none."""
    before = version(db, first["previous_version_id"]) or {}
    after = version(db, last["version_id"]) or {}
    fields = [f for f in ("title", "published", "origin", "body") if (before.get(f) or "") != (after.get(f) or "")]
    if not fields:
        return None
    item = _item(last, after)
    item.changed_fields = fields
    item.diff = field_diffs(before, after, fields)
    return item


def _item(event: dict[str, Any], current: dict[str, Any]) -> Item:
    return Item(
        site=event["site"],
        url=event["url"],
        title=current.get("title"),
        published=current.get("published"),
        origin=current.get("origin"),
        summary=summary(current.get("body") or ""),
        at=event["at"],
        version_id=current.get("id"),
        body=current.get("body") or "",
    )


def summary(body: str) -> str:
    """The first sentences of a body, up to about 280 characters."""
    paragraphs = body.split("\n\n")
    first = paragraphs[0]
    for more in paragraphs[1:]:
        if len(first) >= 80:
            break
        first = f"{first} {more}"  # "Dear customers," alone says nothing
    out = ""
    for sentence in _SENTENCE.split(first):
        if out and len(out) + len(sentence) > _SUMMARY_CHARS:
            break
        out = f"{out} {sentence}".strip() if out and not re.search(r"[。！？]$", out) else out + sentence
    return out[: _SUMMARY_CHARS * 2]
