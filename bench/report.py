"""Print benchmark figures as a table of measure, newswatch, reference, ratio and target; describe the machine."""

from __future__ import annotations

import os
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

WIDTHS = (40, 14, 24, 8)
PEAK_RSS_TARGET_MB = 300
FIRST_CRAWL_TARGET = 0.6
RECRAWL_TARGET = 0.15
NOISE = 0.1  # other processes using a tenth of a core during a run make its figures suspect


def machine(server: str) -> dict[str, Any]:
    """Date, CPU, cores, RAM, Python, Scrapy and the web server of this run."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(ram, 1),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "scrapy": metadata.version("scrapy"),
        "server": server,
        "load_average": os.getloadavg(),
    }


def machine_line(m: dict[str, Any]) -> str:
    """One line: date, CPU model, cores, RAM, Python, Scrapy, server."""
    return (
        f"{m['date']} · {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.0f} GiB · {m['os']} · "
        f"Python {m['python']} · Scrapy {m['scrapy']} · server: {m['server']} · "
        f"load average {m['load_average'][0]:.2f} at the start"
    )


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def row(measure: str, ours: str, ref: str, ratio: float | None = None, target: str = "") -> None:
    """One table row."""
    shown = f"{ratio:.3f}" if ratio is not None else ""
    a, b, c, d = WIDTHS
    print(f"{measure:<{a}}{ours:>{b}}  {ref:<{c}}{shown:>{d}}  {target}".rstrip())


def header(title: str) -> None:
    """A table's title and column names."""
    print(f"\n{title}")
    row("measure", "newswatch", "reference", None)
    print("-" * (sum(WIDTHS) + 4 + 10))


def _check(ok: bool, text: str) -> str:
    return f"{text}: {'met' if ok else 'NOT met'}"


def crawl_table(size: dict[str, Any]) -> None:
    """The first crawl, re-crawl and --recheck-all figures of one site size."""
    n, bare, first = size["articles"], size["bare"], size["first"]
    header(f"Crawl of {n:,} articles ({size['pages']:,} pages, {size['server']}, medians of {len(size['runs'])})")
    print("first crawl into a fresh store, against a bare Scrapy spider on the same links")
    ratio = _ratio(first["pages_per_s"], bare["pages_per_s"])
    target = _check((ratio or 0) >= FIRST_CRAWL_TARGET, f"≥ {FIRST_CRAWL_TARGET}")
    _pair("pages/s (process start to exit)", first, bare, "pages_per_s", "{:.1f}", target)
    _pair("pages/s (first to last request)", first, bare, "span_pages_per_s", "{:.1f}")
    _pair("wall s", first, bare, "wall_s", "{:.2f}")
    _pair("start-up s (to the first request)", first, bare, "startup_s", "{:.2f}")
    _pair("CPU s (user+sys)", first, bare, "cpu_s", "{:.2f}")
    if first.get("pool_cpu_s") is not None:
        row("    of which extraction workers", f"{first['pool_cpu_s']:.2f}", "", None)
    _pair("CPU ms per page", first, bare, "cpu_ms_per_page", "{:.2f}")
    if first["server_cpu_s"] is not None and bare["server_cpu_s"] is not None:
        _pair("web server's CPU s", first, bare, "server_cpu_s", "{:.2f}")
    if first["others_cpu_s"] is not None and bare["others_cpu_s"] is not None:
        busy = max(first["others_cpu_s"] / first["wall_s"], bare["others_cpu_s"] / bare["wall_s"])
        warn = f"WARN: machine busy ({busy:.2f} of a core)" if busy > NOISE else ""
        _pair("other processes' CPU s meanwhile", first, bare, "others_cpu_s", "{:.2f}", warn)
    _pair("peak RSS MB, crawl process", first, bare, "peak_rss_mb", "{:.0f}")
    if first.get("tree_rss_mb") is not None:
        target = _check(first["tree_rss_mb"] < PEAK_RSS_TARGET_MB, f"< {PEAK_RSS_TARGET_MB} MB") if n >= 5000 else ""
        _pair("peak RSS MB, with extraction workers", first, bare, "tree_rss_mb", "{:.0f}", target)
    if first.get("tree_pss_mb"):
        _pair("  peak PSS MB (shared pages split)", first, bare, "tree_pss_mb", "{:.0f}")
    _pair("requests", first, bare, "requests", "{:.0f}", _statuses(first))
    stored = first["store"].get("articles", 0)
    row(
        "  articles stored",
        f"{stored}",
        f"generated {n}",
        _ratio(stored, n),
        "" if stored == n else "WARN: not all stored",
    )
    for key, name in (("recrawl", "re-crawl of the unchanged site (second crawl)"), ("recheck_all", "--recheck-all")):
        _recrawl_rows(name, size[key], first, bare, key == "recrawl")
        if key == "recrawl" and size.get("bare_recrawl"):
            _floor_rows(size[key], size["bare_recrawl"], first)


