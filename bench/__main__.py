"""`make bench` (`python -m bench`): the benchmarks of issue 9, each part measured against a reference in the same run.

Parts: `crawl` (first crawl against a bare Scrapy spider, re-crawl, --recheck-all, peak RSS),
`store` (every read command on a generated store of 1,000,000 versions, query plans, bytes per
version) and `distributed` (20 sites crawled by 1, 2 and 4 workers with one writer; the writer's
headroom). `--quick` is the development mode: 1,000 articles and a 100,000-version store.
Figures are printed as a table and written to bench/results/bench-<date>[-quick][-PART].json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import crawl, distributed, report, serve, store
from .sitegen import RESULTS


def crawl_part(args: argparse.Namespace) -> dict[str, Any]:
    """First crawl, re-crawl and --recheck-all at each size; prints one table per size."""
    sizes = args.sizes or ([1000] if args.quick else [1000, 5000])
    runs = args.runs or (1 if args.quick else 3)
    results = [crawl.bench_size(n, runs, args.server, args.seed) for n in sizes]
    for size in results:
        report.crawl_table(size)
    return {"sizes": results, "runs": runs}


def store_part(args: argparse.Namespace) -> dict[str, Any]:
    """Read commands, query plans and bytes per version on a generated store; prints its tables."""
    figures = store.bench(args.quick, args.seed, args.runs)
    report.store_table(figures)
    return figures


def distributed_part(args: argparse.Namespace) -> dict[str, Any]:
    """The generated articles in 20 sites, crawled by 1, 2 and 4 workers and one writer; the writer's headroom."""
    articles = (args.sizes or [1000 if args.quick else 5000])[-1]
    figures = distributed.bench(articles, args.server, args.seed)
    report.distributed_table(figures)
    return figures


# A part takes the parsed arguments, prints its tables and returns its figures for the JSON file.
PARTS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "crawl": crawl_part,
    "store": store_part,
    "distributed": distributed_part,
}


def main() -> None:
    """Run the chosen parts, print the machine line and the tables, write the JSON file."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=[*PARTS, "all"], default="all", help="which benchmark (default: all)")
    parser.add_argument("--quick", action="store_true", help="1,000 articles, one run each (development)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], help="article counts, e.g. 1000,5000")
    parser.add_argument(
        "--runs", type=int, help="runs per measure, the median is shown (crawl: 3, quick 1; store: 5, quick 3)"
    )
    parser.add_argument(
        "--server", choices=["auto", "nginx", "python"], default="auto", help="web server (auto: nginx if installed)"
    )
    parser.add_argument("--seed", type=int, default=9, help="seed of the generated sites")
    parser.add_argument(
        "--out", type=Path, help="JSON file of the figures (default bench/results/bench-<date>[-quick][-PART].json)"
    )
    args = parser.parse_args()
    binary = serve.find_nginx() if args.server != "python" else None
    why = "no nginx found" if args.server == "auto" else "--server python"
    server = serve.nginx_version(binary) if binary else f"Python http.server ({why})"
    machine = report.machine(server)
    print(f"newswatch benchmarks — {report.machine_line(machine)}", flush=True)
    started = time.perf_counter()
    parts = list(PARTS) if args.part == "all" else [args.part]
    figures = {"machine": machine, "quick": args.quick, "parts": {name: PARTS[name](args) for name in parts}}
    figures["seconds"] = round(time.perf_counter() - started, 1)
    # one file per part run alone, so measuring one part never overwrites another's figures
    suffix = ("-quick" if args.quick else "") + ("" if args.part == "all" else f"-{args.part}")
    out = args.out or RESULTS / f"bench-{time.strftime('%Y-%m-%d')}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\n{report.machine_line(machine)}\nDone in {figures['seconds']:.0f} s; figures in {out}")


if __name__ == "__main__":
    main()
