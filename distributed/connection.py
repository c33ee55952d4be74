"""Reaching Redis: one connection per process, key names, and waiting out an outage.

An unreachable Redis is an expected state (a restart, a network cut), not a crash: every
long-running process says so in one line per attempt, without a traceback, and tries again
after a growing pause (1 s, 2 s, 4 s ... at most a minute).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis

logger = logging.getLogger(__name__)
T = TypeVar("T")

QUEUE = "newswatch-crawls"  # the RQ queue of "crawl SITE" jobs
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class QueueUnreachableError(Exception):
    """Redis could not be reached (and the caller was asked to stop waiting)."""


def queued_key(site: str) -> str:
    """The marker the scheduler sets while a crawl job of the site is queued or running."""
    return f"newswatch:queued:{site}"


def crawling_key(site: str) -> str:
    """The lock a crawl holds while it crawls the site, whichever worker runs it."""
    return f"newswatch:crawling:{site}"


def connect(url: str) -> redis.Redis:
    """A client for the Redis at url (nothing is sent until it is used)."""
    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=60, health_check_interval=30)


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def with_retries(
    what: str,
    url: str,
    call: Callable[[], T],
    stop: threading.Event | None = None,
    give_up_after: float | None = None,
) -> T:
    """call(), retried with a growing pause while Redis cannot be reached; one log line per failure.

    QueueUnreachableError when `stop` is set or `give_up_after` seconds of pauses passed.
    """
    pause, waited = FIRST_PAUSE, 0.0
    while True:
        try:
            return call()
        except UNREACHABLE as exc:
            if give_up_after is not None and waited >= give_up_after:
                raise QueueUnreachableError(f"cannot reach Redis at {shown(url)}: {_why(exc)}") from exc
            logger.error(
                "%s: cannot reach Redis at %s (%s); trying again in %.0f s", what, shown(url), _why(exc), pause
            )
            if stop is not None and stop.wait(pause):
                raise QueueUnreachableError(f"cannot reach Redis at {shown(url)}: {_why(exc)}") from exc
            if stop is None:
                threading.Event().wait(pause)
            waited += pause
            pause = min(pause * 2, LONGEST_PAUSE)


def reachable(url: str, what: str, stop: threading.Event | None = None) -> redis.Redis:
    """A client for url once Redis answers a PING (waiting out an outage as with_retries does)."""
    client = connect(url)
    with_retries(what, url, client.ping, stop)
    return client


def _why(exc: BaseException) -> str:
    return str(exc).strip().rstrip(".") or type(exc).__name__
