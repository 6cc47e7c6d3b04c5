"""The garbage collector's pauses while the service answers hook calls, every request a new patient.

    python bench/gc_pauses.py [--requests 3000] [--cache-size 128]

In-process (Flask test client, a temporary SQLite audit store), one hook call after the other, each with a
~50-resource prefetch whose resources all have new ids (nothing is reused from the validation cache). Reports
each generation's collections and longest pauses, and the objects the collector tracks at the end.
`--cache-size` replaces the chart reader's validated-model cache with one of that size, to compare.
The collector runs here as it would inside requests; the server pauses it while a worker with one app thread
answers (cds_service/collector.py), so there these collections run between requests, where their length still
delays a request that is waiting.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bodies import body_maker, chart_and_order, padded, warning_problem  # noqa: E402

SERVICE = "/cds-services/cspine-auc-select"


def new_patient_bodies(count: int) -> list[bytes]:
    """Hook requests for vignette 002's warning on the ~50-resource chart, each for a new patient."""
    chart, order = chart_and_order()
    make = body_maker(order, padded(chart), unique=True)
    return [make(n) for n in range(count)]


class PauseRecorder:
    """gc.callbacks hook: the duration of every collection, per generation."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append((time.perf_counter() - self._started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--cache-size", type=int, help="the validated-model cache's size (default: the service's)")
    args = parser.parse_args()
    os.environ.setdefault("CDS_LOG_LEVEL", "WARNING")
    os.environ["CDS_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/audit.sqlite3"
    from cds_service.api import create_app
    from cds_service.engine import chart

    if args.cache_size is not None:
        chart._validated = functools.lru_cache(args.cache_size)(chart._validated.__wrapped__)
    client = create_app().test_client()
    bodies = new_patient_bodies(args.requests + 20)
    for body in bodies[:20]:
        answer = client.post(SERVICE, data=body, content_type="application/json")
    problem = warning_problem(answer.status_code, answer.json)
    assert problem is None, problem
    gc.collect()
    gc.freeze()  # as `cds-service serve` does after start-up
    recorder = PauseRecorder()
    gc.callbacks.append(recorder)
    latencies = []
    for body in bodies[20:]:
        started = time.perf_counter()
        client.post(SERVICE, data=body, content_type="application/json")
        latencies.append((time.perf_counter() - started) * 1000)
    gc.callbacks.remove(recorder)
    latencies.sort()
    size = chart._validated.cache_info().maxsize
    print(
        f"{args.requests} requests, validated-model cache {size}: latency p50 {latencies[len(latencies) // 2]:.2f} ms, "
        f"p99 {latencies[int(0.99 * len(latencies))]:.2f} ms, max {latencies[-1]:.1f} ms"
    )
    for generation, pauses in recorder.pauses.items():
        pauses.sort()
        longest = ", ".join(f"{p:.1f}" for p in pauses[-3:]) or "-"
        print(f"  generation {generation}: {len(pauses)} collections, longest {longest} ms, total {sum(pauses):.0f} ms")
    print(f"  objects tracked by the collector (not frozen): {len(gc.get_objects())}")


if __name__ == "__main__":
    main()
