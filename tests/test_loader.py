"""The spider loader behind `scrapy crawl SITE` and `scrapy list`: one spider per registry entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import BUNDLED_CONFIG, load_config
from crawler.loader import SiteSpiderLoader

from .conftest import REPO

BAD = """
[monitor]
watchlist = "CCC"

[[sites]]
name = "local"
start_urls = ["http://127.0.0.1:9/news/"]
allowed_domains = ["127.0.0.1"]
article_pattern = '/news/\\d+\\.html$'
"""


def test_one_spider_per_site_with_its_policy() -> None:
    loader = SiteSpiderLoader(load_config(BUNDLED_CONFIG))
    assert loader.list() == ["cqc-en", "cqc-zh", "cspress"]
    assert loader.load("cspress").site.allowed_domains == ("cspress.cn",)
    with pytest.raises(KeyError, match="Spider not found: nope"):
        loader.load("nope")


@pytest.mark.parametrize("args", [("list",), ("crawl", "local")])
def test_scrapy_with_a_bad_registry_is_a_clear_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(BAD, encoding="utf-8")
    db_path = tmp_path / "store.db"
    env = {**os.environ, "NEWSWATCH_CONFIG": str(registry), "NEWSWATCH_DB": str(db_path)}
    scrapy = str(Path(sys.executable).with_name("scrapy"))
    result = subprocess.run([scrapy, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert f"Error: {registry}: [monitor]: watchlist must be a list of strings" in result.stderr
    assert not db_path.exists()
