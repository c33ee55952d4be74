"""The store benchmark: every read command on a generated store of 1,000,000 versions (quick: 100,000).

The store (`storefill.py`) is made once per size and kept under bench/results/stores. Each
command is a whole `newswatch` process (start-up, imports and the store's opening included),
run RUNS times in turn with the others; the median is shown, with CPU time from wait4. The
digest is also timed in this process, part by part, to tell its queries from its word diffs.
Then the plan of every query the commands run, and the store's bytes per version by kind.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from store import open_db, open_readonly
from store.bodies import pack_site_bodies
from store.bulk import batch
from store.db import MIGRATIONS, write
from store.diffs import diff_edit
from store.raw import SiteDict, add_dictionary, pack, unpack

from . import storefill, storeplan, storetext
from .storegen import GeneratedStore

QUICK_ARTICLES, FULL_ARTICLES = 20_000, 200_000
SAMPLE = 2_000  # versions whose pages are also packed the old way (zlib) to compare


def packer(db: Any, samples: dict[str, list[bytes]]) -> storefill.Pack:
    """The store's own packing: a dictionary per site trained on its first pages, as a crawl does."""
    dicts: dict[str, SiteDict] = {}
    with batch(db):
        for site, pages in samples.items():
            dicts[site] = add_dictionary(db, site, pages, "2024-11-01T00:00:00.000+00:00")
    return lambda site, page: pack(page, dicts[site])


def registry(store: GeneratedStore, seed: int) -> str:
    """A registry naming the store's sites (the digest checks each for attention), days in UTC."""
    out = '[monitor]\ntimezone = "UTC"\n'
    for site in storetext.make_sites(seed):
        out += (
            f'\n[[sites]]\nname = "{site.name}"\nstart_urls = ["https://{site.host}/"]\n'
            f"allowed_domains = [\"{site.host}\"]\narticle_pattern = '/(News|www/english/c)/'\n"
        )
    return out


def commands(store: GeneratedStore) -> dict[str, list[str]]:
    """The read commands measured, by name."""
    day = ["digest", "--date", store.day]
    return {
        "digest --date (text)": [*day, "--format", "text"],
        "digest --date (json)": [*day, "--format", "json"],
        "digest --date (html)": [*day, "--format", "html"],
        "history URL": ["history", store.history_url],
        "diff URL": ["diff", store.history_url],
        "search common word": ["search", "certification"],
        "search rare word": ["search", storetext.RARE_WORD],
        "search Chinese term": ["search", storetext.CHINESE_TERM],
        "search standard number": ["search", "GB/T 19001"],
        "sites": ["sites"],
    }


def _run(args: list[str], config: Path, db: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "newswatch", "--config", str(config), "--db", str(db), *args]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    return {"wall_s": wall, "exit": process.returncode, "out_bytes": len(out), "error": err.decode()[-300:]}


