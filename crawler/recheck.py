"""When to fetch a known article again: often while young, then rarely, then never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.config import MonitorConfig

# (age below, re-check at most every): age counts from when newswatch first saw the article.
DEFAULT_TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(days=3), timedelta(0)),  # every crawl
    (timedelta(days=30), timedelta(hours=24)),
    (timedelta(days=365), timedelta(days=7)),
)
DEFAULT_GONE_AFTER = 3


@dataclass(frozen=True)
class RecheckPolicy:
    """Age tiers of re-check intervals, and how many missing answers make an article gone."""

    tiers: tuple[tuple[timedelta, timedelta], ...] = DEFAULT_TIERS
    gone_after: int = DEFAULT_GONE_AFTER

    @classmethod
    def from_config(cls, monitor: MonitorConfig) -> RecheckPolicy:
        """From [monitor] recheck = [[max_age_days, every_hours], ...] and gone_after (checked at load)."""
        tiers = DEFAULT_TIERS
        if monitor.recheck is not None:
            tiers = tuple((timedelta(days=age), timedelta(hours=every)) for age, every in monitor.recheck)
        return cls(tiers=tiers, gone_after=monitor.gone_after)

    def interval(self, first_seen: datetime, now: datetime) -> timedelta | None:
        """How often an article of this age is re-checked; None once it is too old."""
        age = now - first_seen
        for max_age, every in self.tiers:
            if age < max_age:
                return every
        return None

    def is_due(self, first_seen: datetime, last_checked: datetime, now: datetime) -> bool:
        """True when the article should be fetched again at now."""
        every = self.interval(first_seen, now)
        return every is not None and now - last_checked >= every
