"""The crawl benchmark: `newswatch crawl` against a bare Scrapy spider on the same generated site.

For each size: a first crawl into a fresh store and the bare spider's crawl (alternating
which goes first), then a second `newswatch crawl` of the unchanged site (every known article
is re-checked with its validators and should answer 304), the bare spider sending that
re-crawl's requests and nothing else (its reference), and a `--recheck-all` crawl. Each
crawl is a child process; its CPU time and peak RSS come from wait4's rusage, its requests
from the server's access log, the store's growth from plain sqlite3 counts.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import serve, sitegen
from .serve import Requests, Server

TABLES = ("articles", "versions", "events", "crawls")
CRAWLS = ("bare", "first", "recrawl", "bare_recrawl", "recheck_all")
SITE = "bench"


@dataclass
class Run:
    """One crawl process: how long it took, what it cost, what it asked the server, what it stored."""

    wall_s: float
    startup_s: float  # from the process's start to its first request
    cpu_s: float  # the crawl process (wait4) and its extraction workers (sampled)
    pool_cpu_s: float  # of which the extraction workers: grandchildren, reaped by the forkserver, not by wait4
    server_cpu_s: float | None  # what answering the crawl cost the web server
    others_cpu_s: float | None  # CPU that other processes of the machine used meanwhile (noise)
    peak_rss_mb: float  # the crawl process's own peak (wait4)
    tree_rss_mb: float  # the peak of the crawl's whole process tree at once, sampled
    tree_pss_mb: float  # the same with each shared page split among its sharers (what the tree uses)
    returncode: int
    requests: Requests
    store: dict[str, int] = field(default_factory=dict)  # table counts after the run
    created: dict[str, int] = field(default_factory=dict)  # rows the run added

    @property
    def pages_per_s(self) -> float:
        """Requests answered per second of the process's whole life (start-up included)."""
        return self.requests.total / self.wall_s if self.wall_s else 0.0

    def figures(self) -> dict[str, Any]:
        """The run as plain numbers, for medians and the JSON file."""
        return {
            "wall_s": self.wall_s,
            "startup_s": self.startup_s,
            "cpu_s": self.cpu_s,
            "pool_cpu_s": self.pool_cpu_s,
            "server_cpu_s": self.server_cpu_s,
            "others_cpu_s": self.others_cpu_s,
            "cpu_ms_per_page": 1000 * self.cpu_s / self.requests.total if self.requests.total else 0.0,
            "peak_rss_mb": self.peak_rss_mb,
            "tree_rss_mb": self.tree_rss_mb,
            "tree_pss_mb": self.tree_pss_mb,
            "pages_per_s": self.pages_per_s,
            "span_s": self.requests.span,
            "span_pages_per_s": self.requests.total / self.requests.span if self.requests.span else 0.0,
            "requests": self.requests.total,
            "by_status": {str(k): v for k, v in sorted(self.requests.by_status.items())},
            "returncode": self.returncode,
            "store": self.store,
            "created": self.created,
        }


def run_child(command: list[str], server: Server, log: Path, timeout: float) -> Run:
    """Run a crawl process to its end (killed after timeout seconds) and measure it."""
    mark, server_cpu, busy = server.mark(), server.cpu_seconds(), busy_cpu_seconds()
    with log.open("wb") as out:
        started, started_at = time.perf_counter(), time.time()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout, process.send_signal, (signal.SIGKILL,))
        timer.start()
        pool = TreeSampler(process.pid)
        pool.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # the child's rusage and its reaped children's
        finally:
            timer.cancel()
            pool.stop()
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    busy_after = busy_cpu_seconds()
    requests = server.requests_since(mark)
    server_after = server.cpu_seconds()
    server_s = server_after - server_cpu if server_after is not None and server_cpu is not None else None
    cpu = usage.ru_utime + usage.ru_stime + pool.cpu_s
    others = busy_after - busy - cpu - (server_s or 0.0) if busy_after is not None and busy is not None else None
    return Run(
        wall_s=wall,
        startup_s=(requests.first - started_at) if requests.first is not None else wall,
        cpu_s=cpu,
        pool_cpu_s=pool.cpu_s,
        server_cpu_s=server_s,
        others_cpu_s=max(0.0, others) if others is not None else None,
        peak_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
        tree_rss_mb=max(pool.peak_rss_mb, usage.ru_maxrss / 1024),
        tree_pss_mb=pool.peak_pss_mb,
        returncode=process.returncode,
        requests=requests,
    )


