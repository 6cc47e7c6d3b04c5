"""Rating partitions in forked worker processes that Ctrl-C can stop at any moment.

Each worker has a pipe of its own and the parent waits on the pipes directly: no manager thread, no queue
shared between processes. An interrupted run kills the workers and drops their pipes, so a result cut off
halfway through its write is simply discarded. (With concurrent.futures' ProcessPoolExecutor a worker
terminated mid-write left the pool's manager thread waiting for the rest of the message, and the
interpreter's exit hook then waited on that thread for ever: Ctrl-C printed its hint and hung.)
"""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections.abc import Iterator
from contextlib import suppress
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from cds_service.replay.partition import partition_path
from cds_service.replay.rate import Options, PartitionResult, engine_for, rate_partition

_STOP = -1  # sent instead of a partition number: the worker exits


class PartitionFailed(RuntimeError):
    """A partition could not be rated (an error, or its worker died); nothing of it was committed."""


def rate_in_workers(pending: list[int], workers: int, work_dir: Path, options: Options) -> Iterator[PartitionResult]:
    """PartitionResults as they finish, one partition in flight per worker. Closing the iterator early (an
    exception in the caller, Ctrl-C) kills the workers; their uncommitted partitions are rated by the next run."""
    engine_for(options.mappings)  # loaded once here; the forked workers inherit it
    queue = list(reversed(pending))
    pool = _Workers()
    try:
        for connection in pool.start(min(workers, len(pending)), work_dir, options):
            pool.give(connection, queue)
        while pool.busy:
            for connection in wait(list(pool.busy)):
                result = _received(connection, pool.busy.pop(connection))
                pool.give(connection, queue)  # its next partition goes out before the caller commits this one
                yield result
        pool.stop()
    finally:
        pool.kill()


class _Workers:
    """Forked workers: the parent's end of each one's pipe, which are idle, and what the busy ones rate."""

    def __init__(self) -> None:
        self.processes: list[BaseProcess] = []
        self.connections: list[Connection] = []
        self.busy: dict[Connection, int] = {}

    def start(self, count: int, work_dir: Path, options: Options) -> list[Connection]:
        """Fork `count` workers. Ctrl-C is held back until every one is recorded here (so `kill` finds it) and
        has begun ignoring SIGINT (so it prints no traceback of its own)."""
        context = multiprocessing.get_context("fork")
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(count):
                parent_end, child_end = context.Pipe()
                self.connections.append(parent_end)
                # the worker closes its copies of the parent's ends, so it sees EOF if the parent dies
                process = context.Process(target=_serve, args=(child_end, self.connections[:], work_dir, options))
                process.daemon = True
                process.start()
                self.processes.append(process)
                child_end.close()  # the parent's copy: a dead worker's pipe must then read as closed
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        return self.connections[:]

    def give(self, connection: Connection, queue: list[int]) -> None:
        """The next partition of the queue to this worker; none left, and it stays idle."""
        if queue:
            partition = queue.pop()
            try:
                connection.send(partition)
            except OSError as exc:
                raise PartitionFailed(f"the worker given partition {partition} died") from exc
            self.busy[connection] = partition

    def stop(self) -> None:
        """Every partition rated: the workers exit (one that died meanwhile is reaped by `kill`)."""
        for connection in self.connections:
            with suppress(OSError):
                connection.send(_STOP)
        for process in self.processes:
            process.join()

    def kill(self) -> None:
        """Whatever state the run is in: no worker and no pipe is left behind."""
        for process in self.processes:
            if process.is_alive():
                process.kill()
        for process in self.processes:
            process.join()
        for connection in self.connections:
            connection.close()


def _received(connection: Connection, partition: int) -> PartitionResult:
    try:
        outcome, value = connection.recv()
    except (EOFError, OSError) as exc:
        raise PartitionFailed(f"the worker rating partition {partition} died") from exc
    if outcome != "done":
        raise PartitionFailed(f"partition {partition}: {value}")
    return value


def _serve(connection: Connection, parent_ends: list[Connection], work_dir: Path, options: Options) -> None:
    """The worker: rate the partitions the parent sends until it sends _STOP or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the workers
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent while forking
    for inherited in parent_ends:
        inherited.close()
    engine_for(options.mappings)
    while True:
        try:
            partition = connection.recv()
        except EOFError:
            return
        if partition == _STOP:
            return
        try:
            result = rate_partition(partition_path(work_dir, partition), partition, options)
            connection.send(("done", result))
        except OSError:
            return  # the parent is gone
        except Exception:  # the rating, or pickling its result, failed: reported, and the parent stops the run
            connection.send(("failed", traceback.format_exc()))
