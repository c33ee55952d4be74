"""Diffs computed once per pair of versions and kept, so a digest never recomputes them."""

from __future__ import annotations

from sqlite_utils import Database

from common.diff import ALGORITHM, versions_diff

from .queries import version


def writable(db: Database) -> bool:
    """False for a store opened with open_readonly()."""
    return not db.execute("PRAGMA query_only").fetchone()[0]


def cached_diff(db: Database, old_id: int, new_id: int, algorithm: str) -> str | None:
    """The stored diff (JSON) of two versions under this algorithm, if computed before."""
    row = db.execute(
        "SELECT hunks FROM diffs WHERE old_version_id = ? AND new_version_id = ? AND algorithm = ?",
        [old_id, new_id, algorithm],
    ).fetchone()
    return str(row[0]) if row else None


def save_diff(db: Database, old_id: int, new_id: int, algorithm: str, hunks: str) -> None:
    """Keep a computed diff; nothing happens on a read-only store (it is computed again next time)."""
    if writable(db):
        db.execute(
            "INSERT OR IGNORE INTO diffs (old_version_id, new_version_id, algorithm, hunks) VALUES (?, ?, ?, ?)",
            [old_id, new_id, algorithm, hunks],
        )


def diff_edit(db: Database, event_id: int | None) -> None:
    """Compute an edit's diff as it is recorded and keep it with the two versions it compares,
    so no digest, feed or web page has to compute it (the digest of a busy day stays instant)."""
    if event_id is None:
        return
    row = db.execute("SELECT previous_version_id, version_id FROM events WHERE id = ?", [event_id]).fetchone()
    if row is None or row[0] is None or row[1] is None or cached_diff(db, row[0], row[1], ALGORITHM):
        return
    # An old version's body is kept packed; one that cannot be read back raises (no diff kept).
    before, after = version(db, row[0], strict=True), version(db, row[1], strict=True)
    if before and after:
        save_diff(db, row[0], row[1], ALGORITHM, versions_diff(before, after))
