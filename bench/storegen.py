"""Generate a store of N articles × 5 versions with the store's own schema, once per size, cached.

Articles of twenty sites appear over two years; each is edited four times, mostly within days.
Every event happens during a crawl of its site (one every six hours), so versions, events and
crawl runs agree. One day, DAY, holds exactly DAY_NEW new and DAY_EDITED edited events (each
edit of another article), plus a few articles gone and one back. The store is created with
`store.open_db` and filled through `store.bulk` in large transactions, in time order, so ids grow
with time as they do in a real store; raw pages are packed by the store's own `pack`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from . import storetext
from .storetext import Site

STORE_VERSION = 3  # bump when the generated store changes, so cached stores are made again
VERSIONS = 5
END = datetime(2026, 11, 25, tzinfo=UTC)
SPAN = timedelta(days=730)
CRAWL_EVERY = timedelta(hours=6)
FIRST_CRAWL = END - SPAN - timedelta(days=30)
DAY = date(2026, 11, 20)
DAY_NEW, DAY_EDITED = 150, 350
GONE, GONE_ON_DAY = 30, 3
FAILING_SITE = 5  # its last three crawls failed: the digest has something that needs attention
BATCH = 20_000  # versions per transaction
_DAY_START = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC).timestamp()
_DAY_END = _DAY_START + 86_400
_END, _FIRST = END.timestamp(), FIRST_CRAWL.timestamp()
_EVERY = CRAWL_EVERY.total_seconds()

# Packs a raw page for a site (its index): the store's own packing.
Pack = Callable[[int, bytes], bytes]


@dataclass(frozen=True)
class GeneratedStore:
    """A generated store on disk and what the benchmark asks of it."""

    path: Path
    articles: int
    versions: int
    day: str
    history_url: str  # an article with every version, edited on DAY
    page_bytes: int  # raw pages before packing, all versions
    seconds: float  # how long generating took

    def manifest(self) -> dict[str, Any]:
        """Everything but the path, for the manifest file."""
        return {k: v for k, v in vars(self).items() if k != "path"}


def iso(t: float) -> str:
    """A moment as the store writes it."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


def crawl_id(site: int, t: float) -> int:
    """The id of the crawl of site during which moment t falls."""
    return 1 + int((t - _FIRST) // _EVERY) * storetext.SITES + site


def _at_crawl(rng: random.Random, site: int, t: float) -> float:
    """Move a moment to the crawl of the site it falls in: events happen while crawling."""
    start = _FIRST + ((t - _FIRST) // _EVERY) * _EVERY + site * 60
    return start + rng.uniform(1, 600)


def _ordinary(rng: random.Random, site: int) -> list[float]:
    """First seen at a random moment of the two years, edited mostly within days; never on DAY."""
    while True:
        t = [_END - SPAN.total_seconds() + rng.random() * (SPAN.total_seconds() - 86_400)]
        for _ in range(VERSIONS - 1):
            t.append(t[-1] + rng.expovariate(1 / 129_600) + 3_600)  # 1.5 days on average
        if t[-1] >= _END - 3_600:
            shift = t[-1] - _END + rng.uniform(3_600, 86_400)
            t = [x - shift for x in t]
        t = [_at_crawl(rng, site, x) for x in t]
        if all(not _DAY_START <= x < _DAY_END for x in t) and len(set(t)) == VERSIONS:
            return sorted(t)


def _new_on_day(rng: random.Random, site: int) -> list[float]:
    first = _at_crawl(rng, site, _DAY_START + rng.uniform(0, 86_000))
    later = sorted(_at_crawl(rng, site, rng.uniform(_DAY_END, _END - 21_600)) for _ in range(VERSIONS - 1))
    return [first, *later]


def _edited_on_day(rng: random.Random, site: int) -> list[float]:
    """One of its edits on DAY, the others before or after."""
    while True:
        first = _at_crawl(rng, site, _DAY_START - rng.uniform(2, 60) * 86_400)
        k = rng.randint(1, VERSIONS - 1)
        before = sorted(_at_crawl(rng, site, rng.uniform(first + 3_600, _DAY_START - 21_600)) for _ in range(k - 1))
        on_day = _at_crawl(rng, site, _DAY_START + rng.uniform(0, 86_000))
        after = sorted(_at_crawl(rng, site, rng.uniform(_DAY_END, _END - 21_600)) for _ in range(VERSIONS - 1 - k))
        t = [first, *before, on_day, *after]
        if len(set(t)) == VERSIONS:
            return t


@dataclass
class Plan:
    """Who, where and when: every article's site and version times, gone and back events."""

    sites: list[Site]
    site_of: list[int]
    times: list[list[float]]
    gone: dict[int, float]  # article -> moment it went gone
    back: dict[int, float]
    day_edited: list[int]


def plan(n: int, seed: int) -> Plan:
    """The schedule of a store of n articles."""
    rng = random.Random(f"store-plan-{seed}")
    sites = storetext.make_sites(seed)
    site_of = rng.choices(range(len(sites)), weights=[s.weight for s in sites], k=n)
    special = rng.sample(range(n), DAY_NEW + DAY_EDITED + GONE)
    new_on_day, edited_on_day = set(special[:DAY_NEW]), special[DAY_NEW : DAY_NEW + DAY_EDITED]
    times = []
    for a in range(n):
        if a in new_on_day:
            times.append(_new_on_day(rng, site_of[a]))
        else:
            times.append(_ordinary(rng, site_of[a]))
    for a in edited_on_day:
        times[a] = _edited_on_day(rng, site_of[a])
    gone: dict[int, float] = {}
    back: dict[int, float] = {}
    for i, a in enumerate(special[DAY_NEW + DAY_EDITED :]):
        times[a] = [t - 20 * 86_400 for t in _ordinary(rng, site_of[a])]  # all edits long before DAY
        if i < GONE_ON_DAY:
            gone[a] = _at_crawl(rng, site_of[a], _DAY_START + rng.uniform(0, 86_000))
        elif i == GONE_ON_DAY:
            gone[a] = _at_crawl(rng, site_of[a], _DAY_START - 3 * 86_400)
            back[a] = _at_crawl(rng, site_of[a], _DAY_START + rng.uniform(0, 86_000))
        else:
            gone[a] = _at_crawl(rng, site_of[a], times[a][-1] + rng.uniform(2, 8) * 86_400)
    return Plan(sites, site_of, times, gone, back, edited_on_day)


def timeline(p: Plan) -> list[tuple[float, int, int]]:
    """Every version (k >= 0), gone (-1) and back (-2) event as (moment, article, k), in time order."""
    moments = [(t, a, k) for a, ts in enumerate(p.times) for k, t in enumerate(ts)]
    moments += [(t, a, -1) for a, t in p.gone.items()]
    moments += [(t, a, -2) for a, t in p.back.items()]
    moments.sort()
    return moments
