"""An Atom feed of new and edited articles: every version is its own entry, so readers show edits."""

from __future__ import annotations

import json
from datetime import datetime

from feedgen.feed import FeedGenerator
from sqlite_utils import Database

from store.queries import recent_version_events

from .digest import summary

FEED_ENTRIES = 200


def build_feed(db: Database, feed_id: str, limit: int = FEED_ENTRIES) -> bytes:
    """Atom XML of the newest new/edited versions (feedgen escapes every string)."""
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title("newswatch: new and edited articles")
    fg.subtitle("Each version of an article is its own entry.")
    fg.link(href=feed_id, rel="self")
    fg.language("en")
    events = recent_version_events(db, limit)
    fg.updated(
        datetime.fromisoformat(events[0]["at"]) if events else datetime.fromisoformat("2000-01-01T00:00:00+00:00")
    )
    for event in reversed(events):  # feedgen puts the last added entry first
        entry = fg.add_entry()
        entry.id(f"{feed_id}#{event['article_id']}/v{event['version_id']}")
        verb = "Edited" if event["kind"] == "edited" else "New"
        entry.title(f"{verb}: {event['title'] or event['url']}")
        if event["url"].startswith(("http://", "https://")):
            entry.link(href=event["url"])
        entry.updated(datetime.fromisoformat(event["at"]))
        changed = json.loads(event["changed_fields"] or "[]")
        note = f"[{event['site']}] changed: {', '.join(changed)}. " if changed else f"[{event['site']}] "
        entry.summary(note + summary(event["body"] or ""))
        entry.content(event["body"] or "", type="text")
    return fg.atom_str(pretty=True)
