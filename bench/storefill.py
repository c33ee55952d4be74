"""Write a generated store: crawl runs and articles, then versions and events in time order; cached by size.

Versions are made in worker processes (one per core), a slice of the timeline each, and
written in order by this process, so row ids grow with time as in a real store.
"""

from __future__ import annotations

import bisect
import json
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from common.article import Article
from common.urls import url_key
from store import fingerprint, open_db
from store.bulk import batch, finish, insert, loading

from . import storegen, storetext, text
from .pages import Article as PageArticle
from .sitegen import RESULTS
from .storegen import DAY, FAILING_SITE, GeneratedStore, Plan, crawl_id, iso
from .storetext import Version

# Packs a site's raw page (site name, page bytes) into the blob the store keeps.
Pack = Callable[[str, bytes], bytes]
# Given the open store and sample pages of every site, returns its Pack: the store's own packing decides.
Packer = Callable[[Any, dict[str, list[bytes]]], Pack]
SAMPLES = 200  # pages per site generated first, as a crawl would have stored them
CHUNK = 5_000  # timeline entries per worker task
BATCH = 20_000  # versions per transaction


@dataclass
class _World:
    """What workers need to make any version: the plan, the texts, the ids, the packing."""

    p: Plan
    seed: int
    pool: dict[bool, list[str]]
    published: list[str]
    chinese: list[bool]
    titles: list[str]
    by_site: list[list[int]]  # each site's articles, oldest first
    first_seen: list[list[float]]  # when each of them was first seen
    position: list[int]
    ids: list[list[int]]
    moments: list[tuple[float, int, int]]
    pack: Pack | None = None

    def url(self, a: int) -> str:
        return self.p.sites[self.p.site_of[a]].url(a + 1, self.published[a])


_WORLD: _World | None = None  # set before the worker processes fork


def _world(p: Plan, seed: int, moments: list[tuple[float, int, int]]) -> _World:
    n = len(p.times)
    chinese, titles = [], []
    for a in range(n):
        rng = random.Random(f"article-{seed}-{a}")
        chinese.append(rng.random() < p.sites[p.site_of[a]].chinese)
        titles.append(text.title(rng, chinese[a]))
    by_site: list[list[int]] = [[] for _ in p.sites]
    for a in sorted(range(n), key=lambda a: p.times[a][0]):
        by_site[p.site_of[a]].append(a)
    position = [0] * n
    for articles in by_site:
        for i, a in enumerate(articles):
            position[a] = i
    ids: list[list[int]] = [[] for _ in range(n)]
    next_id = 1
    for _, a, k in moments:
        if k >= 0:
            ids[a].append(next_id)
            next_id += 1
    published = [date.fromtimestamp(ts[0]).isoformat() for ts in p.times]
    first_seen = [[p.times[a][0] for a in articles] for articles in by_site]
    pool = storetext.paragraph_pool(seed)
    return _World(p, seed, pool, published, chinese, titles, by_site, first_seen, position, ids, moments)


def _versions(w: _World, a: int) -> list[Version]:
    """The article's versions, all different to a reader (an edit that changes nothing is drawn again).

    Edits change words, never the width of a character, so comparing whitespace-folded text is
    comparing what the store fingerprints.
    """
    rng = random.Random(f"versions-{w.seed}-{a}")
    while True:
        versions = storetext.versions(rng, w.titles[a], w.chinese[a], w.pool[w.chinese[a]], storegen.VERSIONS)
        if len({(v.title, " ".join(" ".join(v.paragraphs).split())) for v in versions}) == len(versions):
            return versions


@cache
def _page_article(a: int) -> PageArticle:
    w = _WORLD
    assert w is not None
    site = w.p.sites[w.p.site_of[a]]
    path = w.url(a).split(site.host, 1)[1]
    return PageArticle(a, site.section, path, w.titles[a], w.published[a], w.chinese[a])


def _page(w: _World, a: int, k: int, version: Version) -> bytes:
    """The article's page at version k: five related articles of its time, the site's twenty newest then."""
    rng = random.Random(f"page-{w.seed}-{a}-{k}")
    site = w.p.sites[w.p.site_of[a]]
    articles = w.by_site[site.index]
    i = w.position[a]
    window = range(max(0, i - 400), min(len(articles), i + 400))
    newest = bisect.bisect_right(w.first_seen[site.index], w.p.times[a][k])
    related = [articles[j] for j in rng.sample(window, min(5, len(window)))]
    related += articles[max(0, newest - 20) : newest][::-1]
    return storetext.raw_page(site, _page_article(a), version, [_page_article(x) for x in related], rng)


