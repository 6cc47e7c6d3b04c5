"""One writer at a time across all server processes, so SQLite never backs off with sleeps.

SQLite lets one connection write at a time; a second writer gets SQLITE_BUSY and its busy handler
sleeps (1, 2, 5, 10 ... 100 ms) before trying again, which is where a multi-process server's tail
latency comes from. An exclusive `flock` on a file beside the database queues writers in the kernel
instead: each one wakes as soon as the previous commit ends.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path


class FileWriteLock:
    """An exclusive lock shared by every process that opens the same path (and every thread in each)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            fd = self._descriptor()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        # A forked worker must open its own descriptor: processes that share one open file share its lock.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


def write_lock_for(database: Path | None) -> FileWriteLock | None:
    """The lock for a SQLite database file; None without one (in-memory SQLite, server databases)."""
    if database is None:
        return None
    return FileWriteLock(database.with_name(database.name + ".write-lock"))


def holding(lock: FileWriteLock | None) -> AbstractContextManager[None]:
    return lock.held() if lock else nullcontext()
