"""The replay's worker processes: every partition once, a failure or a dead worker stops the run with the
partition named, and stopping early (Ctrl-C) leaves no worker behind and never hangs, even while a worker is
halfway through writing a large result."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cds_service import cli
from cds_service.replay import runner, workers
from cds_service.replay.rate import Options, PartitionResult, rate_partition
from cds_service.replay.workers import PartitionFailed, rate_in_workers
from tests.replay import hand_checked

OPTIONS = Options(run_id="test")


def fake_rating(path: Path, partition: int, options: Options) -> PartitionResult:
    """A stand-in for rate_partition that records which process rated the partition."""
    return PartitionResult(partition, rows=[{"pid": os.getpid(), "path": str(path)}])


def test_every_partition_is_rated_once_by_the_workers_and_they_exit(monkeypatch, tmp_path):
    monkeypatch.setattr(workers, "rate_partition", fake_rating)
    results = list(rate_in_workers(list(range(12)), 3, tmp_path, OPTIONS))
    assert sorted(r.partition for r in results) == list(range(12))
    pids = {r.rows[0]["pid"] for r in results}
    assert os.getpid() not in pids and len(pids) > 1  # rated in the workers, shared out
    assert multiprocessing.active_children() == []


def test_no_more_workers_than_partitions(monkeypatch, tmp_path):
    monkeypatch.setattr(workers, "rate_partition", fake_rating)
    started = []
    real_start = workers._Workers.start

    def counting_start(pool, count, *args):
        started.append(count)
        return real_start(pool, count, *args)

    monkeypatch.setattr(workers._Workers, "start", counting_start)
    results = list(rate_in_workers([7], 4, tmp_path, OPTIONS))
    assert [r.partition for r in results] == [7]
    assert started == [1]
    assert multiprocessing.active_children() == []


def test_nothing_to_rate_starts_no_worker(monkeypatch, tmp_path):
    monkeypatch.setattr(workers, "rate_partition", fake_rating)
    assert list(rate_in_workers([], 2, tmp_path, OPTIONS)) == []
    assert multiprocessing.active_children() == []


def failing_on_5(path: Path, partition: int, options: Options) -> PartitionResult:
    if partition == 5:
        raise ValueError("a bad partition")
    return fake_rating(path, partition, options)


def dying_on_5(path: Path, partition: int, options: Options) -> PartitionResult:
    if partition == 5:
        os._exit(9)  # killed (the OOM killer, a signal): no answer at all
    return fake_rating(path, partition, options)


def unpicklable_on_5(path: Path, partition: int, options: Options) -> PartitionResult:
    if partition == 5:
        return PartitionResult(partition, rows=[{"value": lambda: None}])
    return fake_rating(path, partition, options)


@pytest.mark.parametrize(
    ("rating", "message"),
    [
        (failing_on_5, r"(?s)partition 5: .*ValueError: a bad partition"),  # the worker's traceback
        (dying_on_5, r"the worker rating partition 5 died"),  # not a wait for ever
        (unpicklable_on_5, r"(?s)partition 5: .*(pickle|Pickl)"),  # the real error, not "died"
    ],
)
def test_a_partition_that_fails_stops_the_run_and_is_named(monkeypatch, tmp_path, rating, message):
    monkeypatch.setattr(workers, "rate_partition", rating)
    with pytest.raises(PartitionFailed, match=message):
        list(rate_in_workers(list(range(10)), 2, tmp_path, OPTIONS))
    assert multiprocessing.active_children() == []


def test_a_worker_that_died_while_idle_is_a_partition_failure_not_a_crash(monkeypatch, tmp_path):
    monkeypatch.setattr(workers, "rate_partition", fake_rating)
    pool = workers._Workers()
    try:
        (connection,) = pool.start(1, tmp_path, OPTIONS)
        pool.processes[0].kill()
        pool.processes[0].join()
        with pytest.raises(PartitionFailed, match="the worker given partition 4 died"):
            for _ in range(50):  # the first sends may still fit in the socket's buffer
                pool.give(connection, [4])
                pool.busy.clear()
    finally:
        pool.kill()
    assert multiprocessing.active_children() == []


def test_closing_early_kills_the_busy_workers(monkeypatch, tmp_path):
    monkeypatch.setattr(workers, "rate_partition", slow_after_first)
    results = rate_in_workers(list(range(6)), 2, tmp_path, OPTIONS)
    first = next(results)
    assert first.partition in range(6)
    assert len(multiprocessing.active_children()) == 2  # the others are still rating
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < 5
    assert multiprocessing.active_children() == []


def slow_after_first(path: Path, partition: int, options: Options) -> PartitionResult:
    if partition != 0:
        time.sleep(60)
    return fake_rating(path, partition, options)


INTERRUPTED_MID_WRITE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cds_service.replay import runner, workers
    from cds_service.replay.rate import Options, PartitionResult

    MARKS = Path(sys.argv[1])

    def rate(path, partition, options):  # partition 1 answers at once; the others with 40 MB each
        if partition == 1:
            return PartitionResult(partition)
        (MARKS / str(partition)).touch()
        return PartitionResult(partition, rows=[{"x": "y" * 40_000_000}])

    workers.rate_partition = rate
    try:
        for result in workers.rate_in_workers([1, 2, 3], 3, Path("."), Options(run_id="t")):
            while len(list(MARKS.iterdir())) < 2:
                time.sleep(0.01)
            time.sleep(1)  # 2 and 3 are now blocked halfway through writing 40 MB into a pipe nobody reads
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        sys.exit(130)
    """
)


