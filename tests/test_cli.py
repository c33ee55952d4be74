"""The real `newswatch` command, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlite_utils import Database

from newswatch.samples import SampleSites
from store.db import MIGRATIONS
from store.record import now_iso

from .conftest import Cli

SEED = Path(__file__).parent / "golden" / "seeds" / "002_4da6defca7b4886c.txt"
EDITED = "/www/english/c/2020-11-23/595351.shtml"


def test_help_explains_every_command(db_path: Path) -> None:
    out = Cli(None, db_path)("--help").stdout
    for command in ("crawl", "digest", "extract", "history", "diff", "demo", "samples"):
        assert command in out


def test_extract_a_local_file_as_json(db_path: Path) -> None:
    url = "https://www.cqc.com.cn/www/english/c/2020-11-23/595351.shtml"
    result = Cli(None, db_path)("extract", str(SEED), "--url", url, "--json", "--content-type", "text/plain")
    fields = json.loads(result.stdout)
    assert fields["title"] == "CQC Contributed to SAMR Quality Certification Series Events"
    assert fields["published"] == "2020-11-23" and fields["origin"] == "中国质量认证中心"
    assert fields["body"].startswith("From November 9-11, 2020") and "Exception Clause" not in fields["body"]


def test_extract_prints_readable_fields(db_path: Path) -> None:
    result = Cli(None, db_path)(
        "extract", str(SEED), "--url", "https://www.cqc.com.cn/www/english/c/2020-11-23/1.shtml"
    )
    assert "title:     CQC Contributed" in result.stdout and "5 paragraphs" in result.stdout


def test_extract_missing_file_is_a_clear_error(db_path: Path) -> None:
    result = Cli(None, db_path)("extract", "/no/such/page.html", check=False)
    assert result.returncode != 0 and "Error: cannot read /no/such/page.html" in result.stderr


def test_bad_config_is_a_clear_error(tmp_path: Path, db_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sites]]\nname = "x"\nstart_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    result = Cli(bad, db_path)("crawl", check=False)
    assert result.returncode != 0
    assert 'missing the key "allowed_domains"' in result.stderr and str(bad) in result.stderr


def test_unknown_site_lists_known_ones(cli: Cli) -> None:
    result = cli("crawl", "nope", check=False)
    assert result.returncode != 0 and "known: cqc-en, cqc-zh, cspress" in result.stderr


def test_digest_history_and_diff_after_an_edit(cli: Cli, sites: SampleSites) -> None:
    cli("crawl", "cqc-en")
    mark = now_iso()
    sites.publish()
    sites.demo_edit()
    cli("crawl", "cqc-en")
    text = cli("digest", "--since", mark).stdout
    assert "1 new, 1 edited" in text and "[-140-]{+150+}" in text
    markdown = cli("digest", "--since", mark, "--format", "markdown").stdout
    assert "## New (1)" in markdown and "~~140~~**150**" in markdown
    data = json.loads(cli("digest", "--since", mark, "--format", "json").stdout)
    new, edited = data["new"], data["edited"]
    assert len(new) == 1 and len(edited) == 1
    for item in new + edited:
        assert {"site", "url", "title", "published", "origin"} <= set(item)
    assert edited[0]["changed_fields"] == ["body"]
    history = cli("history", sites.url(EDITED)).stdout
    assert history.count("\n  v") == 2 and "edited (body)" in history
    diff = cli("diff", sites.url(EDITED)).stdout
    assert "body: The " in diff and "[-140-]{+150+} excellent pieces were selected.\n" in diff  # the whole sentence


def test_digest_of_a_quiet_day_is_empty(cli: Cli) -> None:
    cli("crawl", "cspress")
    data = json.loads(cli("digest", "--date", "2001-01-01", "--format", "json").stdout)
    assert data["new"] == [] and data["edited"] == []
    today = json.loads(cli("digest", "--format", "json").stdout)
    # a first crawl is a baseline: counted, not listed (every sample article is years old)
    assert today["new"] == [] and today["started_watching"] == [{"site": "cspress", "articles": 5}]


def test_demo_prints_one_new_two_edits_and_nothing_for_chrome(db_path: Path) -> None:
    result = Cli(None, db_path)("demo", timeout=90)
    assert "1 new, 2 edited" in result.stdout
    assert "[-140-]{+150+}" in result.stdout
    assert "attachment changed: CNCA-C01-01-2024.pdf (212 KB → 236 KB)" in result.stdout
    assert "The chrome-only change made no version and no event" in result.stdout


def test_sites_and_search(cli: Cli) -> None:
    cli("crawl", "cqc-en", "cqc-zh")
    lines = {line.split()[0]: line for line in cli("sites").stdout.splitlines()[1:]}
    assert "ok: 6 new, 0 edited, 0 failed" in lines["cqc-en"] and lines["cqc-en"].split()[-3:] == ["6", "6", "0"]
    assert "never" in lines["cspress"]
    found = cli("search", "carbon")
    assert "CQC Attended the 2023 China SME Development Conference" in found.stdout
    assert "[carbon]" in found.stdout.lower() and "1 result(s)" in found.stderr  # the match as written: [Carbon]
    chinese = cli("search", "抽查")
    assert "关于开展2024年度CCC认证证书有效性抽查工作的通知" in chinese.stdout
    bad = cli("search", "--fts", '"unbalanced', check=False)  # plain input is never FTS syntax
    assert bad.returncode != 0 and "Error: cannot search" in bad.stderr


def test_digest_html_format(cli: Cli) -> None:
    cli("crawl", "cspress")
    page = cli("digest", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and "New (0)" in page
    assert "<li>cspress: started watching, 5 articles</li>" in page


def test_extract_a_url_from_the_sample_server(cli: Cli, sites: SampleSites) -> None:
    url = sites.url("/www/chinese/c/2023-06-16/603412.shtml")
    fields = json.loads(cli("extract", url, "--json").stdout)
    assert fields["title"] == "CQC参加2023年世界认可日主题活动"
    assert fields["published"] == "2023-06-16" and fields["origin"] == "中国质量认证中心"
    assert fields["language"] == "zh" and "当前音量" not in fields["body"]
    down = cli("extract", "http://127.0.0.1:9/nothing.html", check=False)
    assert down.returncode != 0 and "Error: cannot fetch" in down.stderr


# ---- bad input: every mistake is `Error: ...`, exit status 1, no traceback

MINIMAL = """
[[sites]]
name = "local"
start_urls = ["http://127.0.0.1:9/news/"]
allowed_domains = ["127.0.0.1"]
article_pattern = '/news/\\d+\\.html$'
"""
READ_COMMANDS = [
    ("digest",),
    ("history", "http://127.0.0.1:9/news/1.html"),
    ("diff", "http://127.0.0.1:9/news/1.html"),
    ("sites",),
    ("search", "carbon"),
]


def _assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Error: " in result.stderr and "Traceback" not in output, output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# (a line that breaks the minimal registry, where it goes, the command that must refuse it, what the error names)
BAD_CONFIGS = [
    ('download_delay = "fast"', "site", ("crawl",), "download_delay"),
    ('max_pages = "many"', "site", ("search", "x"), "max_pages"),
    ('start_urls = ["127.0.0.1:9/news/"]', "site", ("sites",), "start_urls"),
    ('recheck = "daily"', "monitor", ("crawl",), "recheck"),
    ('watchlist = "CCC"', "monitor", ("digest",), "watchlist"),
    ('digest_tme = "07:30"', "monitor", ("run",), 'Did you mean "digest_time"'),
]


@pytest.mark.parametrize(("line", "table", "command", "named"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_a_bad_registry_is_a_clear_error(
    tmp_path: Path, db_path: Path, line: str, table: str, command: tuple[str, ...], named: str
) -> None:
    registry = tmp_path / "sites.toml"
    if table == "site":
        key = line.split(" =")[0]
        site = "\n".join(row for row in MINIMAL.splitlines() if not row.startswith(f"{key} ="))
        registry.write_text(f"{site}\n{line}\n", encoding="utf-8")
    else:
        registry.write_text(f"[monitor]\n{line}\n{MINIMAL}", encoding="utf-8")
    result = Cli(registry, db_path)(*command, check=False)
    entry = "[[sites]] #1 (local)" if table == "site" else "[monitor]"
    _assert_clean_error(result, str(registry), entry, named, "Fix: ")
    assert not db_path.exists()


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("crawl", "--log-level", "LOUD"), ("'--log-level'", "'LOUD'")),
        (("search", "carbon", "--limit", "0"), ("'--limit'", "0 is not in the range")),
        (("digest", "--timezone", "Asia/Shangai"), ("'--timezone'", "did you mean Asia/Shanghai")),
        (("digest", "--date", "2026-13-01"), ("'--date'", "'2026-13-01'")),
        (("digest", "--since", "yesterday"), ("'--since'", "'yesterday'")),
        (("digest", "--date", "2026-11-01", "--since", "2026-11-01T00:00"), ("--date or --since",)),
        (("extract", str(SEED), "--url", "www.cqc.com.cn/a.shtml"), ("'--url'", "write it in full")),
        (("crawl", "--no-such-option"), ("'--no-such-option'",)),
    ],
    ids=["log-level", "limit", "timezone", "date", "since", "date-and-since", "url", "unknown-option"],
)
def test_a_bad_option_is_a_clear_error(
    tmp_path: Path, db_path: Path, args: tuple[str, ...], names: tuple[str, ...]
) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(MINIMAL, encoding="utf-8")
    result = Cli(registry, db_path)(*args, check=False)
    _assert_clean_error(result, *names)  # the option, the value and how to fix it where there is a way
    assert not db_path.exists()


def test_log_level_is_case_insensitive(tmp_path: Path, db_path: Path) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(MINIMAL, encoding="utf-8")
    result = Cli(registry, db_path)("crawl", "nope", "--log-level", "info", check=False)
    _assert_clean_error(result, "no site named 'nope'")  # the option was accepted; the site name was not


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[c[0] for c in READ_COMMANDS])
def test_read_commands_never_create_a_store(tmp_path: Path, command: tuple[str, ...]) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(MINIMAL, encoding="utf-8")
    typo = tmp_path / "newswacth.db"
    result = Cli(registry, typo)(*command, check=False)
    _assert_clean_error(result, f"no store at {typo}", "--db")
    assert not typo.exists() and list(tmp_path.iterdir()) == [registry]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[c[0] for c in READ_COMMANDS])
def test_a_named_config_that_is_missing_is_an_error(tmp_path: Path, db_path: Path, command: tuple[str, ...]) -> None:
    missing = tmp_path / "sites.tmol"
    by_env = Cli(missing, db_path)(*command, check=False)  # NEWSWATCH_CONFIG
    _assert_clean_error(by_env, f"config file {missing} not found", "NEWSWATCH_CONFIG")
    by_option = Cli(None, db_path)("--config", str(missing), *command, check=False)
    _assert_clean_error(by_option, f"config file {missing} not found", "--config")


def test_digest_reads_the_watchlist_and_timezone_of_the_registry(
    sites: SampleSites, tmp_path: Path, db_path: Path
) -> None:
    registry = tmp_path / "sites.toml"
    # new_window_days: list even a first crawl's years-old articles as new
    monitor = '[monitor]\ntimezone = "America/New_York"\nwatchlist = ["Carbon"]\nnew_window_days = 100000\n'
    registry.write_text(monitor + sites.registry_toml(), encoding="utf-8")
    cli = Cli(registry, db_path)
    cli("crawl", "cqc-en")
    data = json.loads(cli("digest", "--since", "2000-01-01T00:00", "--format", "json").stdout)
    watched = [item for item in data["new"] if item.get("watch")]
    assert watched and all(item["watch"] == ["Carbon"] for item in watched)  # a word, not the letters C, a, r...
    assert "(America/New_York)" in cli("digest").stdout


def test_digest_days_are_in_the_chosen_zone_else_the_machines(
    sites: SampleSites, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(sites.registry_toml(), encoding="utf-8")  # no [monitor] timezone
    cli = Cli(registry, db_path)
    cli("crawl", "cqc-en")
    monkeypatch.setenv("TZ", "Asia/Shanghai")  # the machine's zone
    assert "(Asia/Shanghai)" in cli("digest").stdout
    window = json.loads(cli("digest", "--date", "2026-11-20", "--format", "json").stdout)["window"]
    assert window["start"].startswith("2026-11-19T16:00") and window["end"].startswith("2026-11-20T16:00"), window
    chosen = json.loads(
        cli("digest", "--date", "2026-11-20", "--timezone", "America/New_York", "--format", "json").stdout
    )
    assert chosen["window"]["start"].startswith("2026-11-20T05:00"), chosen["window"]


def test_migrate_upgrades_an_old_store_once(tmp_path: Path, db_path: Path) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(MINIMAL, encoding="utf-8")
    old = Database(db_path)
    MIGRATIONS.apply(old, stop_before="m002_monitor")  # a store written before the monitor existed
    old.close()
    cli = Cli(registry, db_path)
    _assert_clean_error(cli("digest", check=False), "run `newswatch migrate`")
    upgraded = cli("migrate").stdout
    assert "upgraded the schema" in upgraded and "m002_monitor" in upgraded
    assert "New (0)" in cli("digest", "--format", "markdown").stdout
    assert "already up to date" in cli("migrate").stdout
    missing = tmp_path / "other.db"
    _assert_clean_error(Cli(registry, missing)("migrate", check=False), f"no store at {missing}")
    assert not missing.exists()
