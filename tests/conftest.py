"""Shared fixtures: the sample sites on 127.0.0.1, a registry for them, a store, the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch.samples import SampleSites
from store import open_db

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen",
        action="store_true",
        default=False,
        help="rewrite the expected JSON of the golden pages from the extractor's output (review the diff!)",
    )


@pytest.fixture
def regen(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden expectations."""
    return bool(request.config.getoption("--regen"))


@pytest.fixture
def sites() -> Iterator[SampleSites]:
    """Fresh sample sites, served for one test."""
    with SampleSites() as running:
        yield running


@pytest.fixture
def registry(sites: SampleSites, tmp_path: Path) -> Path:
    """A site registry pointing at the running sample sites."""
    path = tmp_path / "sites.toml"
    path.write_text(sites.registry_toml(), encoding="utf-8")
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's store lives."""
    return tmp_path / "store.db"


class Cli:
    """Runs the real `newswatch` command in a child process, as a user would."""

    def __init__(self, registry: Path | None, db_path: Path):
        self.registry = registry
        self.db_path = db_path

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NEWSWATCH_DB": str(self.db_path)}
        if self.registry:
            env["NEWSWATCH_CONFIG"] = str(self.registry)
        result = subprocess.run(
            [sys.executable, "-m", "newswatch", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
            cwd=REPO,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"newswatch {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
        return result

    def peak_rss_kb(self, *args: str, timeout: float = 120) -> int:
        """Run the command and return its peak resident memory in KiB (a wrapper process waits for it)."""
        code = (
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=False, stdout=subprocess.DEVNULL);"
            " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        env = {**os.environ, "NEWSWATCH_DB": str(self.db_path)}
        if self.registry:
            env["NEWSWATCH_CONFIG"] = str(self.registry)
        result = subprocess.run(
            [sys.executable, "-c", code, sys.executable, "-m", "newswatch", *args],
            capture_output=True, text=True, env=env, timeout=timeout, check=True, cwd=REPO,
        )  # fmt: skip
        return int(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def cli(registry: Path, db_path: Path) -> Cli:
    """The CLI bound to the sample registry and the test's store."""
    return Cli(registry, db_path)


def table_count(db_path: Path, table: str) -> int:
    """Rows in a table of the store."""
    db = open_db(db_path)
    try:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        db.close()


@pytest.fixture(scope="session")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The sample sites crawled twice (baseline, then a new article and edits), a digest
    delivered, and `newswatch serve` running over the store (tests/desk.py)."""
    from .desk import serve_desk

    yield from serve_desk(tmp_path_factory.mktemp("desk"))
