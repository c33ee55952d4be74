"""Crawls of different sites into one store at once: no page lost to `database is locked`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newswatch.samples import SampleSites

from .conftest import REPO, table_count

ROUNDS = 10
ARTICLES = {"cqc-en": 6, "cqc-zh": 4, "cspress": 5}


def _crawl_in_parallel(registry: Path, db_path: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "NEWSWATCH_CONFIG": str(registry), "NEWSWATCH_DB": str(db_path)}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "newswatch", "crawl", site, "--quiet"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for site in ARTICLES
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return results


def test_three_sites_crawled_at_once_into_a_fresh_store_lose_nothing(
    sites: SampleSites, registry: Path, tmp_path: Path
) -> None:
    for round_ in range(ROUNDS):
        db_path = tmp_path / f"round{round_}.db"
        results = _crawl_in_parallel(registry, db_path)
        for result in results:
            assert result.returncode == 0, (
                f"round {round_}: {result.args[-2]} exited {result.returncode}\n{result.stderr}"
            )
        assert table_count(db_path, "articles") == sum(ARTICLES.values()), f"round {round_} lost articles"
        assert table_count(db_path, "failures") == 0


def test_read_commands_answer_while_a_crawl_holds_the_write_lock(
    sites: SampleSites, registry: Path, tmp_path: Path
) -> None:
    from store import open_db

    from .conftest import Cli

    db_path = tmp_path / "busy.db"
    cli = Cli(registry, db_path)
    cli("crawl", "cspress")
    writer = open_db(db_path)
    writer.execute("BEGIN IMMEDIATE")  # as a crawl does while it records a page
    try:
        for command in (["digest"], ["sites"], ["search", "standard"], ["history", sites.url("/News/107.html")]):
            result = cli(*command, timeout=20)
            assert "locked" not in result.stderr
    finally:
        writer.execute("ROLLBACK")
        writer.close()
