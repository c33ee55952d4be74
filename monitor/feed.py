"""An Atom feed of new, edited, gone and returned articles: every event its own entry, so readers show edits."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape

from feedgen.feed import FeedGenerator
from sqlite_utils import Database

from crawler.config import Config
from store.queries import feed_events, version

from .digest import DIFF_FIELDS, stored_diffs, summary, unreadable
from .html import change_html, safe_link
from .render import printable

FEED_ENTRIES = 200
_VERBS = {"new": "New", "edited": "Edited", "gone": "Gone", "back": "Back"}


def self_url(config: Config) -> str | None:
    """Where the feed itself is fetched: feed_url if it is a URL, else the web view's /feed.atom."""
    feed_url = config.monitor.feed_url
    if feed_url.startswith(("http://", "https://")):
        return feed_url
    return f"{config.monitor.base_url}/feed.atom" if config.monitor.base_url else None


def build_feed(db: Database, config: Config, limit: int = FEED_ENTRIES) -> bytes:
    """Atom XML of the newest events (feedgen escapes every string); ids are unique per event."""
    monitor = config.monitor
    titles = {s.name: s.display_name for s in config.sites}
    fg = FeedGenerator()
    fg.id(monitor.feed_url)
    fg.title("newswatch: new and edited articles")
    fg.subtitle("Each new article, edit, removal and return is its own entry.")
    fg.author({"name": "newswatch"})
    if url := self_url(config):
        fg.link(href=url, rel="self", type="application/atom+xml")
    if monitor.base_url:
        fg.link(href=f"{monitor.base_url}/", rel="alternate", type="text/html")
    fg.language("en")
    events = feed_events(db, limit, monitor.new_window_days)
    fg.updated(datetime.fromisoformat(events[0]["at"] if events else "2000-01-01T00:00:00+00:00"))
    for event in reversed(events):  # feedgen puts the last added entry first
        entry = fg.add_entry()
        # One id per event, not per version: a revert to an earlier text is a new entry too.
        entry.id(f"{monitor.feed_url}#event-{event['event_id']}")
        # XML takes no control characters: a page's `&#1;` must not stop every later feed.
        entry.title(printable(f"{_VERBS[event['kind']]}: {event['title'] or event['url']}"))
        page = f"{monitor.base_url}/article/{event['article_id']}" if monitor.base_url else None
        if page and event["kind"] == "edited" and event["previous_version_id"]:
            page += f"/diff?a={event['previous_version_id']}&b={event['version_id']}"
        # One link (the alternate): feedgen 1.0 writes no rel on entry links, so a second one
        # would be a second alternate, which Atom forbids. The original page is in the content.
        href = page or event["url"]
        if href.startswith(("http://", "https://")):
            entry.link(href=href)
        entry.updated(datetime.fromisoformat(event["at"]))
        entry.category(term=event["site"], label=titles.get(event["site"], event["site"]))
        entry.summary(printable(summary(event["body"] or "")))
        entry.content(printable(_content(db, event)), type="html")
    return bytes(fg.atom_str(pretty=True))


def _content(db: Database, event: dict) -> str:  # type: ignore[type-arg]
    """The entry's HTML: the changes of an edit, else the article's text."""
    original = safe_link(event["url"], "original page")
    site = f"<p>[{escape(event['site'])}] {escape(event['published'] or '')} · {original}</p>"
    if event["kind"] == "edited":
        before, after = version(db, event["previous_version_id"]) or {}, version(db, event["version_id"]) or {}
        fields = [f for f in DIFF_FIELDS if (before.get(f) or "") != (after.get(f) or "")]
        changes = "".join(change_html(n, h) for n, hs in stored_diffs(db, before, after, fields).items() for h in hs)
        changes += "".join(f"<p>body: {escape(note)}</p>" for note in unreadable(before, after))
        return site + f"<p>changed: {escape(', '.join(json.loads(event['changed_fields'] or '[]')))}</p>" + changes
    if event["kind"] in ("gone", "back"):
        verb = "no longer answers (404/410)" if event["kind"] == "gone" else "answers again"
        return site + f"<p>{safe_link(event['url'], escape(event['url']))} {verb}.</p>"
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in (event["body"] or "").split("\n\n"))
    return site + paragraphs
