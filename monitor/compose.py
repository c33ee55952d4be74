"""compose_digest: the one place a digest is assembled; the CLI, the monitor and the web view read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from crawler.config import Config
from store.queries import digests_cover_until

from .attention import needs_attention
from .digest import Digest, build_digest, iso


@dataclass(frozen=True)
class Window:
    """The time a digest covers (UTC ISO strings, start included, end excluded) and its label.

    late_after, for a window that starts where the previous digest ended: the newest event
    that digest read; events stamped before the window but committed after it are this one's.
    """

    start: str
    end: str
    label: str
    late_after: int | None = None


def since_last_digest(db: Database, now: datetime, tz_label: str) -> Window:
    """What the monitor's next digest covers: from where the previous one ended (else a day
    ago) to now, and the events that committed too late for the previous one."""
    covered = digests_cover_until(db)
    start, late_after = covered if covered is not None else (iso(now - timedelta(days=1)), None)
    return Window(start, iso(now), f"{now:%Y-%m-%d %H:%M} ({tz_label})", late_after)


def compose_digest(db: Database, config: Config, window: Window, now: datetime) -> Digest:
    """The digest of a window: events (first crawls as baselines), attention notes, watchlist
    marks, site display names and links to the web view, in the order every format shows."""
    monitor = config.monitor
    digest = build_digest(db, window.start, window.end, window.label, monitor.new_window_days, window.late_after)
    digest.titles = {s.name: s.display_name for s in config.sites}
    digest.base_url = monitor.base_url
    digest.attention = needs_attention(db, [s.name for s in config.sites], monitor.failing_runs)
    digest.apply_watchlist(list(monitor.watchlist))
    return digest