def _pair(measure: str, ours: dict[str, Any], ref: dict[str, Any], key: str, fmt: str, target: str = "") -> None:
    row(f"  {measure}", fmt.format(ours[key]), "bare " + fmt.format(ref[key]), _ratio(ours[key], ref[key]), target)


def _statuses(run: dict[str, Any]) -> str:
    return "(" + ", ".join(f"{k}: {v}" for k, v in run["by_status"].items()) + ")"


def _floor_rows(run: dict[str, Any], floor: dict[str, Any], first: dict[str, Any]) -> None:
    """The re-crawl against bare Scrapy sending the same requests (the answers dropped): what
    Scrapy alone costs for them, and the re-crawl ratio that floor alone would reach."""
    print("re-crawl against bare Scrapy sending the same requests (start pages, listings, 304s)")
    row("  wall s", f"{run['wall_s']:.2f}", f"bare {floor['wall_s']:.2f}", _ratio(run["wall_s"], floor["wall_s"]))
    row("  CPU s (user+sys)", f"{run['cpu_s']:.2f}", f"bare {floor['cpu_s']:.2f}", _ratio(run["cpu_s"], floor["cpu_s"]))
    row(
        "  requests",
        f"{run['requests']:.0f}",
        f"bare {floor['requests']:.0f}",
        _ratio(run["requests"], floor["requests"]),
    )
    ratio = _ratio(floor["wall_s"], first["wall_s"])
    # The lowest re-crawl ratio a crawl that fetches with Scrapy can reach on this machine.
    row(
        "  the bare requests against the first crawl",
        f"bare {floor['wall_s']:.2f}",
        f"first {first['wall_s']:.2f}",
        ratio,
    )


def _recrawl_rows(name: str, run: dict[str, Any], first: dict[str, Any], bare: dict[str, Any], targeted: bool) -> None:
    print(f"{name}, against the first crawl")
    ratio = _ratio(run["wall_s"], first["wall_s"])
    target = _check((ratio or 1) <= RECRAWL_TARGET, f"≤ {RECRAWL_TARGET}") if targeted else ""
    row("  wall s", f"{run['wall_s']:.2f}", f"first {first['wall_s']:.2f}", ratio, target)
    row(
        "  wall s against the bare first crawl",
        f"{run['wall_s']:.2f}",
        f"bare {bare['wall_s']:.2f}",
        _ratio(run["wall_s"], bare["wall_s"]),
    )
    row(
        "  start-up s (to the first request)",
        f"{run['startup_s']:.2f}",
        f"first {first['startup_s']:.2f}",
        _ratio(run["startup_s"], first["startup_s"]),
    )
    row(
        "  CPU s (user+sys)", f"{run['cpu_s']:.2f}", f"first {first['cpu_s']:.2f}", _ratio(run["cpu_s"], first["cpu_s"])
    )
    row(
        "  peak RSS MB",
        f"{run['peak_rss_mb']:.0f}",
        f"first {first['peak_rss_mb']:.0f}",
        _ratio(run["peak_rss_mb"], first["peak_rss_mb"]),
    )
    row(
        "  requests",
        f"{run['requests']:.0f}",
        f"first {first['requests']:.0f}",
        _ratio(run["requests"], first["requests"]),
        _statuses(run),
    )
    made = run["created"]
    ok = made["versions"] == 0 and made["events"] == 0 and run["returncode"] == 0
    row(
        "  versions / events created",
        f"{made['versions']} / {made['events']}",
        "must be 0 / 0",
        None,
        "ok" if ok else "FAIL",
    )
    if not ok:
        print(
            f"FAIL: {name} created {made['versions']} versions and {made['events']} events (exit {run['returncode']})"
        )


