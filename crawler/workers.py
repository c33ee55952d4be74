"""Extraction (and recording) off the reactor thread: a process pool sized to the cores, behind a bounded queue.

Parsing a page costs several times what fetching it does. Run on Twisted's reactor thread,
it uses one core while the others idle, and a slow page stalls every download (their
timeouts keep running). The pool runs the pure extraction core in worker processes; the
reactor only awaits results. At most `max_pending` pages wait for a worker, so a fast site
cannot pile up pages in memory faster than they are read. The workers also record the pages
they read in the store (crawler.recording.store_article_at), each on its own connection.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ExtractionPool:
    """Runs pure functions (the extraction core) in worker processes; in-process when workers=0."""

    def __init__(self, workers: int, max_pending: int):
        self.workers = workers
        self._slots = asyncio.Semaphore(max_pending)
        self._executor: ProcessPoolExecutor | None = None
        # The store's write turn: the workers hold it while they record a page, the crawl
        # process while it writes (see write_turn). None without workers.
        self.write_lock: Any = None
        if workers > 0:
            # forkserver, not fork: a forked worker would inherit the crawl's open files,
            # its site lock among them, and hold the lock after the crawl is killed. The
            # server process starts clean, imports the core once, and forks the workers.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.extract", "crawler.recording"])
            self.write_lock = context.Lock()
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(self.write_lock, os.getpid()),
            )

    @property
    def in_process(self) -> bool:
        """True when work runs in this process (workers=0)."""
        return self.workers == 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a worker process, awaited without blocking the reactor.

        BrokenProcessPool when the pool broke (a worker died) or was closed while the call
        waited for its turn: the caller fails that page and asks for a fresh pool.
        """
        if self.in_process:
            return fn(*args)
        async with self._slots:
            executor = self._executor
            if executor is None:
                raise BrokenProcessPool("the extraction pool was closed (a worker died)")
            future = executor.submit(fn, *args)
            try:
                return await asyncio.wrap_future(future)
            except asyncio.CancelledError:
                if future.cancelled():  # dropped by a pool that was closed, not by our caller
                    raise BrokenProcessPool("the extraction pool was closed (a worker died)") from None
                raise

    def close(self, broken: bool = False) -> None:
        """Stop the workers (queued work is dropped: the crawl is over).

        A broken pool (a worker died) is not waited for: Python 3.11's executor, breaking while
        it started a worker, can leave that worker idle on its task queue, never told to stop,
        and wait for it for good — with the crawl's reactor waiting behind (a crawl hung so
        after a worker was killed). Every page of a broken pool has failed already, so its
        workers are killed, and its own threads then end.
        """
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        if not broken:
            executor.shutdown(wait=True, cancel_futures=True)
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())  # (no public list)
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(OSError, ValueError):  # gone already, or closed
                process.kill()


_POOL: ExtractionPool | None = None
# In a worker: the lock its pool's workers take turns to write the store with (see write_turn).
_WRITE_TURN: Any = None


def _start_worker(lock: Any, crawl_pid: int) -> None:
    global _WRITE_TURN
    _WRITE_TURN = lock
    # Ctrl-C in a terminal reaches the whole process group: the crawl process stops the crawl
    # (and its pool); a worker interrupted mid-page would hand KeyboardInterrupt back as a result.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(crawl_pid,), name="newswatch-crawl-watch", daemon=True).start()


def _end_with(crawl_pid: int) -> None:
    """End this worker when the crawl process that started it is gone.

    A crawl process that is killed (SIGKILL: the monitor stopping a hung crawl, the OOM
    killer) never tells its workers to stop. They wait on their task queue forever (each
    holds that queue's other end itself), and the forkserver waits for them: every killed
    crawl left its whole pool behind, tens of MB each. A half-written page is safe to
    abandon: SQLite rolls back a transaction that never committed.
    """
    try:
        watched = os.pidfd_open(crawl_pid)
    except (AttributeError, OSError):  # not Linux 5.3+: ask every second instead
        while _alive(crawl_pid):
            time.sleep(1.0)
        os._exit(0)
    select.select([watched], [], [])  # readable once the process has ended
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid now names another user's process
        return False
    return True


def write_turn() -> Any:
    """A lock the pool's workers hold while they write the store, or None outside a worker.

    SQLite's own wait for its write lock sleeps 1, 2, 5, 10 … ms between tries, so a writer
    can wait a long time while others hand the lock on between them; taking turns on a lock
    wakes the next one the moment the store is free. The crawl process takes the same turn
    for its own writes (crawler.backends.LocalBackend).
    """
    return _WRITE_TURN


@contextmanager
def write_turn_of_the_workers() -> Iterator[None]:
    """Hold the store's write turn of this process's pool, if it has one, for the crawl
    process's own write (a 304, a failure, a file …), so that write waits for the worker
    writing now and not in SQLite's sleeps while the workers hand the lock on between them."""
    with taking_turn(_POOL.write_lock if _POOL is not None else None):
        yield


# A worker killed while it holds the turn never gives it back (a multiprocessing lock is not
# released by a dying process): past this wait the writer goes on without its turn, and
# SQLite's own lock still keeps the writes apart. A page's write takes milliseconds.
TURN_WAIT_SECONDS = 10.0


@contextmanager
def taking_turn(lock: Any) -> Iterator[None]:
    """Hold `lock` (the write turn) while writing, if there is one and it comes in time."""
    if lock is None:
        yield
        return
    if not lock.acquire(timeout=TURN_WAIT_SECONDS):
        logger.warning(
            "the store's write turn was not handed on in %g s (a worker died?): writing without it", TURN_WAIT_SECONDS
        )
        yield
        return
    try:
        yield
    finally:
        lock.release()


def shared_pool(workers: int | None = None, max_pending: int = 64) -> ExtractionPool:
    """The process's one pool (several sites crawled in one process share it); created on first use.

    workers: None means one per core (os.cpu_count()), 0 means extract in this process.
    """
    global _POOL
    if _POOL is None:
        count = (os.cpu_count() or 1) if workers is None else workers
        _POOL = ExtractionPool(count, max_pending)
        atexit.register(_POOL.close)
        logger.debug("extraction pool: %d worker processes", count)
    return _POOL


def running_pool() -> ExtractionPool | None:
    """The process's pool if something started it (None when no page was extracted yet)."""
    return _POOL


def reset_pool(broken: ExtractionPool | None = None) -> None:
    """Drop a broken pool (a worker died): the next shared_pool() starts fresh workers.

    With `broken`, only that pool: a page that saw it break late must not close the fresh one.
    """
    global _POOL
    if _POOL is not None and (broken is None or _POOL is broken):
        pool, _POOL = _POOL, None
        try:
            pool.close(broken=True)
        except Exception as exc:  # a broken executor may refuse even to shut down
            logger.warning("closing a broken extraction pool: %s", exc)
