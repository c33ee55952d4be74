"""Runs crawled on a worker and recorded by the writer: which crawl row each run token is,
and how far the writer got, so an observation applied once is never applied again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database


@dataclass(frozen=True)
class RemoteRun:
    """One worker's run as the writer knows it."""

    token: str
    crawl_id: int
    site: str
    last_seq: int  # the run's observations up to this one are in the store
    profile: dict[str, Any] | None  # the site profile the run read its pages with
    tally: dict[str, Any]  # what the writer counted for it (new, edited, unchanged, store errors)


def remote_run(db: Database, token: str) -> RemoteRun | None:
    """The run with this token, or None before its start was applied."""
    rows = list(db.query("SELECT * FROM remote_runs WHERE token = ?", [token]))
    if not rows:
        return None
    row = rows[0]
    profile = json.loads(row["profile"]) if row["profile"] else None
    return RemoteRun(row["token"], row["crawl_id"], row["site"], row["last_seq"], profile, json.loads(row["tally"]))


def add_remote_run(db: Database, token: str, crawl_id: int, site: str, seq: int, worker: str | None) -> None:
    """Remember a run whose start observation (number seq) opened crawl row crawl_id, and who crawled."""
    db.execute(
        "INSERT INTO remote_runs (token, crawl_id, site, last_seq, worker) VALUES (?, ?, ?, ?, ?)",
        [token, crawl_id, site, seq, worker],
    )


def advance(db: Database, token: str, seq: int, tally: dict[str, Any] | None = None) -> None:
    """Mark observation seq of the run applied (in the transaction that applied it), with the new tally."""
    if tally is None:
        db.execute("UPDATE remote_runs SET last_seq = ? WHERE token = ?", [seq, token])
    else:
        db.execute(
            "UPDATE remote_runs SET last_seq = ?, tally = ? WHERE token = ?",
            [seq, json.dumps(tally, ensure_ascii=False), token],
        )


def set_run_profile(db: Database, token: str, profile: dict[str, Any]) -> None:
    """The site profile the run reads its pages with from now on."""
    db.execute("UPDATE remote_runs SET profile = ? WHERE token = ?", [json.dumps(profile, ensure_ascii=False), token])
