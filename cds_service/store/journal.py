"""A per-process write-ahead journal: each decision is on disk before the hook is answered, and reaches
the database in batches, off the request path.

Why: with several server processes, a SQLite commit per request makes every request wait for one
shared write lock and its fsync; under load the lock holder is preempted and the queue behind it
sets the tail latency. Here each process appends one JSON line to its own file and syncs it (no lock
shared between processes); a background thread moves closed segments into the database, many
records per transaction.

Crash safety: a process holds an exclusive `flock` on each of its segments until the segment's rows
are committed and the file is deleted. A segment nobody holds belongs to a process that died; any
process (and every start-up) recovers it. Rows are inserted with "on conflict do nothing", so a
segment ingested twice (a crash between commit and delete) changes nothing. A torn last line (the
crash came before the sync returned, so that request was never answered) is skipped.

A write or sync that fails (disk full, file size limit, I/O error) raises JournalError, so the request
is refused instead of answered: a short write is completed or undone (the segment is cut back to its
last whole line), and after a failed sync the segment is closed for ingest and a new one started, so
no later line can be glued to a torn one. A new segment's directory entry is synced too; the
background thread makes the next segment ahead of time, so no request waits for that.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from cds_service.config import AUDIT_FLUSH_SECONDS

log = logging.getLogger("cds_service.store")

Ingest = Callable[[list[dict[str, Any]]], None]
SUFFIX = ".jsonl"


class JournalError(OSError):
    """An entry could not be made durable; it is not in the journal (its request must not be answered)."""


@dataclass
class _Segment:
    path: Path
    fd: int
    entries: int = 0
    size: int = 0  # bytes of whole, synced lines


class Journal:
    """Append entries durably; a background thread hands them to `ingest` in batches."""

    def __init__(
        self, directory: Path, ingest: Ingest, *, sync: bool = True, interval: float = AUDIT_FLUSH_SECONDS
    ) -> None:
        self.directory = directory
        self.ingest = ingest
        self.sync = sync
        self.interval = interval
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # guards the open segment of this process
        self._ingesting = threading.Lock()  # one ingest at a time in this process
        self._pid = 0
        self._segment: _Segment | None = None
        self._spare: _Segment | None = None  # made by the background thread, so no request waits for it
        self._closed: list[_Segment] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._sequence = 0
        self._lock_sequence = threading.Lock()

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry; when this returns (sync on) it survives a crash or power loss.

        Raises JournalError when it could not be written whole and synced; the journal holds none of it.
        """
        line = orjson.dumps(entry) + b"\n"
        with self._lock:
            self._start_in_this_process()
            try:
                segment = self._segment or self._next_segment()
            except OSError as exc:
                raise JournalError(exc.errno, f"audit journal segment not created: {exc.strerror}") from None
            try:
                _write_all(segment.fd, line)
                if self.sync:
                    os.fdatasync(segment.fd)
            except OSError as exc:
                self._undo(segment)
                raise JournalError(exc.errno, f"audit journal entry not written: {exc.strerror}") from None
            segment.entries += 1
            segment.size += len(line)

    def _undo(self, segment: _Segment) -> None:
        """After a failed write or sync: cut the segment back to its whole lines and start a new one.

        The kernel may have dropped the unsynced pages of a failed fdatasync, so nothing more goes into
        this file; its earlier (synced) lines are ingested as usual.
        """
        try:
            os.ftruncate(segment.fd, segment.size)
        except OSError:
            log.error("audit journal segment not cut back after a failed write; its last line may be torn")
        self._segment = None
        if segment.entries:
            self._closed.append(segment)
            self._wake.set()
        else:
            _discard(segment)

    def flush(self) -> None:
        """Move everything this process has journaled into the database now."""
        with self._ingesting:
            with self._lock:
                if self._pid == os.getpid():
                    self._rotate()
            self._ingest_closed()

    def recover(self, *, level: int = logging.WARNING) -> int:
        """Ingest the segments of processes that died or stopped (nobody holds their lock); how many.

        Logged at `level`: a warning when found by chance, info when the caller stopped those processes.
        """
        recovered = 0
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            with self._ingesting:
                try:
                    fd = os.open(path, os.O_RDONLY)
                except FileNotFoundError:
                    continue  # its owner ingested and deleted it meanwhile
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)  # a live process owns it
                    continue
                try:
                    self._ingest_file(_Segment(path, fd))
                except Exception:
                    os.close(fd)  # let a later recovery try again
                    raise
                recovered += 1
        if recovered:
            log.log(level, "recovered audit journal segments of a stopped process", extra={"segments": recovered})
        return recovered

    def pending(self, needle: str) -> Iterator[dict[str, Any]]:
        """The entries of any process's segments, not yet ingested, whose line holds `needle` (a segment ingested and
        deleted meanwhile is skipped: its rows are in the database by then; a torn last line is skipped too)."""
        key = needle.encode()
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            if key not in data:
                continue
            for line in data.splitlines():
                if key in line:
                    try:
                        yield orjson.loads(line)
                    except orjson.JSONDecodeError:
                        continue

    def close(self) -> None:
        """Flush and stop the background thread (graceful shutdown of this process)."""
        if self._pid != os.getpid():
            return
        self._thread, thread = None, self._thread
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=10)
        self.flush()
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            _discard(spare)

    def _close_at_exit(self) -> None:
        try:
            self.close()
        except Exception as exc:
            log.warning("audit journal not flushed at exit", extra={"error": type(exc).__name__})

    def _start_in_this_process(self) -> None:
        # After a fork the child inherits neither the thread nor a usable segment (the parent's lock).
        if self._pid == os.getpid():
            return
        for inherited in [s for s in (self._segment, self._spare) if s] + self._closed:
            os.close(inherited.fd)  # else this copy would keep the parent's lock after the parent died
        self._pid = os.getpid()
        self._segment, self._spare, self._closed = None, None, []
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-journal", daemon=True)
        self._thread.start()
        atexit.register(self._close_at_exit)

    def _next_segment(self) -> _Segment:
        """The spare segment if there is one, else a new one (caller holds `_lock`)."""
        self._segment, self._spare = self._spare or self._open_segment(), None
        return self._segment

    def _make_spare(self) -> None:
        """Create (and sync into the directory) the next segment off the request path."""
        if self._spare is not None or self._pid != os.getpid():
            return
        spare = self._open_segment()
        with self._lock:
            if self._spare is None:
                self._spare, spare = spare, None
        if spare is not None:
            _discard(spare)

    def _open_segment(self) -> _Segment:
        with self._lock_sequence:
            self._sequence += 1
            path = self.directory / f"{os.getpid()}-{time.time_ns()}-{self._sequence}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if self.sync:
                _sync_directory(self.directory)  # the new file's name survives a power loss too
        except OSError:
            path.unlink(missing_ok=True)
            os.close(fd)
            raise
        return _Segment(path, fd)

    def _rotate(self) -> None:
        """Close the open segment for ingesting (caller holds `_lock`)."""
        if self._segment is not None and self._segment.entries:
            self._closed.append(self._segment)
            self._segment = None

    def _run(self) -> None:
        thread = threading.current_thread()
        next_recovery = time.monotonic() + 10 * self.interval
        while self._thread is thread:
            self._wake.wait(self.interval)
            try:
                self.flush()
                self._make_spare()
                if time.monotonic() >= next_recovery:
                    self.recover()
                    next_recovery = time.monotonic() + max(10.0, 10 * self.interval)
            except Exception as exc:
                log.error("audit journal ingest failed; will retry", extra={"error": type(exc).__name__})

    def _ingest_closed(self) -> None:
        while self._closed:
            self._ingest_file(self._closed[0])  # on failure the segment stays (locked) for the next round
            self._closed.pop(0)

    def _ingest_file(self, segment: _Segment) -> None:
        """Insert a segment's entries, then delete it and drop its lock; raises if the database refused."""
        with open(segment.path, "rb") as stream:
            data = stream.read()
        if segment.entries:  # this process wrote it: its whole, synced lines end here
            data = data[: segment.size]
        entries = []
        for line in data.split(b"\n"):
            if not line:
                continue
            try:
                entries.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                log.warning("skipped a torn audit journal line (its request was never answered)")
        if entries:
            self.ingest(entries)
        segment.path.unlink(missing_ok=True)
        os.close(segment.fd)


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a write may be short: disk full, file size limit, signal)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(segment: _Segment) -> None:
    """Delete an unused (empty) segment and drop its lock."""
    segment.path.unlink(missing_ok=True)
    os.close(segment.fd)