def _rows(span: tuple[int, int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Version and event rows of a slice of the timeline, and the bytes of its pages (runs in a worker)."""
    w = _WORLD
    assert w is not None and w.pack is not None
    made: dict[int, list[Version]] = {}
    versions: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    page_bytes = 0
    for t, a, k in w.moments[span[0] : span[1]]:
        site = w.p.sites[w.p.site_of[a]]
        crawl, at = crawl_id(site.index, t), iso(t)
        if k < 0:
            kind = "gone" if k == -1 else "back"
            events.append((None, kind, at, site.name, a + 1, w.ids[a][-1], None, crawl, None))
            continue
        if a not in made:
            made[a] = _versions(w, a)
        version = made[a][k]
        fp = fingerprint(Article(url=w.url(a), title=version.title, paragraphs=version.paragraphs))
        page = _page(w, a, k, version)
        raw = w.pack(site.name, page)
        page_bytes += len(page)
        body = "\n\n".join(version.paragraphs)
        versions.append((w.ids[a][k], a + 1, fp, version.title, w.published[a], site.origin,
                         "zh" if w.chinese[a] else "en", body, at, crawl, w.url(a), "text/html; charset=utf-8", raw,
                         "2", None))  # fmt: skip
        previous = w.ids[a][k - 1] if k else None
        changed = json.dumps(list(version.changed)) if k else None
        events.append((None, "edited" if k else "new", at, site.name, a + 1, w.ids[a][k], previous, crawl, changed))
    return versions, events, page_bytes


def _article_rows(w: _World) -> Iterator[tuple[Any, ...]]:
    p = w.p
    for a, ts in enumerate(p.times):
        gone = a in p.gone and a not in p.back
        last = max([ts[-1], p.gone.get(a, 0.0), p.back.get(a, 0.0)])
        url = w.url(a)
        yield (a + 1, url_key(url), url, p.sites[p.site_of[a]].name, iso(ts[0]), iso(last), iso(last), w.ids[a][-1],
               "gone" if gone else "live", 3 if gone else 0, None, None, 404 if gone else 200)  # fmt: skip


def _crawl_rows(p: Plan) -> Iterator[tuple[Any, ...]]:
    slots = int((storegen.END - storegen.FIRST_CRAWL) / storegen.CRAWL_EVERY)
    rng = random.Random("crawls")
    error = {"ok": None, "partial": "1 of 40 pages failed: HTTP 500", "failed": "all 3 pages failed: HTTP 503 ×3"}
    start0 = storegen.FIRST_CRAWL.timestamp()
    for slot in range(slots):
        for s, site in enumerate(p.sites):
            start = start0 + slot * storegen.CRAWL_EVERY.total_seconds() + s * 60
            failing = s == FAILING_SITE and slot >= slots - 3
            status = "failed" if failing else rng.choices(["ok", "partial", "failed"], [97, 2.5, 0.5])[0]
            pages = 0 if status == "failed" else rng.randint(20, 60)
            failed = {"ok": 0, "partial": 1, "failed": 3}[status]
            yield (crawl_id(s, start), site.name, iso(start), iso(start + 900), status, pages, 0, 0, pages, failed,
                   0, 0, 0, error[status])  # fmt: skip


def _failure_rows(p: Plan) -> Iterator[tuple[Any, ...]]:
    for row in _crawl_rows(p):
        for i in range(row[9]):
            yield (row[0], row[1], f"https://www.{row[1]}.example.cn/News/{i}.html", 503, "HTTP 503", row[2], "failed")


def _samples(w: _World) -> dict[str, list[bytes]]:
    """The first SAMPLES first versions of each site, as its first crawl would have stored them."""
    return {
        site.name: [_page(w, a, 0, _versions(w, a)[0]) for a in w.by_site[site.index][:SAMPLES]] for site in w.p.sites
    }


def write(path: Path, n: int, seed: int, packer: Packer, say: Callable[[str], None]) -> GeneratedStore:
    """Generate the store of n articles into path (a new file)."""
    global _WORLD
    started = time.perf_counter()
    _page_article.cache_clear()
    p = storegen.plan(n, seed)
    w = _WORLD = _world(p, seed, storegen.timeline(p))
    db = open_db(path)
    with loading(db):
        w.pack = packer(db, _samples(w))
        with batch(db):
            insert(db, "crawls", _crawl_rows(p))
            insert(db, "failures", _failure_rows(p))
            insert(db, "articles", _article_rows(w))
            insert(db, "article_urls", ((r[1], r[0]) for r in _article_rows(w)))
        say(f"  planned {n:,} articles in {time.perf_counter() - started:.0f} s; writing versions")
        page_bytes = _write_versions(db, w, say)
        say("  indexing the current versions' full text")
        finish(db)
    db.close()
    _WORLD = None
    history = w.url(p.day_edited[0])
    seconds = time.perf_counter() - started
    return GeneratedStore(path, n, n * storegen.VERSIONS, DAY.isoformat(), history, page_bytes, seconds)


def _write_versions(db: Any, w: _World, say: Callable[[str], None]) -> int:
    spans = [(i, min(i + CHUNK, len(w.moments))) for i in range(0, len(w.moments), CHUNK)]
    versions: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    written, started, page_bytes = 0, time.perf_counter(), 0
    workers = max(1, (os.cpu_count() or 1))
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for v, e, size in pool.imap(_rows, spans):
            page_bytes += size
            versions += v
            events += e
            if len(versions) >= BATCH:
                written += _flush(db, versions, events)
                say(f"  {written:,} versions ({written / (time.perf_counter() - started):,.0f}/s)")
    _flush(db, versions, events)
    return page_bytes


def _flush(db: Any, versions: list[tuple[Any, ...]], events: list[tuple[Any, ...]]) -> int:
    with batch(db):
        count = insert(db, "versions", versions)
        insert(db, "events", events)
    versions.clear()
    events.clear()
    return count


def cached_store(n: int, seed: int, packer: Packer, say: Callable[[str], None] = print) -> tuple[GeneratedStore, bool]:
    """The store of n articles for seed, generated on first use; True when it was generated now."""
    folder = RESULTS / "stores"
    path = folder / f"store-n{n}-seed{seed}-v{storegen.STORE_VERSION}.db"
    manifest = path.with_suffix(".json")
    if manifest.exists() and path.exists():
        return GeneratedStore(path, **json.loads(manifest.read_text(encoding="utf-8"))), False
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.db")
    for stale in (partial, path, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    made = write(partial, n, seed, packer, say)
    partial.rename(path)
    store = GeneratedStore(path, **made.manifest())
    manifest.write_text(json.dumps(store.manifest()), encoding="utf-8")  # written last: marks the store complete
    return store, True
