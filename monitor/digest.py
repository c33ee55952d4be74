"""The digest's content: what was new, edited, gone or back in a time window. Pure of delivery.

A site's first crawl is a baseline: its articles are counted ("started watching, 127
articles"), not listed one by one, unless they were published within `new_window_days` of
that crawl. New and edited items are grouped by site (registry order) and newest first
inside each group, watchlist matches first; every format renders this one order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from common.diff import ALGORITHM, DIFF_FIELDS, Hunk, field_diffs, versions_diff
from store.diffs import cached_diff, save_diff
from store.queries import baselines, event_rows, newest_event_id, version

from .attachments import AttachmentChange, attachment_changes

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
    article_id: int | None = None
    previous_version_id: int | None = None  # an edit: the version before the window's edits
    language: str | None = None
    attachments: list[AttachmentChange] = field(default_factory=list)  # documents added, removed, replaced
    unreadable: list[str] = field(default_factory=list)  # an edit whose texts cannot all be read: why

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; edited items carry changed_fields and diff."""
        out: dict[str, Any] = {
            "site": self.site,
            "url": self.url,
            "title": self.title,
            "published": self.published,
            "origin": self.origin,
            "language": self.language,
            "summary": self.summary,
            "at": self.at,
            "article_id": self.article_id,
            "version_id": self.version_id,
        }
        if self.changed_fields:
            out["changed_fields"] = self.changed_fields
            out["previous_version_id"] = self.previous_version_id
            out["diff"] = {k: [h.to_dict() for h in v] for k, v in self.diff.items()}
            out["attachments"] = [change.to_dict() for change in self.attachments]
            if self.unreadable:
                out["unreadable"] = self.unreadable
        if self.watch:
            out["watch"] = self.watch
        return out


@dataclass(frozen=True)
class Baseline:
    """Articles recorded by a site's first crawl(s) in the window, counted but not listed."""

    site: str
    articles: int


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
    baselines: list[Baseline] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # site name -> display name, in registry order
    base_url: str | None = None  # where `newswatch serve` is reached: items link to its pages
    events_upto: int = 0  # the newest event it read: a later one is the next digest's

    def title_of(self, site: str) -> str:
        """The site's display name."""
        return self.titles.get(site) or site

    def groups(self, items: list[Item]) -> list[tuple[str, list[Item]]]:
        """Items by site, in registry order (then by name); the items keep their order."""
        order = {name: i for i, name in enumerate(self.titles)}
        sites = sorted({i.site for i in items}, key=lambda s: (order.get(s, len(order)), s))
        return [(site, [i for i in items if i.site == site]) for site in sites]

    def arrange(self) -> None:
        """Put every list in the one order all formats show: by site, watchlist first, newest first."""
        order = {name: i for i, name in enumerate(self.titles)}
        for items, newest in ((self.new, _newest_new), (self.edited, _newest_at), (self.gone, _newest_at),
                              (self.back, _newest_at)):  # fmt: skip
            items.sort(key=newest)
            items.sort(key=lambda i: (order.get(i.site, len(order)), i.site, not i.watch))
        self.baselines.sort(key=lambda b: (order.get(b.site, len(order)), b.site))

    def page_url(self, item: Item) -> str | None:
        """The web view's page for the item (its diff, for an edit), when [monitor] base_url is set."""
        if not self.base_url or item.article_id is None:
            return None
        page = f"{self.base_url}/article/{item.article_id}"
        if item.changed_fields and item.previous_version_id and item.version_id:
            return f"{page}/diff?a={item.previous_version_id}&b={item.version_id}"
        return page

    @property
    def is_empty(self) -> bool:
        """Nothing to report at all (no item, baseline or attention note)."""
        return not (self.new or self.edited or self.gone or self.back or self.attention or self.baselines)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"new": [...], "edited": [...], ...} plus the window."""
        return {
            "window": {"start": self.start, "end": self.end, "label": self.label},
            "sites": self.titles,
            "started_watching": [{"site": b.site, "articles": b.articles} for b in self.baselines],
            "new": [i.to_dict() for i in self.new],
            "edited": [i.to_dict() for i in self.edited],
            "gone": [i.to_dict() for i in self.gone],
            "back": [i.to_dict() for i in self.back],
            "needs_attention": self.attention,
        }

    def apply_watchlist(self, keywords: list[str]) -> None:
        """Mark items that mention a keyword (title or body) and list them first in each site."""
        for items in (self.new, self.edited):
            for item in items:
                text = f"{item.title or ''}\n{item.body}".casefold()
                item.watch = [k for k in keywords if k.casefold() in text]
        self.arrange()


def _newest_new(item: Item) -> tuple[str, str]:
    return _desc(item.published or item.at[:10]), _desc(item.at)


def _newest_at(item: Item) -> tuple[str, str]:
    return _desc(item.at), ""


def _desc(text: str) -> str:
    # Sorting ascending on this sorts the ISO strings descending.
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def day_window(day: date, tz: ZoneInfo) -> tuple[str, str]:
    """The UTC bounds of a calendar day in a time zone, as the store's ISO strings."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    return iso(start), iso(end)