class TreeSampler(threading.Thread):
    """CPU time of a process's grandchildren and deeper, sampled from /proc every 50 ms.

    The crawl's extraction workers are forked by multiprocessing's forkserver and reaped by
    it, so wait4's rusage of the crawl never includes them. Each one's last sample counts (a
    worker's final 50 ms at most are missed). The crawl's direct children are left out: those
    it reaps are in its rusage already. "Other processes' CPU" in the report, near 0 on a
    quiet machine, checks that nothing is counted twice or missed.
    """

    INTERVAL = 0.05
    PSS_EVERY = 10  # samples

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.seen: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds
        self.peak_rss_mb = 0.0  # of the whole tree at once: the crawl, the forkserver, the workers
        # RSS counts a page shared by the forkserver and its workers (the modules it preloaded) in
        # each of them; PSS splits it among them. Read less often: the kernel walks the page tables.
        self.peak_pss_mb = 0.0
        self._samples = 0
        self._done = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")
        self._page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20

    @property
    def cpu_s(self) -> float:
        return sum(self.seen.values())

    def stop(self) -> None:
        self._done.set()
        self.join()

    def run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(self.INTERVAL)

    def _sample(self) -> None:
        stats: dict[int, tuple[int, int, float]] = {}  # pid -> (parent, start time, CPU seconds)
        rss: dict[int, float] = {}  # pid -> MB resident (shared pages counted in each: an upper bound)
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            # after the name: state ppid ... utime (12th) stime (13th) ... starttime (20th)
            pid = int(entry.name)
            stats[pid] = (int(fields[1]), int(fields[19]), (int(fields[11]) + int(fields[12])) / self._tick)
            rss[pid] = int(fields[21]) * self._page_mb
        children = {pid for pid, (parent, _, _) in stats.items() if parent == self.root}
        tree = {self.root, *children} & rss.keys()
        deeper = {pid for pid, (parent, _, _) in stats.items() if parent in children}
        while deeper:
            for pid in deeper:
                self.seen[(pid, stats[pid][1])] = stats[pid][2]
            tree |= deeper
            deeper = {pid for pid, (parent, _, _) in stats.items() if parent in deeper}
        self.peak_rss_mb = max(self.peak_rss_mb, sum(rss[pid] for pid in tree))
        self._samples += 1
        if self._samples % self.PSS_EVERY == 1:
            self.peak_pss_mb = max(self.peak_pss_mb, sum(_pss_mb(pid) for pid in tree))


def _pss_mb(pid: int) -> float:
    """A process's proportional set size in MB (0 when it is gone or the kernel does not say)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def busy_cpu_seconds() -> float | None:
    """CPU time all processes of the machine have used since boot (/proc/stat), None where unknown."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    guests = sum(ticks[8:10])  # guest time is already counted in user time
    return (sum(ticks) - idle - guests) / os.sysconf("SC_CLK_TCK")


def store_counts(db: Path) -> dict[str, int]:
    """Rows in the store's main tables (0 for a store that does not exist yet)."""
    if not db.exists():
        return dict.fromkeys(TABLES, 0)
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def newswatch_command(config: Path, db: Path, recheck_all: bool = False) -> list[str]:
    """`newswatch crawl --quiet` as the monitor runs it, optionally with --recheck-all."""
    command = [sys.executable, "-m", "newswatch", "--config", str(config), "--db", str(db), "crawl", SITE, "--quiet"]
    return [*command, "--recheck-all"] if recheck_all else command


def bare_command(config: Path, recheck: Path | None = None) -> list[str]:
    """The reference spider on the same registry entry (with `recheck`: a re-crawl's requests, read from that store)."""
    command = [sys.executable, "-m", "bench.bare", "--config", str(config), SITE]
    return command if recheck is None else [*command, "--recheck", str(recheck)]


@dataclass
class Repetition:
    """The four crawls of one repetition at one size."""

    bare: Run
    first: Run
    recrawl: Run
    bare_recrawl: Run  # bare Scrapy sending the re-crawl's requests
    recheck_all: Run


def _store_run(command: list[str], server: Server, log: Path, timeout: float, db: Path) -> Run:
    before = store_counts(db)
    run = run_child(command, server, log, timeout)
    run.store = store_counts(db)
    run.created = {t: run.store[t] - before[t] for t in TABLES}
    return run


