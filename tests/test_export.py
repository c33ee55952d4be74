"""Getting data out: `newswatch export`, `scrapy crawl SITE -O`, `--json` on sites and history."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from newswatch.samples import SampleSites

from .conftest import Cli
from .test_crawl import _scrapy

EDITED = "/www/english/c/2020-11-23/595351.shtml"


def test_export_current_and_all_versions(cli: Cli, sites: SampleSites) -> None:
    cli("crawl", "cqc-en", "cspress")
    sites.demo_edit()
    cli("crawl", "cqc-en", "--recheck-all")
    en, cspress = len(sites.live("cqc-en")), len(sites.live("cspress"))
    current = [json.loads(line) for line in cli("export").stdout.splitlines()]
    assert len(current) == en + cspress and all(row["current"] for row in current)
    edited = next(row for row in current if row["url"] == sites.url(EDITED))
    assert "150 excellent pieces" in edited["body"] and "raw" not in edited
    every = [json.loads(line) for line in cli("export", "--all-versions", "--site", "cqc-en").stdout.splitlines()]
    assert len(every) == en + 1 and {row["site"] for row in every} == {"cqc-en"}
    old = next(row for row in every if row["url"] == sites.url(EDITED) and not row["current"])
    assert "140 excellent pieces" in old["body"]
    table = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", "--site", "cspress").stdout)))
    assert len(table) == cspress and table[0]["site"] == "cspress" and table[0]["title"]
    assert cli("export", "--since", "2999-01-01").stdout == ""


def test_sites_and_history_as_json(cli: Cli, sites: SampleSites) -> None:
    cli("crawl", "cqc-en")
    rows = {r["site"]: r for r in map(json.loads, cli("sites", "--json").stdout.splitlines())}
    assert rows["cqc-en"]["articles"] == len(sites.live("cqc-en")) and rows["cqc-en"]["last_crawl"]["status"] == "ok"
    assert rows["cspress"]["last_crawl"] is None
    history = json.loads(cli("history", sites.url(EDITED), "--json").stdout)
    assert history["article"]["url"] == sites.url(EDITED)
    assert len(history["versions"]) == 1 and history["events"][0]["kind"] == "new"


def test_scrapy_feed_export_writes_whole_items_without_raw_bytes(
    sites: SampleSites, registry: Path, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "items.jsonl"
    result = _scrapy(registry, db_path, "crawl", "cspress", "-O", str(out), "-s", "LOG_LEVEL=WARNING")
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(items) == len(sites.live("cspress"))
    for item in items:
        assert "raw" not in item and item["site"] == "cspress" and item["key"] and item["extractor"]
        article = item["article"]
        assert article["title"] and article["paragraphs"] and article["url"].startswith("http://127.0.0.1")
    dated = next(i for i in items if i["article"]["title"] == "ISO/TC 292 plenary meeting held in Beijing")
    assert dated["article"]["published"] == "2018-03-29"


def test_scrapy_feed_export_lists_articles_with_their_attachments(
    sites: SampleSites, registry: Path, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "items.jsonl"
    result = _scrapy(registry, db_path, "crawl", "cqc-zh", "-O", str(out), "-s", "LOG_LEVEL=WARNING")
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(items) == len(sites.live("cqc-zh")) and all("article" in i for i in items)  # no file items
    (notice,) = [i for i in items if i["article"]["attachments"]]
    assert notice["article"]["attachments"][0]["url"].endswith("/CNCA-C01-01-2024.pdf")