def iso(moment: datetime) -> str:
    """A moment as the store writes it (UTC, milliseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def build_digest(
    db: Database, start: str, end: str, label: str, new_window_days: float = 3.0, late_after: int | None = None
) -> Digest:
    """Collect the window's events; an article new in the window is not also listed as edited.

    late_after: the newest event the previous digest had read; events stamped before this
    window that committed after it (see store.db.m014_digest_events_upto) are listed here.
    """
    digest = Digest(start, end, label, events_upto=newest_event_id(db))
    events = event_rows(db, start, end, digest.events_upto, late_after)
    is_baseline = _baseline_test(db, new_window_days)
    counted: dict[str, int] = {}
    listed_new: set[int] = set()
    latest = {e["article_id"]: e["version_id"] for e in events if e["kind"] in ("new", "edited")}
    edits: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        kind, article_id = event["kind"], event["article_id"]
        if kind in ("gone", "back"):
            (digest.gone if kind == "gone" else digest.back).append(_item(event, version(db, event["version_id"])))
        elif kind == "new" and is_baseline(event):
            counted[event["site"]] = counted.get(event["site"], 0) + 1
        elif kind == "new":
            listed_new.add(article_id)
            digest.new.append(_item(event, version(db, latest[article_id])))  # with its latest text
        else:
            edits.setdefault(article_id, []).append(event)
    for article_id, article_edits in edits.items():
        if article_id not in listed_new:
            edited = _edited_item(db, article_edits)
            if edited is not None:
                digest.edited.append(edited)
    digest.baselines = [Baseline(site, n) for site, n in counted.items()]
    digest.arrange()
    return digest


def _baseline_test(db: Database, new_window_days: float) -> Any:
    """Whether a `new` event belongs to its site's baseline and is too old to list as new."""
    sites = baselines(db)

    def test(event: dict[str, Any]) -> bool:
        base = sites.get(event["site"])
        if base is None or event["crawl_id"] is None or event["crawl_id"] > base["upto"]:
            return False
        row = version(db, event["version_id"]) or {}
        # the same rule as store.queries.feed_events, in SQL
        since = (datetime.fromisoformat(base["started"]) - timedelta(days=new_window_days)).date().isoformat()
        return not (row.get("published") and row["published"][:10] >= since)

    return test


def _edited_item(db: Database, edits: list[dict[str, Any]]) -> Item | None:
    """Several edits in one window merge into one diff; an edit reverted in the window is none.

    A replaced document (an edit that changed no field of the page) is listed with its sizes.
    """
    first, last = edits[0], edits[-1]
    before = version(db, first["previous_version_id"]) or {}
    after = version(db, last["version_id"]) or {}
    fields = [f for f in DIFF_FIELDS if (before.get(f) or "") != (after.get(f) or "")]
    documents = attachment_changes(before, after, edits)
    if not fields and not documents:
        return None
    item = _item(last, after)
    item.attachments = documents
    item.changed_fields = fields + (["attachments"] if documents else [])
    item.previous_version_id = before.get("id")
    item.diff = stored_diffs(db, before, after, fields)
    item.unreadable = unreadable(before, after)
    return item


def unreadable(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Why an edit's body has no diff: the versions whose stored text cannot be read."""
    return [
        f"the text of v{v.get('id')} cannot be read from the store ({v['body_error']})"
        for v in (before, after)
        if v.get("body_error")
    ]


def stored_diffs(
    db: Database, before: dict[str, Any], after: dict[str, Any], fields: list[str]
) -> dict[str, list[Hunk]]:
    """The diff of two versions, computed once and kept in the store (when it is writable)."""
    if not before.get("id") or not after.get("id"):
        return field_diffs(before, after, fields)
    cached = cached_diff(db, before["id"], after["id"], ALGORITHM)
    if cached is not None:
        data = json.loads(cached)
        return {name: [Hunk.from_dict(h) for h in data[name]] for name in fields if name in data}
    text = versions_diff(before, after)
    if unreadable(before, after):  # an unreadable body reads as "": its diff is neither kept nor shown
        fields = [name for name in fields if name != "body"]
    else:
        save_diff(db, before["id"], after["id"], ALGORITHM, text)
    data = json.loads(text)
    return {name: [Hunk.from_dict(h) for h in data[name]] for name in fields}


def _item(event: dict[str, Any], current: dict[str, Any] | None) -> Item:
    current = current or {}
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
        article_id=event["article_id"],
        language=current.get("language"),
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
