"""An upgrade of the extractor is never an edit of the page: compare like with like."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import open_readonly

from .conftest import REPO, Cli
from .faults import FaultSite

# newswatch as it would be after an upgrade: a new extractor version whose title rule
# gives different titles for the same pages.
_UPGRADED = """
import sys
import crawler.extract.core as core
import crawler.extract.version as version
import crawler.workers as workers
version.EXTRACTOR_VERSION = "test-2"
workers._POOL = workers.ExtractionPool(0, 1)  # extract in this process, where the new rule is
if sys.argv[1] == "--rule":
    original = core.choose_title
    def better_title(*args):
        title, index = original(*args)
        return (title + " (rule 2)" if title else title), index
    core.choose_title = better_title
sys.argv = ["newswatch", *sys.argv[2:]]
from newswatch.cli import main
main()
"""


@pytest.fixture
def site() -> Iterator[FaultSite]:
    with FaultSite(articles=6, validators=False) as running:  # every re-check is a full 200
        yield running


def _upgraded(cli: Cli, *args: str, rule: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSWATCH_DB": str(cli.db_path), "NEWSWATCH_CONFIG": str(cli.registry)}
    flag = "--rule" if rule else "--no-rule"
    result = subprocess.run(
        [sys.executable, "-c", _UPGRADED, flag, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result


def _events(cli: Cli) -> list[str]:
    db = open_readonly(cli.db_path)
    try:
        return [r[0] for r in db.execute("SELECT kind FROM events ORDER BY id")]
    finally:
        db.close()


def _cli(site: FaultSite, tmp_path: Path) -> Cli:
    registry = tmp_path / "faulty.toml"
    registry.write_text(site.registry(), encoding="utf-8")
    return Cli(registry, tmp_path / "store.db")


def test_a_new_extraction_rule_makes_no_event_and_a_real_edit_makes_one(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    assert _events(cli) == ["new"] * 6
    upgraded = _upgraded(cli, "crawl")
    assert "0 new, 0 edited, 6 unchanged" in upgraded.stdout
    assert _events(cli) == ["new"] * 6 + ["reextracted"] * 6  # baselines, which no digest lists
    digest = json.loads(cli("digest", "--format", "json").stdout)
    assert digest["edited"] == []
    target = site.paths()[2]
    site.edit(target, "The deadline moves to August.")
    assert "0 new, 1 edited, 5 unchanged" in _upgraded(cli, "crawl").stdout
    assert _events(cli).count("edited") == 1
    diff = cli("diff", site.url(target)).stdout
    assert "changed" in diff and "body" in diff and "title" not in diff.splitlines()[1]  # like with like
    assert "{+ The deadline moves to August.+}" in diff  # the added sentence, as it was added
    history = cli("history", site.url(target)).stdout
    assert "reextracted (title)" in history and "re-read from v" in history


def test_a_version_bump_alone_changes_nothing(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    _upgraded(cli, "crawl", rule=False)
    assert _events(cli) == ["new"] * 6
    db = open_readonly(cli.db_path)
    assert [r[0] for r in db.execute("SELECT DISTINCT extractor FROM versions")] == ["test-2"]
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 6


def test_reextract_re_derives_stored_versions_without_events(site: FaultSite, tmp_path: Path) -> None:
    cli = _cli(site, tmp_path)
    cli("crawl")
    result = _upgraded(cli, "reextract")
    assert "6 articles: 0 up to date, 0 same fields, 6 re-derived" in result.stdout
    assert _events(cli) == ["new"] * 6 + ["reextracted"] * 6
    again = _upgraded(cli, "reextract")
    assert "6 articles: 6 up to date" in again.stdout  # idempotent
    everything = _upgraded(cli, "reextract", "--all")  # re-reads them all the same: nothing to record
    assert "6 articles: 0 up to date, 6 same fields, 0 re-derived" in everything.stdout, everything.stdout
    assert _events(cli) == ["new"] * 6 + ["reextracted"] * 6
    assert "0 new, 0 edited, 6 unchanged" in _upgraded(cli, "crawl").stdout
    assert _events(cli) == ["new"] * 6 + ["reextracted"] * 6