def repetition(server: Server, config: Path, work: Path, index: int, timeout: float) -> Repetition:
    """Bare and first crawl (order alternating with index), then the re-crawl and --recheck-all."""
    db = work / f"store-{index}.db"
    logs = work / f"logs-{index}"
    logs.mkdir()

    def bare() -> Run:
        return run_child(bare_command(config), server, logs / "bare.log", timeout)

    def first() -> Run:
        return _store_run(newswatch_command(config, db), server, logs / "first.log", timeout, db)

    if index % 2 == 0:
        bare_run, first_run = bare(), first()
    else:
        first_run, bare_run = first(), bare()
    recrawl = _store_run(newswatch_command(config, db), server, logs / "recrawl.log", timeout, db)
    # The same requests from bare Scrapy, with the validators the re-crawl read from the store.
    bare_recrawl = run_child(bare_command(config, recheck=db), server, logs / "bare-recrawl.log", timeout)
    recheck = _store_run(newswatch_command(config, db, recheck_all=True), server, logs / "recheck-all.log", timeout, db)
    runs = ((bare_run, "bare"), (first_run, "first"), (recrawl, "recrawl"), (bare_recrawl, "bare-recrawl"))
    for run, name in (*runs, (recheck, "recheck-all")):
        if run.returncode != 0:
            tail = (logs / f"{name}.log").read_text(errors="replace")[-1500:]
            print(f"FAIL: the {name} crawl exited with {run.returncode}:\n{tail}", flush=True)
    return Repetition(bare_run, first_run, recrawl, bare_recrawl, recheck)


def medians(runs: list[Run]) -> dict[str, Any]:
    """The median of every figure over the runs; the first run's request breakdown and store counts."""
    figures = [r.figures() for r in runs]
    out: dict[str, Any] = {}
    for key in figures[0]:
        if key not in ("by_status", "store", "created", "returncode"):
            values = [f[key] for f in figures]
            out[key] = None if None in values else statistics.median(values)
    out["by_status"], out["store"] = figures[0]["by_status"], figures[0]["store"]
    out["created"] = {t: max(f["created"].get(t, 0) for f in figures) for t in TABLES}  # worst run
    out["returncode"] = max(f["returncode"] for f in figures)
    return out


def bench_size(n: int, runs: int, server_kind: str, seed: int) -> dict[str, Any]:
    """All crawls at one site size; returns the medians and every run's figures."""
    generated_at = time.perf_counter()
    site, fresh = sitegen.cached_site(n, seed)
    made = f"generated in {time.perf_counter() - generated_at:.1f} s" if fresh else "cached"
    print(
        f"\n{n} articles: {site.pages} pages ({site.listings} listing pages), "
        f"articles {site.smallest / 1000:.1f}–{site.largest / 1000:.1f} KB, "
        f"mean {site.article_bytes / n / 1000:.1f} KB ({made}, {site.root})",
        flush=True,
    )
    server = serve.start(site.root, server_kind)
    try:
        problems = serve.check_conditional(server, sitegen.plan(1, seed)[0].path)
        if problems:
            print(f"FAIL: the server does not answer conditional requests: {'; '.join(problems)}", flush=True)
        timeout = max(600.0, site.pages / 5)
        reps = []
        with tempfile.TemporaryDirectory(prefix="newswatch-bench-") as tmp:
            work = Path(tmp)
            config = work / "sites.toml"
            config.write_text(sitegen.registry_toml(server.base_url, site), encoding="utf-8")
            for i in range(runs):
                rep = repetition(server, config, work, i, timeout)
                reps.append(rep)
                print(
                    f"  run {i + 1}/{runs}: bare {rep.bare.wall_s:.1f} s, newswatch {rep.first.wall_s:.1f} s, "
                    f"re-crawl {rep.recrawl.wall_s:.1f} s (bare {rep.bare_recrawl.wall_s:.1f} s), "
                    f"--recheck-all {rep.recheck_all.wall_s:.1f} s",
                    flush=True,
                )
    finally:
        server.stop()
    return {
        "articles": n,
        "pages": site.pages,
        "listings": site.listings,
        "mean_article_kb": site.article_bytes / n / 1000,
        "server": server.name,
        "conditional_check": problems,
        **{k: medians([getattr(r, k) for r in reps]) for k in CRAWLS},
        "runs": [{k: getattr(r, k).figures() for k in CRAWLS} for r in reps],
    }