def time_commands(cmds: dict[str, list[str]], config: Path, db: Path, runs: int) -> dict[str, Any]:
    """Each command RUNS times, round robin; medians, exit codes and output sizes."""
    import resource

    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in ["start-up (--version)", *cmds]}
    everything = {"start-up (--version)": ["--version"], **cmds}
    for _ in range(runs):
        for name, args in everything.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            sample = _run(args, config, db)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            sample["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            samples[name].append(sample)
    return {
        name: {
            "wall_s": statistics.median(s["wall_s"] for s in runs_),
            "cpu_s": statistics.median(s["cpu_s"] for s in runs_),
            "walls": [round(s["wall_s"], 3) for s in runs_],
            "exit": max(s["exit"] for s in runs_),
            "out_bytes": runs_[0]["out_bytes"],
            "error": next((s["error"] for s in runs_ if s["exit"]), ""),
        }
        for name, runs_ in samples.items()
    }


def digest_parts(store: GeneratedStore, seed: int, runs: int) -> dict[str, float]:
    """The digest in this process, part by part (medians): its queries, its word diffs, attention, rendering."""
    import monitor.digest as digest_module
    from monitor.attention import needs_attention
    from monitor.digest import build_digest, day_window
    from monitor.render import render

    real = digest_module.field_diffs
    figures: dict[str, list[float]] = {"build (queries + diffs)": [], "word diffs": [], "needs attention": []}
    figures["render text"] = []
    sites = [s.name for s in storetext.make_sites(seed)]
    for _ in range(runs):
        spent = [0.0]

        def timed(*args: Any, _spent: list[float] = spent) -> Any:
            started = time.perf_counter()
            try:
                return real(*args)
            finally:
                _spent[0] += time.perf_counter() - started

        db = open_readonly(store.path)
        digest_module.field_diffs = timed  # type: ignore[assignment]
        try:
            from datetime import date
            from zoneinfo import ZoneInfo

            start, end = day_window(date.fromisoformat(store.day), ZoneInfo("UTC"))
            t0 = time.perf_counter()
            result = build_digest(db, start, end, store.day)
            t1 = time.perf_counter()
            result.attention = needs_attention(db, sites)
            t2 = time.perf_counter()
            render(result, "text")
            t3 = time.perf_counter()
        finally:
            digest_module.field_diffs = real  # type: ignore[assignment]
            db.close()
        figures["build (queries + diffs)"].append(t1 - t0)
        figures["word diffs"].append(spent[0])
        figures["needs attention"].append(t2 - t1)
        figures["render text"].append(t3 - t2)
    out = {k: statistics.median(v) for k, v in figures.items()}
    out["queries (build − diffs + attention)"] = (
        out["build (queries + diffs)"] - out["word diffs"] + out["needs attention"]
    )
    out["edited items"] = float(len(result.edited))
    return out


def old_packing(store: GeneratedStore) -> dict[str, float]:
    """Mean blob of a sample of versions as stored now and as zlib would have stored it (before)."""
    db = open_readonly(store.path)
    try:
        rng = random.Random(1)
        ids = rng.sample(range(1, store.versions + 1), min(SAMPLE, store.versions))
        now = old = size = 0
        for version_id in ids:
            blob = db.execute("SELECT raw FROM versions WHERE id = ?", [version_id]).fetchone()[0]
            page = unpack(db, blob)
            now, old, size = now + len(blob), old + len(zlib.compress(page, 6)), size + len(page)
    finally:
        db.close()
    return {"page": size / len(ids), "zstd": now / len(ids), "zlib": old / len(ids)}


def bench(quick: bool, seed: int, runs: int | None, say: Any = print) -> dict[str, Any]:
    """Generate (or reuse) the store, then time, explain and weigh it."""
    n = QUICK_ARTICLES if quick else FULL_ARTICLES
    runs = runs or (3 if quick else 5)
    store, fresh = storefill.cached_store(n, seed, packer, say)
    made = f"generated in {store.seconds:.0f} s" if fresh else f"cached (generated in {store.seconds:.0f} s)"
    say(f"\nStore of {store.versions:,} versions ({store.articles:,} articles × 5), {made}: {store.path}")
    migrated = _migrate(store.path)
    if migrated is not None:
        say(f"  migrated the cached store to this newswatch's schema in {migrated:.1f} s")
    packed = _pack_bodies(store)
    if packed:
        say(f"  packed {packed:,} old versions' bodies as crawls do (`newswatch compact --vacuum`)")
    kept = _day_diffs(store)
    if kept:
        say(f"  kept the diffs of the day's {kept} edits, as the crawl that recorded them does")
    config = store.path.with_suffix(".toml")
    config.write_text(registry(store, seed), encoding="utf-8")
    cmds = commands(store)
    timings = time_commands(cmds, config, store.path, runs)
    parts = digest_parts(store, seed, min(runs, 3))
    plans = storeplan.explain(cmds, config, store.path)
    space = _space(store)
    return {"store": {**store.manifest(), "path": str(store.path)}, "runs": runs, "commands": timings,
            "digest_parts": parts, "plans": plans, "space": space, "packing": old_packing(store)}  # fmt: skip


def _migrate(path: Path) -> float | None:
    """Apply this newswatch's pending migrations to a cached store (as `newswatch migrate`); seconds, or None."""
    db = Database(sqlite3.connect(path))
    try:
        pending = MIGRATIONS.pending(db)
    finally:
        db.close()
    if not pending:
        return None
    started = time.perf_counter()
    open_db(path).close()
    return time.perf_counter() - started


def _pack_bodies(store: GeneratedStore) -> int:
    """Keep old versions' bodies as crawls keep them (bulk rows go in plain), then vacuum; how many."""
    db = open_db(store.path)
    try:
        sites = [r[0] for r in db.execute("SELECT DISTINCT site FROM articles")]
        packed = sum(pack_site_bodies(db, site, limit=10**9) for site in sites)
        if packed:
            db.execute("VACUUM")
        return packed
    finally:
        db.close()


def _day_diffs(store: GeneratedStore) -> int:
    """Compute and keep the diff of each edit of the digest's day, as `record()`'s caller does when a
    crawl records an edit (bulk-loaded events skipped that step); how many were missing."""
    db = open_db(store.path)
    try:
        day = store.day[:10]
        events = [
            r["id"]
            for r in db.query(
                "SELECT e.id FROM events e WHERE e.kind = 'edited' AND e.at >= ? AND e.at < ?"
                " AND NOT EXISTS (SELECT 1 FROM diffs d WHERE d.old_version_id = e.previous_version_id"
                " AND d.new_version_id = e.version_id)",
                [f"{day}T00:00", f"{day}T99"],
            )
        ]
        for event_id in events:
            with write(db):
                diff_edit(db, event_id)
        return len(events)
    finally:
        db.close()


def _space(store: GeneratedStore) -> dict[str, Any]:
    """The store's bytes by kind, computed once per store file (dbstat reads every page)."""
    cache = store.path.with_suffix(".space.json")
    stamp = [store.path.stat().st_size, store.path.stat().st_mtime]
    if cache.exists():
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("stamp") == stamp:
            return saved["space"]
    space = storeplan.space(store.path)
    cache.write_text(json.dumps({"stamp": stamp, "space": space}), encoding="utf-8")
    return space
