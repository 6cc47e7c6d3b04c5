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
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from cds_service.replay.partition import partition_path
from cds_service.replay.rate import Options, PartitionResult, engine_for, rate_partition

_STOP = -1  # sent instead of a partition number: the worker exits


class WorkerFailed(RuntimeError):
    """A worker raised while rating a partition, or died; nothing of that partition was committed."""


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
                result = _received(connection, pool.busy[connection])
                del pool.busy[connection]
                pool.give(connection, queue)  # its next partition goes out before the caller commits this one
                yield result
        pool.stop()
    finally:
        pool.kill()


class _Workers:
    """Forked workers, each with the parent's end of its pipe and the partition it is rating, if any."""

    def __init__(self) -> None:
        self.processes: list[BaseProcess] = []
        self.idle: list[Connection] = []
        self.busy: dict[Connection, int] = {}

    def start(self, count: int, work_dir: Path, options: Options) -> list[Connection]:
        context = multiprocessing.get_context("fork")
        for _ in range(count):
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_serve, args=(child_end, work_dir, options), daemon=True)
            process.start()
            child_end.close()  # the parent's copy: a dead worker's pipe must then read as closed
            self.processes.append(process)
            self.idle.append(parent_end)
        return self.idle[:]

    def give(self, connection: Connection, queue: list[int]) -> None:
        """The next partition of the queue to this worker, or the worker goes idle."""
        if connection in self.idle:
            self.idle.remove(connection)
        if queue:
            self.busy[connection] = queue.pop()
            connection.send(self.busy[connection])
        else:
            self.idle.append(connection)

    def stop(self) -> None:
        """Every partition rated: the workers exit."""
        for connection in self.idle:
            connection.send(_STOP)
        for process in self.processes:
            process.join()

    def kill(self) -> None:
        """Whatever state the run is in: no worker and no pipe is left behind."""
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join()
        for connection in [*self.idle, *self.busy]:
            connection.close()


def _received(connection: Connection, partition: int) -> PartitionResult:
    try:
        outcome, value = connection.recv()
    except (EOFError, OSError) as exc:
        raise WorkerFailed(f"the worker rating partition {partition} died") from exc
    if outcome != "done":
        raise WorkerFailed(f"partition {partition}: {value}")
    return value


def _serve(connection: Connection, work_dir: Path, options: Options) -> None:
    """The worker: rate the partitions the parent sends until it sends _STOP or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the workers
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
        except Exception:  # reported to the parent, which stops the run
            connection.send(("failed", traceback.format_exc()))
        else:
            connection.send(("done", result))
