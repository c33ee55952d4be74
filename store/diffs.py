"""Diffs computed once per pair of versions and kept, so a digest never recomputes them."""

from __future__ import annotations

from sqlite_utils import Database


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