def distributed_table(figures: dict[str, Any]) -> None:
    """Pages per second by worker count, and what the writer can record against what the workers produce."""
    header(f"Distributed: {figures['articles']} articles in {figures['sites']} sites, one writer ({figures['server']})")
    base = figures["runs"][0]["pages_per_s"]
    for run in figures["runs"]:
        speedup = run["pages_per_s"] / base if base else 0.0
        print(f"  {run['workers']} worker(s): {run['pages']} pages in {run['wall_s']:.1f} s = "
              f"{run['pages_per_s']:.1f} pages/s (x{speedup:.2f}); {run['ok']}/{run['runs']} runs ok")  # fmt: skip
    w = figures["writer"]
    print(f"  writer alone: {w['observations']} observations recorded at {w['recorded_per_s']:.0f}/s; "
          f"{w['workers']} workers produced {w['produced_per_s']:.0f}/s: headroom x{w['headroom']:.1f}")  # fmt: skip


READ_TARGET_S = 1.0
BYTES_TARGET = 5_000


def store_table(f: dict[str, Any]) -> None:
    """Read commands against the 1 s target, the digest's parts, bytes per version, query plans."""
    s, runs = f["store"], f["runs"]
    header(f"Store of {s['versions']:,} versions ({s['articles']:,} articles × 5), medians of {runs} processes")
    startup = f["commands"]["start-up (--version)"]["wall_s"]
    for name, c in f["commands"].items():
        ok = c["wall_s"] <= READ_TARGET_S and c["exit"] == 0
        why = (
            f"exit {c['exit']}: {c['error'].strip().splitlines()[-1] if c['error'].strip() else ''}"
            if c["exit"]
            else ""
        )
        target = "" if name.startswith("start-up") else _check(ok, f"≤ {READ_TARGET_S:g} s")
        row(
            f"  {name} s",
            f"{c['wall_s']:.3f}",
            f"start-up {startup:.3f}",
            _ratio(c["wall_s"], startup),
            f"{target} {why}".strip(),
        )
    print("digest in process (the same day), s")
    for name, value in f["digest_parts"].items():
        row(f"  {name}", f"{value:.3f}" if name != "edited items" else f"{value:.0f}", "")
    _space_rows(f)
    _plan_rows(f["plans"])


def _space_rows(f: dict[str, Any]) -> None:
    versions, space, packing = f["store"]["versions"], f["space"], f["packing"]
    per = space["file"] / versions
    print("bytes per version (file size / versions; dbstat split)")
    row(
        "  file",
        f"{per:,.0f}",
        f"target {BYTES_TARGET:,}",
        per / BYTES_TARGET,
        _check(per <= BYTES_TARGET, f"≤ {BYTES_TARGET:,} B"),
    )
    for name, size in space["split"].items():
        row(f"    {name}", f"{size / versions:,.0f}", "")
    row(
        "  raw page, zstd + site dictionary",
        f"{packing['zstd']:,.0f}",
        f"zlib {packing['zlib']:,.0f}",
        _ratio(packing["zstd"], packing["zlib"]),
        f"page {packing['page']:,.0f} B",
    )


def _plan_rows(plans: list[dict[str, Any]]) -> None:
    print("query plans (EXPLAIN QUERY PLAN of every statement the commands ran)")
    for p in plans:
        print(f"  [{p['verdict']:<4}] {p['command']}: ×{p['runs']} {p['sql'][:150]}")
        for step in p["plan"]:
            print(f"           {step}")
    failed = sum(p["verdict"] == "FAIL" for p in plans)
    print(
        f"  {failed} of {len(plans)} statements scan a big table without an index"
        if failed
        else "  no full scan of versions, events or articles"
    )
