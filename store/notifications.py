"""Every attempt to send a notification, so a failed one is reported until one succeeds."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from .db import write


def record_notification(db: Database, at: str, target: str, ok: bool, tries: int, error: str | None) -> None:
    """Note one notification sent (or not) to a target, after its tries."""
    with write(db):
        db.execute(
            "INSERT INTO notifications (at, target, ok, tries, error) VALUES (?, ?, ?, ?, ?)",
            [at, target, int(ok), tries, error],
        )


def failing_notifications(db: Database) -> list[dict[str, Any]]:
    """Targets whose last notification failed, with that attempt."""
    return list(
        db.query(
            """SELECT n.* FROM notifications n
               JOIN (SELECT target, max(id) AS id FROM notifications GROUP BY target) last ON last.id = n.id
               WHERE n.ok = 0 ORDER BY n.id"""
        )
    )
