"""The registry: every table and key typed and checked at load, every mistake an error naming file, entry, key and fix."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from common.urls import DEFAULT_TRACKING_PARAMS
from crawler.config import (
    BUNDLED_CONFIG,
    Config,
    ConfigError,
    CrawlConfig,
    EmailConfig,
    MonitorConfig,
    QueueConfig,
    Site,
    load_config,
)
from crawler.recheck import RecheckPolicy
from monitor.attention import FAILING_RUNS

FIRST = """
[[sites]]
name = "cqc-en"
start_urls = ["https://www.cqc.com.cn/www/english/"]
allowed_domains = ["cqc.com.cn"]
article_pattern = '/c/\\d+\\.shtml$'
"""
# Bad site values go into the second entry, so each message must say which entry it is.
SECOND = """
[[sites]]
name = "cqc-zh"
start_urls = ["https://www.cqc.com.cn/www/chinese/"]
allowed_domains = ["cqc.com.cn"]
article_pattern = '/c/\\d+\\.shtml$'
"""
SECOND_ENTRY = "[[sites]] #2 (cqc-zh)"
EMAIL = """
[monitor.email]
host = "smtp.example.org"
sender = "newswatch@example.org"
to = ["analyst@example.org"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return path, str(caught.value)


def _assert_names(message: str, path: Path, entry: str, key: str, *fragments: str) -> None:
    """The message names the file, the entry, the key, and says how to fix it."""
    assert str(path) in message, message
    assert entry in message, message
    assert key in message, message
    assert "Fix: " in message, message
    for fragment in fragments:
        assert fragment in message, message


def _without(text: str, key: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(f"{key} ="))


# (line added to the second [[sites]] entry, the key named, fragments of the problem and of the fix)
SITE_CASES = [
    ('download_delay = "fast"', "download_delay", 'not the string "fast"', "download_delay = 1.0"),
    ("download_delay = -1", "download_delay", "at least 0", "download_delay = 1.0"),
    ("download_delay = true", "download_delay", "not the boolean true", "download_delay = 1.0"),
    ("download_delay = inf", "download_delay", "must be a finite number", "download_delay = 1.0"),
    ('max_pages = "many"', "max_pages", 'not the string "many"', "max_pages = 500"),
    ("max_pages = 0", "max_pages", "at least 1", "max_pages = 500"),
    ("max_pages = 2.5", "max_pages", "whole number", "max_pages = 500"),
    ("max_pages = true", "max_pages", "not the boolean true", "max_pages = 500"),
    ("timeout_minutes = 0", "timeout_minutes", "more than 0", "timeout_minutes = 30"),
    ('timeout_minutes = "30"', "timeout_minutes", "without quotes", "timeout_minutes = 30"),
    ("download_timeout = 0", "download_timeout", "more than 0", "download_timeout = 30"),
    ("download_timeout = -5", "download_timeout", "more than 0", "download_timeout = 30"),
    ('download_timeout = "30s"', "download_timeout", "must be a number", "download_timeout = 30"),
    ("retries = -1", "retries", "at least 0", "retries = 2"),
    ("retries = 1.5", "retries", "whole number", "retries = 2"),
    ("retries = false", "retries", "not the boolean false", "retries = 2"),
    ("max_download_mb = 0", "max_download_mb", "more than 0", "max_download_mb = 10"),
    ("max_download_mb = nan", "max_download_mb", "must be a finite number", "max_download_mb = 10"),
    ("interval_minutes = 0", "interval_minutes", "more than 0", "interval_minutes = 360"),
    ('interval_minutes = "6h"', "interval_minutes", 'not the string "6h"', "interval_minutes = 360"),
    ('cron = "every day"', "cron", "not a crontab expression", 'cron = "0 */6 * * *"'),
    ('cron = "61 * * * *"', "cron", "not a crontab expression", 'cron = "0 */6 * * *"'),
    ("cron = 6", "cron", "must be a string", 'cron = "0 */6 * * *"'),
    ('article_pattern = "(["', "article_pattern", "not a valid regular expression", "single quotes"),
    ("follow_pattern = '/index(_\\d+.html'", "follow_pattern", "not a valid regular expression", "single quotes"),
    ("follow_pattern = 5", "follow_pattern", "must be a string", "follow_pattern = '/news/index"),
    ('name = "CQC ZH"', "name", 'not the string "CQC ZH"', 'name = "my-site"'),
    ("intervall_minutes = 60", "intervall_minutes", 'Did you mean "interval_minutes"', 'rename "intervall_minutes"'),
    ("colour = 1", "colour", "unknown key", 'remove "colour"'),
    ("title = 5", "title", "must be a string", 'title = "CQC (English)"'),
    ('title = " "', "title", "is empty", 'title = "CQC (English)"'),
]


@pytest.mark.parametrize(("line", "key", "problem", "fix"), SITE_CASES, ids=[c[0] for c in SITE_CASES])
def test_a_bad_site_value(tmp_path: Path, line: str, key: str, problem: str, fix: str) -> None:
    key_name = line.split(" =")[0]
    second = _without(SECOND, key_name) + "\n" + line + "\n"
    path, message = _error(tmp_path, FIRST + second)
    entry = "[[sites]] #2" if key == "name" else SECOND_ENTRY  # a bad name cannot name its entry
    _assert_names(message, path, entry, key, problem, fix)


# (the second entry's start_urls and allowed_domains lines, the key named, problem, fix)
URL_CASES = [
    (
        'start_urls = ["www.cqc.com.cn/www/chinese/"]',
        "start_urls",
        "not an http(s) URL",
        '"https://www.cqc.com.cn/www/chinese/"',
    ),
    ('start_urls = ["ftp://cqc.com.cn/"]', "start_urls", "not an http(s) URL", "http:// or https://"),
    (
        'start_urls = "https://www.cqc.com.cn/"',
        "start_urls",
        "list of strings",
        'start_urls = ["https://www.cqc.com.cn/"]',
    ),
    ("start_urls = []", "start_urls", "is empty", "at least one listing page"),
    (
        'allowed_domains = ["cspress.cn"]',
        "start_urls",
        'outside allowed_domains ["cspress.cn"]',
        'add "www.cqc.com.cn"',
    ),
    ('allowed_domains = ["https://cqc.com.cn/"]', "allowed_domains", "not a bare domain", 'write "cqc.com.cn"'),
    ('allowed_domains = ["cqc.com.cn:8080"]', "allowed_domains", "not a bare domain", 'write "cqc.com.cn"'),
    ('allowed_domains = "cqc.com.cn"', "allowed_domains", "list of strings", 'allowed_domains = ["cqc.com.cn"]'),
    ("allowed_domains = []", "allowed_domains", "is empty", "allowed_domains ="),
]


@pytest.mark.parametrize(("line", "key", "problem", "fix"), URL_CASES, ids=[c[0] for c in URL_CASES])
def test_a_bad_start_url_or_domain(tmp_path: Path, line: str, key: str, problem: str, fix: str) -> None:
    second = _without(SECOND, line.split(" =")[0]) + "\n" + line + "\n"
    path, message = _error(tmp_path, FIRST + second)
    _assert_names(message, path, SECOND_ENTRY, key, problem, fix)


def test_a_missing_site_key(tmp_path: Path) -> None:
    path, message = _error(tmp_path, FIRST + _without(SECOND, "article_pattern"))
    _assert_names(message, path, SECOND_ENTRY, "article_pattern", 'missing the key "article_pattern"', r"'/news/")


def test_interval_and_cron_together(tmp_path: Path) -> None:
    path, message = _error(tmp_path, FIRST + SECOND + 'interval_minutes = 60\ncron = "0 * * * *"\n')
    _assert_names(message, path, SECOND_ENTRY, "interval_minutes and cron", "keep one")


def test_duplicate_site_names(tmp_path: Path) -> None:
    path, message = _error(tmp_path, FIRST + SECOND.replace('"cqc-zh"', '"cqc-en"'))
    _assert_names(message, path, "[[sites]] #2 (cqc-en)", 'name "cqc-en"', "already used by [[sites]] #1", "own name")


# (lines of [monitor], the key named, problem, fix)
MONITOR_CASES = [
    ('digest_tme = "07:30"', "digest_tme", 'Did you mean "digest_time"', 'rename "digest_tme" to "digest_time"'),
    ('recheck = "daily"', "recheck", 'not the string "daily"', "[[3, 0], [30, 24], [365, 168]]"),
    ("recheck = [[3, 0], [30]]", "recheck", "[days ≥ 0, hours ≥ 0] pair", "[age below (days), re-check every"),
    ("recheck = [[30, 24], [3, 0]]", "recheck", "ages must increase", "ages increasing"),
    ("recheck = [[3, true]]", "recheck", "pair", "recheck = [[3, 0]"),
    ('recheck = [[3, "0"]]', "recheck", "pair", "recheck = [[3, 0]"),
    ("recheck = [[-1, 1]]", "recheck", "pair", "recheck = [[3, 0]"),
    ("recheck = [[3, inf]]", "recheck", "pair", "recheck = [[3, 0]"),
    ("recheck = [[3, 0], [3, 24]]", "recheck", "ages must increase", "ages increasing"),
    ('watchlist = "CCC"', "watchlist", 'not the string "CCC"', 'watchlist = ["CCC"]'),
    ('watchlist = ["CCC", 3]', "watchlist", "list of strings", "watchlist = ["),
    ('digest_time = "7.30"', "digest_time", "HH:MM", 'digest_time = "07:30"'),
    ('digest_time = "25:00"', "digest_time", "HH:MM", 'digest_time = "07:30"'),
    ("digest_time = 730", "digest_time", "not the number 730", 'digest_time = "07:30"'),
    ('timezone = "Asia/Shangai"', "timezone", "not a known time zone", 'timezone = "Asia/Shanghai"'),
    ('timezone = "Mars/Olympus"', "timezone", "not a known time zone", 'timezone = "'),
    ("timezone = 8", "timezone", "must be a string", 'timezone = "Asia/Shanghai"'),
    ("digest_interval_minutes = 0", "digest_interval_minutes", "more than 0", "digest_interval_minutes = 60"),
    ('digest_interval_minutes = "hourly"', "digest_interval_minutes", "must be a number", "= 60"),
    ("failing_runs = 0", "failing_runs", "at least 1", "failing_runs = 3"),
    ('failing_runs = "3"', "failing_runs", "whole number", "failing_runs = 3"),
    ("gone_after = 0", "gone_after", "at least 1", "gone_after = 3"),
    ("gone_after = true", "gone_after", "not the boolean true", "gone_after = 3"),
    ('feed_url = "my feed"', "feed_url", "not a URL", 'feed_url = "https://'),
    ("feed_url = 5", "feed_url", "must be a string", "feed_url ="),
    ("digest_dir = 5", "digest_dir", "must be a string", 'digest_dir = "digests"'),
    ('email = "analyst@example.org"', "email", "must be a table", "[monitor.email]"),
    ("new_window_days = -1", "new_window_days", "at least 0", "new_window_days = 3"),
    ('new_window_days = "3"', "new_window_days", "must be a number", "new_window_days = 3"),
    ('skip_empty = "yes"', "skip_empty", "true or false", "skip_empty = true"),
    ("skip_empty = 1", "skip_empty", "not the number 1", "skip_empty = true"),
    ('base_url = "127.0.0.1:8080"', "base_url", "not an http(s) URL", 'base_url = "http://127.0.0.1:8080"'),
    ('base_url = "ftp://example.org"', "base_url", "not an http(s) URL", "base_url = "),
    ('notify = "ntfy.sh/topic"', "notify", "not an Apprise URL", "ntfy://ntfy.sh/my-topic"),
    ("notify = [1]", "notify", "list of strings", "notify = ["),
]


@pytest.mark.parametrize(("lines", "key", "problem", "fix"), MONITOR_CASES, ids=[c[0] for c in MONITOR_CASES])
def test_a_bad_monitor_value(tmp_path: Path, lines: str, key: str, problem: str, fix: str) -> None:
    path, message = _error(tmp_path, f"[monitor]\n{lines}\n" + FIRST)
    _assert_names(message, path, "[monitor]", key, problem, fix)


# (lines replacing or added to [monitor.email], the key named, problem, fix)
EMAIL_CASES = [
    ('tls = "tls"', "tls", '"starttls", "ssl" or "none"', 'tls = "starttls"'),
    ('port = "587"', "port", 'not the string "587"', "port = 587"),
    ("port = 70000", "port", "1 to 65535", "port = 587"),
    ("port = true", "port", "not the boolean true", "port = 587"),
    ('to = "analyst"', "to", 'holds "analyst"', "analyst@example.org"),
    ("to = []", "to", "is empty", 'to = ["analyst@example.org"]'),
    ("to = [1]", "to", "list of strings", "to = ["),
    ('sender = "newswatch"', "sender", 'holds "newswatch"', "full address"),
    ('sendr = "x@example.org"', "sendr", 'Did you mean "sender"', 'rename "sendr" to "sender"'),
    ("password = 1234", "password", "must be a string", "NEWSWATCH_SMTP_PASSWORD"),
    ("host = 25", "host", "must be a string", 'host = "smtp.example.org"'),
]


@pytest.mark.parametrize(("line", "key", "problem", "fix"), EMAIL_CASES, ids=[c[0] for c in EMAIL_CASES])
def test_a_bad_email_value(tmp_path: Path, line: str, key: str, problem: str, fix: str) -> None:
    email = _without(EMAIL, line.split(" =")[0]) + "\n" + line + "\n"
    path, message = _error(tmp_path, email + FIRST)
    _assert_names(message, path, "[monitor.email]", key, problem, fix)


@pytest.mark.parametrize("key", ["host", "sender", "to"])
def test_a_missing_email_key(tmp_path: Path, key: str) -> None:
    path, message = _error(tmp_path, _without(EMAIL, key) + FIRST)
    _assert_names(message, path, "[monitor.email]", f'missing the key "{key}"', f"add {key} = ")


CRAWL_CASES = [
    ('tracking_param = ["sessionid"]', "tracking_param", 'Did you mean "tracking_params"', 'rename "tracking_param"'),
    (
        'tracking_params = "sessionid"',
        "tracking_params",
        'not the string "sessionid"',
        'tracking_params = ["sessionid"]',
    ),
    ('tracking_params = ["sessionid", ""]', "tracking_params", "list of strings", "tracking_params = ["),
]


@pytest.mark.parametrize(("line", "key", "problem", "fix"), CRAWL_CASES, ids=[c[0] for c in CRAWL_CASES])
def test_a_bad_crawl_value(tmp_path: Path, line: str, key: str, problem: str, fix: str) -> None:
    path, message = _error(tmp_path, f"[crawl]\n{line}\n" + FIRST)
    _assert_names(message, path, "[crawl]", key, problem, fix)


QUEUE_CASES = [
    ('ur = "redis://127.0.0.1:6379/0"', "ur", 'Did you mean "url"', 'rename "ur" to "url"'),
    ("url = 6379", "url", "must be a string", 'url = "redis://127.0.0.1:6379/0"'),
    ('url = "127.0.0.1:6379"', "url", "is not a Redis URL", 'url = "redis://HOST:6379/0"'),
    ('url = "http://127.0.0.1:6379"', "url", "is not a Redis URL", "rediss:// for TLS"),
    ('url = "redis://:6379/0"', "url", "names no host", 'url = "redis://HOST:6379/0"'),
    ('url = "redis://127.0.0.1:99999/0"', "url", "has a bad port", 'url = "redis://HOST:6379/0"'),
    ('url = "redis://127.0.0.1:6379/queue"', "url", "not a database number", 'url = "redis://HOST:6379/0"'),
    ('url = "unix://"', "url", "names no socket path", "unix:///path/redis.sock"),
]


@pytest.mark.parametrize(("line", "key", "problem", "fix"), QUEUE_CASES, ids=[c[0] for c in QUEUE_CASES])
def test_a_bad_queue_value(tmp_path: Path, line: str, key: str, problem: str, fix: str) -> None:
    path, message = _error(tmp_path, f"[queue]\n{line}\n" + FIRST)
    _assert_names(message, path, "[queue]", key, problem, fix)


def test_the_queue_url_is_read_and_absent_by_default(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, FIRST)).queue == QueueConfig()
    for url in ("redis://127.0.0.1:6379/0", "rediss://user:secret@redis.example.org:6380/2", "unix:///run/redis.sock"):
        assert load_config(_write(tmp_path, f'[queue]\nurl = "{url}"\n' + FIRST)).queue.url == url


