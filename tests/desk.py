"""A store with baselines, a new article and edits (English and Chinese), served by a real `newswatch serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newswatch.samples import SampleSites

from .conftest import REPO, Cli

ZH_EDITED = "/www/chinese/c/2024-03-08/612233.shtml"
EN_EDITED = "/www/english/c/2020-11-23/595351.shtml"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Desk:
    """The served store and what was done to it."""

    base: str
    cli: Cli
    sites: SampleSites
    folder: Path

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        """Status, headers and text of a page of the web view."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode("utf-8")


def serve_desk(folder: Path) -> Iterator[Desk]:
    """Crawl the sample sites twice (a new article, an English and a Chinese edit between), deliver a
    digest, and serve the store with `newswatch serve` until the caller is done."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with SampleSites() as sites:
        registry = folder / "sites.toml"
        monitor = f'[monitor]\ntimezone = "UTC"\nbase_url = "{base}"\ndigest_dir = "digests"\nwatchlist = ["CCC"]\n\n'
        registry.write_text(monitor + sites.registry_toml(), encoding="utf-8")
        cli = Cli(registry, folder / "store.db")
        cli("crawl", "--quiet")
        sites.publish()
        sites.demo_edit()
        sites.edit(ZH_EDITED, "至6月", "至8月")
        cli("crawl", "--quiet")
        cli("digest", "--deliver")
        env = {**os.environ, "NEWSWATCH_CONFIG": str(registry), "NEWSWATCH_DB": str(cli.db_path)}
        log = folder / "serve.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "newswatch", "serve", "--port", str(port)],
                cwd=REPO, env=env, stdout=out, stderr=out,
            )  # fmt: skip
        try:
            wait_until_up(base, server, log)
            yield Desk(base, cli, sites, folder)
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"newswatch serve exited: {log.read_text('utf-8')}")
        try:
            with urllib.request.urlopen(base + "/style.css", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("newswatch serve did not answer within 30 s")
