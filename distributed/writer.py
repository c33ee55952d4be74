"""`newswatch writer`: the one process that writes worker crawls into the store.

It reads the observation stream as the consumer `writer` of the group `writers`, applies each
observation in one transaction (distributed.apply) and acknowledges it only after the commit,
then deletes it from the stream. After a crash or a restart it first re-reads what it had
been given but not acknowledged (its pending entries, also those of an earlier consumer name);
the store remembers how far each run got, so nothing is recorded twice.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from sqlite_utils import Database

from .apply import apply, relearn_now
from .connection import UNREACHABLE, QueueUnreachableError, reachable, shown
from .messages import STREAM, Observation
from .profiles import ProfileLearner

logger = logging.getLogger(__name__)
GROUP = "writers"
CONSUMER = "writer"
WRITER_LOCK = "newswatch:writer"
BATCH = 100


@dataclass
class Writer:
    """Applies the stream to the store until stopped."""

    db: Database
    url: str
    stop: threading.Event = field(default_factory=threading.Event)
    block_ms: int = 1000
    lock_seconds: float = 10.0  # a writer that died holds the stream this long at most
    counts: dict[str, int] = field(default_factory=lambda: {"applied": 0, "duplicate": 0, "orphan": 0})
    profiles: ProfileLearner | None = None  # set: site profiles are learned in another process

    def run(self) -> int:
        """Work until stop is set; wait out Redis outages and a busy store; return 0."""
        while not self.stop.is_set():
            try:
                client = reachable(self.url, "writer", self.stop)
            except QueueUnreachableError:
                return 0  # asked to stop while Redis was away
            try:
                self._serve(client)
            except UNREACHABLE as exc:
                logger.error("writer: lost Redis at %s (%s); reconnecting", shown(self.url), exc)
            except sqlite3.OperationalError as exc:  # busy, locked or full: nothing was acknowledged
                logger.error("writer: the store cannot be written (%s); trying again in 5 s", exc)
                self.stop.wait(5)
        return 0

    def _serve(self, client: redis.Redis) -> None:
        _ensure_group(client)
        lock = client.lock(WRITER_LOCK, timeout=self.lock_seconds, thread_local=False)
        if not lock.acquire(blocking=True, blocking_timeout=3 * self.lock_seconds):
            raise SystemExit("another newswatch writer holds the stream (only one may write the store)")
        logger.info("writer: recording observations from %s", shown(self.url))
        try:
            _claim_orphans(client)
            while not self.stop.is_set():
                entries = self._read(client, "0") or self._read(client, ">")
                for entry_id, fields in entries:
                    _keep(lock)
                    self._handle(client, entry_id, fields)
                _keep(lock)
        finally:
            try:
                lock.release()
            except (redis.exceptions.LockError, *UNREACHABLE):
                pass

    def _read(self, client: redis.Redis, start: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Pending entries ("0") or new ones (">", waiting up to block_ms)."""
        block = min(self.block_ms, int(self.lock_seconds * 1000 / 3)) if start == ">" else None
        answer: Any = client.xreadgroup(GROUP, CONSUMER, {STREAM: start}, count=BATCH, block=block)
        if not answer:
            return []
        return [(entry_id, fields) for entry_id, fields in answer[0][1] if fields]

    def _handle(self, client: redis.Redis, entry_id: bytes, fields: dict[bytes, bytes]) -> None:
        try:
            observation = Observation.decode(fields)
        except ValueError as exc:
            logger.error("writer: entry %s dropped: %s", entry_id.decode(), exc)
        else:
            due: list[tuple[str, list[str]]] = []
            relearn = (lambda _db, site, titles: due.append((site, titles))) if self.profiles else relearn_now
            try:
                result = apply(self.db, observation, relearn)
            except (sqlite3.Error, OSError):
                raise  # the store's trouble (locked, full): not acknowledged, tried again after a restart
            except Exception as exc:  # the entry's own (a field missing or of the wrong type): it would fail
                # every time, and stop the writer for good at each restart; its transaction rolled back
                logger.error("writer: entry %s (%s of run %s) dropped: %s: %s", entry_id.decode(),
                             observation.kind, observation.run, type(exc).__name__, exc)  # fmt: skip
                result = "malformed"
            self.counts[result] = self.counts.get(result, 0) + 1
            for site, titles in due:  # committed: the run's pages are there to learn from
                assert self.profiles is not None
                self.profiles.submit(site, titles)
        pipe = client.pipeline()
        pipe.xack(STREAM, GROUP, entry_id)
        pipe.xdel(STREAM, entry_id)
        pipe.execute()


def _keep(lock: redis.lock.Lock) -> None:
    """Extend the writer's lock; take it again if it lapsed (unless another writer took it meanwhile)."""
    try:
        lock.reacquire()
    except redis.exceptions.LockNotOwnedError:
        if not lock.acquire(blocking=False):
            raise SystemExit("another newswatch writer took the stream (only one may write the store)") from None
        logger.warning("writer: its lock on the stream had lapsed; taken again")


def _ensure_group(client: redis.Redis) -> None:
    try:
        client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.exceptions.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _claim_orphans(client: redis.Redis) -> None:
    """Take over entries given to another consumer name (an older writer) and never acknowledged."""
    start = "0-0"
    while True:
        answer: Any = client.xautoclaim(STREAM, GROUP, CONSUMER, min_idle_time=0, start_id=start, count=BATCH)
        start = answer[0].decode() if isinstance(answer[0], bytes) else str(answer[0])
        if start == "0-0":
            return


def drain_seconds(writer: Writer) -> float:
    """Time to apply everything in the stream now (used by the benchmark); the stream is left empty."""
    started = time.perf_counter()
    client = reachable(writer.url, "writer")
    _ensure_group(client)
    while entries := writer._read(client, "0") or writer._read(client, ">"):
        for entry_id, fields in entries:
            writer._handle(client, entry_id, fields)
    return time.perf_counter() - started