# (the whole file, fragments the message must hold)
FILE_CASES = [
    ("[monitr]\n" + FIRST, ["the top level", 'Did you mean "monitor"', 'rename "monitr" to "monitor"']),
    (FIRST.replace("[[sites]]", "[[site]]"), ["the top level", 'Did you mean "sites"']),
    ('[sites]\nname = "x"\n', ["[sites] is a single table", "[[sites]] line (double brackets)"]),
    ('[monitor]\ntimezone = "UTC"\n', ["lists no sites", "add at least one [[sites]] table"]),
    ('[[sites]]\nname = "x"\nstart_urls = ["https://a.org/"\n', ["is not valid TOML", "Fix: correct the file"]),
    ('monitor = "on"\n' + FIRST, ["the top level: monitor must be a table", "[monitor] line"]),
]


@pytest.mark.parametrize(
    ("text", "fragments"), FILE_CASES, ids=["typo-table", "site-typo", "single", "none", "toml", "flat"]
)
def test_a_bad_file(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path, message = _error(tmp_path, text)
    assert str(path) in message and "Fix: " in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file .*nope\.toml not found\. Fix: check --config"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=r"is a folder\. Fix: point --config"):
        load_config(tmp_path)


def test_every_key_read_into_typed_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[crawl]
tracking_params = ["sessionid", "src_*", "utm_*"]

[monitor]
timezone = "Asia/Shanghai"
digest_time = 06:45:00
digest_interval_minutes = 90
digest_dir = "out/digests"
watchlist = ["CCC", "低碳"]
failing_runs = 5
gone_after = 2
recheck = [[1, 2], [5, 48.5]]
feed_url = "https://example.org/feed.atom"
new_window_days = 7
skip_empty = true
base_url = "http://127.0.0.1:8080/"
notify = "json://127.0.0.1:9000/hook"

[monitor.email]
host = "smtp.example.org"
tls = "ssl"
username = "nw"
sender = "newswatch@example.org"
to = "analyst@example.org"

[[sites]]
name = "cqc-en"
start_urls = ["https://www.cqc.com.cn/www/english/", "http://en.cqc.com.cn/"]
allowed_domains = ["CQC.com.cn"]
article_pattern = '/c/\\d+\\.shtml$'
follow_pattern = 'index(_\\d+)?\\.shtml$'
download_delay = 0
max_pages = 20
cron = "0 */6 * * *"
timeout_minutes = 5
download_timeout = 7.5
retries = 0
max_download_mb = 2
title = "CQC (English)"
""",
    )
    config = load_config(path)
    assert config == Config(
        path=path,
        sites=(
            Site(
                name="cqc-en",
                start_urls=("https://www.cqc.com.cn/www/english/", "http://en.cqc.com.cn/"),
                allowed_domains=("cqc.com.cn",),
                article_pattern=r"/c/\d+\.shtml$",
                follow_pattern=r"index(_\d+)?\.shtml$",
                download_delay=0.0,
                max_pages=20,
                cron="0 */6 * * *",
                timeout_minutes=5.0,
                download_timeout=7.5,
                retries=0,
                max_download_mb=2.0,
                title="CQC (English)",
            ),
        ),
        monitor=MonitorConfig(
            timezone="Asia/Shanghai",
            digest_time=time(6, 45),
            digest_interval_minutes=90.0,
            digest_dir=tmp_path / "out" / "digests",  # relative to the registry, not the working folder
            watchlist=("CCC", "低碳"),
            failing_runs=5,
            gone_after=2,
            recheck=((1.0, 2.0), (5.0, 48.5)),
            feed_url="https://example.org/feed.atom",
            new_window_days=7.0,
            skip_empty=True,
            base_url="http://127.0.0.1:8080",  # without the trailing slash: links append paths
            notify=("json://127.0.0.1:9000/hook",),  # one URL may be written without brackets
            email=EmailConfig(
                host="smtp.example.org",
                sender="newswatch@example.org",
                to=("analyst@example.org",),
                port=465,  # the ssl default
                tls="ssl",
                username="nw",
            ),
        ),
        crawl=CrawlConfig(tracking_params=(*DEFAULT_TRACKING_PARAMS, "sessionid", "src_*")),
    )
    assert isinstance(config.sites[0].max_pages, int) and isinstance(config.sites[0].download_delay, float)
    assert config.sites[0].display_name == "CQC (English)"


def test_defaults_when_tables_are_absent(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FIRST))
    assert config.monitor == MonitorConfig() and config.crawl == CrawlConfig()
    assert config.monitor.failing_runs == FAILING_RUNS  # the config's default is the monitor's
    assert config.monitor.zone().key == "UTC" and config.monitor.digest_time == time(7, 30)
    assert config.crawl.tracking_params == DEFAULT_TRACKING_PARAMS
    site = config.sites[0]
    assert (site.download_delay, site.max_pages, site.timeout_minutes) == (1.0, 500, 30.0)
    assert (site.download_timeout, site.retries, site.max_download_mb) == (30.0, 2, 10.0)
    email = load_config(_write(tmp_path, EMAIL + FIRST)).monitor.email
    assert email is not None and (email.port, email.tls, email.username, email.password) == (
        587,
        "starttls",
        None,
        None,
    )


def test_the_bundled_registry_is_valid() -> None:
    config = load_config(BUNDLED_CONFIG)
    assert [s.name for s in config.sites] == ["cqc-en", "cqc-zh", "cspress"]
    assert config.monitor.timezone == "Asia/Shanghai"


def test_the_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FIRST))
    with pytest.raises(AttributeError):
        config.monitor.watchlist = ("x",)  # type: ignore[misc]


def test_recheck_may_say_never(tmp_path: Path) -> None:
    """No tiers (or a tier no age falls under) means known articles are never re-checked."""
    empty = load_config(_write(tmp_path, "[monitor]\nrecheck = []\n" + FIRST)).monitor
    assert empty.recheck == ()
    policy = RecheckPolicy.from_config(empty)
    assert policy.interval(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC)) is None
    zero = load_config(_write(tmp_path, "[monitor]\nrecheck = [[0, 0]]\n" + FIRST)).monitor
    assert zero.recheck == ((0.0, 0.0),)
