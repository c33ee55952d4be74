"""The re-check schedule: often while young, then rarely, then never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawler.config import MonitorConfig
from crawler.recheck import RecheckPolicy

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_default_tiers() -> None:
    policy = RecheckPolicy()
    young = NOW - timedelta(days=1)
    assert policy.is_due(young, NOW - timedelta(minutes=1), NOW)  # young: every crawl
    month = NOW - timedelta(days=10)
    assert not policy.is_due(month, NOW - timedelta(hours=23), NOW)
    assert policy.is_due(month, NOW - timedelta(hours=24), NOW)
    year = NOW - timedelta(days=200)
    assert not policy.is_due(year, NOW - timedelta(days=6), NOW)
    assert policy.is_due(year, NOW - timedelta(days=7), NOW)
    ancient = NOW - timedelta(days=400)
    assert not policy.is_due(ancient, NOW - timedelta(days=300), NOW)  # never again


def test_tiers_from_config() -> None:
    policy = RecheckPolicy.from_config(MonitorConfig(recheck=((1, 2), (5, 48)), gone_after=2))
    assert policy.gone_after == 2
    assert policy.interval(NOW - timedelta(hours=5), NOW) == timedelta(hours=2)
    assert policy.interval(NOW - timedelta(days=3), NOW) == timedelta(hours=48)
    assert policy.interval(NOW - timedelta(days=6), NOW) is None
