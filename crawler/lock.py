"""One crawl per site at a time, whoever starts it: an exclusive lock file per site and store."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO


class SiteLock:
    """An exclusive lock file per site and store: two crawls of one site never run at once,
    whether started by `newswatch run`, by hand or by `scrapy crawl`."""

    def __init__(self, db_path: Path, site: str):
        self.path = db_path.with_name(f".{db_path.name}.{site}.lock")
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False when another crawl of the site holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        """Let the next crawl of the site start (the OS also releases it when a process dies)."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
