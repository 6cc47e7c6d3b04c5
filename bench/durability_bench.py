"""What it costs to make a decision durable before answering: the per-process journal against a commit
into SQLite itself (WAL, synchronous=FULL), with several server processes writing at once.

    python bench/durability_bench.py --processes 4 --rate 300 --seconds 10

Each process records decisions (the rows of one answered hook call) at rate/processes per second and
times each record. `journal`: AuditStore as the service uses it (a line appended to the process's own
file and fdatasync'ed). `sqlite-commit`: the same rows committed straight into the database under
the cross-process write lock; this is the least a per-process writer thread with group commit would
wait per batch at this rate (at 75 records/s per process, a batch is rarely more than one record).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from cds_service.store import AuditStore  # noqa: E402
from cds_service.store.records import decision_rows  # noqa: E402
from cds_service.store.tables import cards, decisions  # noqa: E402
from tests.store.test_journal import record  # noqa: E402


def _writer(url: str, mode: str, rate: float, seconds: float, start: float, out: multiprocessing.Queue) -> None:
    store = AuditStore(url, "FULL", 0.25)
    latencies = []
    for n in range(int(rate * seconds)):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        r = record()
        began = time.perf_counter()
        if mode == "journal":
            store.record_decisions([r])
        else:
            rows, card_rows = decision_rows([r], datetime.now(UTC))
            with store._writing() as connection:
                connection.execute(insert(decisions), rows)
                connection.execute(insert(cards), card_rows)
        latencies.append((time.perf_counter() - began) * 1000)
    store.close()
    out.put(latencies)


def run(mode: str, processes: int, rate: float, seconds: float) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/audit.sqlite3"
        AuditStore(url).close()
        out: multiprocessing.Queue = multiprocessing.Queue()
        start = time.monotonic() + 0.5
        workers = [
            multiprocessing.Process(target=_writer, args=(url, mode, rate / processes, seconds, start, out))
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        latencies = [value for _ in workers for value in out.get(timeout=seconds + 120)]
        for worker in workers:
            worker.join()
    return sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--rate", type=float, default=300, help="records per second, all processes together")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    multiprocessing.set_start_method("fork")
    for mode in ("journal", "sqlite-commit"):
        values = run(mode, args.processes, args.rate, args.seconds)
        p99 = values[min(len(values) - 1, int(0.99 * len(values)))]
        print(
            f"{mode}: {len(values)} records by {args.processes} processes at {args.rate:g}/s; per record "
            f"median {statistics.median(values):.2f} ms, p99 {p99:.2f} ms, max {values[-1]:.1f} ms"
        )


if __name__ == "__main__":
    main()
