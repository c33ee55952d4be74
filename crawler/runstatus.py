"""A crawl run's counts and status, as pure functions of the outcomes it saw.

Used where the run is closed: by the crawl itself on one machine, and by the writer for a
crawl that ran on a worker (the worker counts what it settled; the writer what it stored).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crawler.outcomes import ANSWERED, PageOutcome, Verb
from store.crawls import CrawlCounts

_COUNTS = {
    Verb.NEW: "new",
    Verb.EDITED: "edited",
    Verb.UNCHANGED: "unchanged",
    Verb.NOT_MODIFIED: "not_modified",
    Verb.MISSING: "missing",
    Verb.FAILED: "failed",
    Verb.SKIPPED: "skipped",
}
COUNT_FIELDS = ("pages", "new", "edited", "unchanged", "failed", "not_modified", "missing", "skipped", "attachments")


@dataclass
class Tally:
    """What a run's outcomes add up to: counts, failure reasons, pages the store could not take."""

    counts: CrawlCounts = field(default_factory=CrawlCounts)
    reasons: Counter[str] = field(default_factory=Counter)
    store_errors: int = 0
    store_error: str | None = None

    def add(self, outcome: PageOutcome) -> None:
        """Count one settled outcome (a page's, or an attachment's apart from pages)."""
        if outcome.verb is Verb.SENT:
            return  # the writer counts it when it stores it
        if outcome.file_of is not None and outcome.verb not in {Verb.FAILED, Verb.SKIPPED}:
            self.counts.attachments += 1
            if outcome.verb is Verb.EDITED:
                self.counts.edited += 1  # a replaced document is an edit of its article
        else:
            self._page(outcome.verb)
        if outcome.verb is Verb.FAILED:
            self.reasons[outcome.reason or "unknown"] += 1
        if outcome.store_error:
            self.store_failed(outcome.reason or "store write failed")

    def store_failed(self, reason: str) -> None:
        """A settled outcome (a 304, a miss, a failure) the store could not record."""
        self.store_errors += 1
        self.store_error = reason

    def _page(self, verb: Verb) -> None:
        name = _COUNTS[verb]
        setattr(self.counts, name, getattr(self.counts, name) + 1)
        if verb in ANSWERED:
            self.counts.pages += 1
        if verb is Verb.NOT_MODIFIED:
            self.counts.unchanged += 1  # a 304 is an unchanged page that cost no parsing

    def merge(self, other: Tally) -> Tally:
        """The sum of two tallies of one run (the worker's and the writer's)."""
        counts = _counts({f: getattr(self.counts, f) + getattr(other.counts, f) for f in COUNT_FIELDS})
        return Tally(counts, self.reasons + other.reasons, self.store_errors + other.store_errors,
                     other.store_error or self.store_error)  # fmt: skip

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form (for a message or a row)."""
        return {
            "counts": {f: getattr(self.counts, f) for f in COUNT_FIELDS},
            "reasons": dict(self.reasons),
            "store_errors": self.store_errors,
            "store_error": self.store_error,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Tally:
        """The tally to_json() wrote."""
        counts = data.get("counts") or {}
        reasons = data.get("reasons") or {}
        assert isinstance(counts, dict) and isinstance(reasons, dict)
        store_errors = data.get("store_errors") or 0
        store_error = data.get("store_error")
        return cls(
            _counts({f: int(counts.get(f, 0)) for f in COUNT_FIELDS}),
            Counter({str(k): int(v) for k, v in reasons.items()}),
            int(store_errors) if isinstance(store_errors, int) else 0,
            store_error if isinstance(store_error, str) else None,
        )


def _counts(values: dict[str, int]) -> CrawlCounts:
    counts = CrawlCounts()
    for name, value in values.items():
        setattr(counts, name, value)
    return counts


def failure_summary(reasons: Counter[str], limit: int = 3) -> str | None:
    """The commonest reasons pages failed, with counts: 'HTTP 500 ×2; timeout'."""
    top = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return "; ".join(f"{reason} ×{n}" if n > 1 else reason for reason, n in top) or None


def run_status(reason: str, tally: Tally) -> tuple[str, str | None]:
    """The run's status and error from how Scrapy closed it and what its pages came to."""
    counts = tally.counts
    answered = counts.new + counts.edited + counts.unchanged + counts.missing
    tried = answered + counts.failed
    if reason == "closespider_timeout":
        return "timeout", f"stopped after timeout_minutes; {answered} of {tried} pages answered"
    if reason == "shutdown":
        return "stopped", "asked to stop (SIGTERM or Ctrl-C)"
    if reason not in {"finished", "closespider_pagecount"}:
        return "failed", f"the crawl ended: {reason}"
    if tally.store_errors:
        stored = f"{tally.store_errors} of {tally.store_errors + answered} pages could not be stored"
        return "failed", f"{stored}: {tally.store_error}"
    why = failure_summary(tally.reasons)
    if counts.failed and not answered:
        return "failed", f"all {counts.failed} pages failed: {why}"
    if counts.failed:
        return "partial", f"{counts.failed} of {tried} pages failed: {why}"
    return "ok", None
