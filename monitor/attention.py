"""What needs a person's attention: sites failing run after run, and extraction drift."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from store.notifications import failing_notifications
from store.queries import (
    FAILED_STATUSES,
    NEUTRAL_STATUSES,
    failure_reasons,
    failures_in_a_row,
    recent_crawls,
    versions_with_fields,
)

FAILING_RUNS = 3
# Drift: the newest versions lack a field that most earlier versions of the site had.
_RECENT, _EARLIER = 5, 20


def needs_attention(db: Database, sites: Sequence[str], failing_runs: int = FAILING_RUNS) -> list[str]:
    """One sentence per problem, naming the site, the real reason and what to check."""
    notes: list[str] = []
    for site in sites:
        runs = recent_crawls(db, site, limit=max(10, failing_runs))
        notes += _failing(site, runs, failing_runs)
        if runs and runs[0]["pages"] == 0:
            empty = [r for r in failure_reasons(db, runs[0]["id"]) if r.startswith("no article")]
            if empty:
                notes.append(
                    f"{site}: the last crawl found {len(empty)} article pages but extracted no article from them "
                    "(the layout may have changed; try `newswatch extract URL`)."
                )
        notes += _lost_fields(db, site)
    for failed in failing_notifications(db):
        check = "[monitor.email]" if failed["target"].startswith("email to ") else "the URL in [monitor] notify"
        notes.append(
            f"notify: the digest could not be sent to {failed['target']} ({failed['tries']} tries, last at "
            f"{failed['at'][:16].replace('T', ' ')}): {failed['error']}. Check {check}."
        )
    return notes


def _failing(site: str, runs: list[dict], failing_runs: int) -> list[str]:  # type: ignore[type-arg]
    """Failed runs in a row (never one alone: no alert storm), or partial runs in a row."""
    failed = failures_in_a_row(runs)
    if failed >= failing_runs:
        last = runs[0]
        why = last["error"] or f"status {last['status']}"
        return [
            f"{site}: the last {failed} crawls failed ({last['status']}: {why}). Check the site and its registry entry."
        ]
    finished = [r for r in runs if r["status"] not in NEUTRAL_STATUSES][:failing_runs]
    if len(finished) == failing_runs and all(r["status"] in {"partial", *FAILED_STATUSES} for r in finished):
        return [f"{site}: pages failed in each of the last {failing_runs} crawls (last: {finished[0]['error']})."]
    return []


def _lost_fields(db: Database, site: str) -> list[str]:
    rows = versions_with_fields(db, site, _RECENT + _EARLIER)
    if len(rows) < _RECENT + 5:
        return []
    recent, earlier = rows[:_RECENT], rows[_RECENT:]
    notes = []
    for field, label in (("has_date", "published date"), ("has_origin", "origin"), ("has_title", "title")):
        had = sum(r[field] for r in earlier) / len(earlier)
        has = sum(r[field] for r in recent) / len(recent)
        if had >= 0.8 and has == 0:
            notes.append(
                f"{site}: the newest {_RECENT} versions have no {label}, though {had:.0%} of earlier ones did."
            )
    return notes
