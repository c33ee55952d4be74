"""Deliver one composed digest everywhere it goes: files, the feed, email, notifications."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from crawler.config import Config
from store.db import write
from store.notifications import record_notification
from store.queries import record_digest

from .compose import Window
from .delivery import DeliveryError, EmailDelivery, FeedDelivery, FileDelivery
from .digest import Digest, iso
from .feed import build_feed
from .notify import Sent, send, summary_message

logger = logging.getLogger(__name__)


@dataclass
class Published:
    """What delivering a digest did: files written, notifications sent, problems met."""

    paths: list[Path] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: bool = False


def publish_digest(db: Database, config: Config, digest: Digest, window: Window, folder: Path, now: datetime,
                   stamp: str) -> Published:  # fmt: skip
    """Write the Markdown/HTML files and the feed, email and notify, and remember the window.

    With [monitor] skip_empty, a digest with nothing to report is neither written nor sent
    (its window is still remembered, so the next digest starts after it).
    """
    done = Published()
    monitor = config.monitor
    if monitor.skip_empty and digest.is_empty:
        done.skipped = True
    else:
        try:
            done.paths = FileDelivery(folder).deliver(digest, stamp)
            done.paths.append(FeedDelivery(folder / "feed.atom").deliver(build_feed(db, config)))
        except (DeliveryError, ValueError) as exc:  # ValueError: text the feed's XML cannot hold
            done.errors.append(str(exc))
        if monitor.email is not None:
            # Kept with the notifications, so a digest that could not be mailed is under
            # "needs attention" until one is (its window is covered: the files hold it).
            target = f"email to {', '.join(monitor.email.to)}"
            try:
                EmailDelivery(monitor.email).deliver(digest)
                record_notification(db, iso(now), target, True, 1, None)
            except DeliveryError as exc:
                done.errors.append(str(exc))
                record_notification(db, iso(now), target, False, 1, str(exc))
        if monitor.notify:
            link = f"{monitor.base_url}/digest" if monitor.base_url else _file_link(done.paths)
            done.sent = send(monitor.notify, *summary_message(digest, link))
            for sent in done.sent:
                record_notification(db, iso(now), sent.target, sent.ok, sent.tries, sent.error)
            done.errors += [f"notify {s.target}: {s.error}" for s in done.sent if not s.ok]
    first = str(done.paths[0]) if done.paths else ""
    # What it covered ends now at the latest: today's digest delivered at 10:00 does not cover
    # the rest of the day, which the next digest must still report.
    end = min(window.end, iso(now))
    with write(db):
        record_digest(db, window.start, end, iso(now), len(digest.new), len(digest.edited), first, digest.events_upto)
    for error in done.errors:
        logger.error("digest: %s", error)
    return done


def _file_link(paths: list[Path]) -> str | None:
    html = [p for p in paths if p.name == "latest.html"]
    return html[0].resolve().as_uri() if html else None