def test_an_interrupt_while_a_worker_is_mid_write_exits_promptly(tmp_path):
    """The defect this module fixes: the process printed its Ctrl-C hint and then never exited."""
    process = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_MID_WRITE, str(tmp_path)],
        capture_output=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert process.returncode == 130, process.stderr.decode()
    assert b"Traceback" not in process.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2", "3"]


PARENT_DIES = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from cds_service.replay import runner, workers
    from cds_service.replay.rate import Options, PartitionResult

    PIDS = Path(sys.argv[1])

    def rate(path, partition, options):  # each worker records its pid, then answers with 1 MB
        (PIDS / str(os.getpid())).touch()
        time.sleep(0.5)
        return PartitionResult(partition, rows=[{"x": "y" * 1_000_000}])

    workers.rate_partition = rate
    results = workers.rate_in_workers([1, 2, 3, 4], 2, Path("."), Options(run_id="t"))
    next(results)
    while len(list(PIDS.iterdir())) < 2:
        time.sleep(0.01)
    os._exit(0)  # the parent is killed: no cleanup of any kind
    """
)


def test_workers_exit_when_the_parent_is_killed(tmp_path):
    """A worker must not outlive its parent (kill -9, the OOM killer): it sees its pipe close and exits."""
    subprocess.run([sys.executable, "-c", PARENT_DIES, str(tmp_path)], timeout=60, cwd=Path(__file__).parents[2])
    pids = [int(p.name) for p in tmp_path.iterdir()]
    assert len(pids) == 2
    deadline = time.monotonic() + 20
    try:
        while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_running(pid) for pid in pids)
    finally:
        for pid in filter(_running, pids):
            os.kill(pid, signal.SIGKILL)  # a failed run must not leave orphans behind


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit may wait for the container's init to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_the_command_reports_a_failed_partition_and_resumes_after_it(monkeypatch, tmp_path, capsys):
    """`cds-service replay` with a worker failing: exit 1 with the partition named, no crash; the partitions
    already committed are kept, and the same command, once the cause is gone, rates only the rest."""
    export = hand_checked.write(tmp_path / "export")
    command = ["replay", str(export), "--workers", "2", "--partitions", "8"]
    command += ["--database", f"sqlite:///{tmp_path}/r.sqlite3", "--csv", str(tmp_path / "r.csv")]
    monkeypatch.setattr(workers, "rate_partition", failing_on_5_only_if_real)
    assert cli.main(command) == 1
    err = capsys.readouterr().err
    assert "cds-service replay: partition 5:" in err and "the same command resumes" in err
    monkeypatch.setattr(workers, "rate_partition", rate_partition)
    assert cli.main(command) == 0
    assert "already done by an earlier run" in capsys.readouterr().err
    assert (tmp_path / "r.csv").exists()


def failing_on_5_only_if_real(path: Path, partition: int, options: Options) -> PartitionResult:
    if partition == 5:
        raise ValueError("a bad partition")
    return rate_partition(path, partition, options)


def test_a_failure_with_one_worker_is_reported_the_same_way(monkeypatch, tmp_path, capsys):
    export = hand_checked.write(tmp_path / "export")
    command = ["replay", str(export), "--workers", "1", "--partitions", "8"]
    command += ["--database", f"sqlite:///{tmp_path}/r.sqlite3", "--csv", str(tmp_path / "r.csv")]
    monkeypatch.setattr(runner, "rate_partition", failing_on_5_only_if_real)
    assert cli.main(command) == 1
    assert "cds-service replay: partition 5:" in capsys.readouterr().err
