"""CPU of one whole hook call in this process, back to back and after idle gaps.

The call goes through the WSGI app as the server runs it: the service's own cost with the machine's caches warm,
and what the same call costs when they are cold.

Run: python bench/request_cost.py [--mode padded|unique|text|fetch] [--calls N] [--gaps 0 0.02 0.08] [--bloat N]

The bodies are those of bench/http_bench.py (bench/bodies.py), mode for mode: `padded` is its `--padded` (the
~50-resource prefetch, the same patient each call), `unique` its `--padded --unique-charts` (a new patient each
call), `text` its `--text` (the vignette's chart, the indication only in reason text, a new text each call) and
`fetch` its `--mode fetch` (no prefetch; its stub FHIR server answers one batch). Each call goes through
http_front's WSGI environ and runner, Flask, the engine, the cards and the audit store (SQLite in a temporary
directory, synced as in production), without granian's event loop. The CPU counted is this process's (all threads:
the FHIR batch runs on a pool thread). Gaps: seconds asleep before each call (0.08 is what each of 4 workers sees at
50 requests/s); see bench/cache_decay.py. `--bloat N` (padded and unique): the same calls with N more Observations
the service has no rule for (bench/http_bench.py's `--bloat`), plain and bloated in turn, and the CPU per MB of the
difference.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bodies, cache_decay, load
from bench.http_bench import stub_fhir_server
from cds_service.api import create_app
from cds_service.config import Settings
from cds_service.http_front import WsgiApp, answer, wsgi_environ

WARMUP = 300
BLOATED = 1_000_000  # the bloated bodies' numbers: in `unique` mode, patients the plain calls never saw


def _body_maker(mode: str, fhir: str | None, bloat: int = 0) -> Callable[[int], bytes]:
    chart, order = bodies.chart_and_order()
    if mode == "fetch":
        return bodies.body_maker(order, None, fhir)
    if mode == "text":
        return bodies.body_maker(bodies.text_order(order), chart)
    extra = bodies.bloat(bloat) if bloat else []
    return bodies.body_maker(order, bodies.padded(chart) + extra, unique=mode == "unique")


def call_service(app: WsgiApp, body: bytes) -> int:
    """POST one hook request to the service through the server's WSGI runner; the HTTP status."""
    scope = {
        "method": "POST",
        "path": load.SERVICE_PATH,
        "headers": [(b"content-type", b"application/json"), (b"host", b"127.0.0.1")],
    }
    status, _headers, _content = answer(app, wsgi_environ(scope, body))
    return status


def cpu_per_call(app: WsgiApp, make: Callable[[int], bytes], calls: int, gap: float, first: int) -> float:
    """Median CPU (ms, this process) of `calls` calls, each after `gap` seconds asleep; bodies from `first` on."""
    times = []
    for n in range(first, first + calls):
        body = make(n)
        if gap:
            time.sleep(gap)
        started = time.process_time()
        status = call_service(app, body)
        times.append(time.process_time() - started)
        if status != 200:
            raise SystemExit(f"the service answered HTTP {status}")
    return statistics.median(times) * 1000


def _measure(app: WsgiApp, make: Callable[[int], bytes], args: argparse.Namespace) -> None:
    cpu_per_call(app, make, WARMUP, 0, 0)  # imports, caches, connections: unmeasured
    gc.freeze()  # as `cds-service serve` does after start-up
    first = WARMUP
    for gap in args.gaps:
        cost = cpu_per_call(app, make, args.calls, gap, first)
        first += args.calls
        print(f"{args.mode}: idle gap {gap * 1000:5.1f} ms before each call: CPU {cost:.2f} ms per call")


def _measure_bloat(
    app: WsgiApp, plain: Callable[[int], bytes], bloated: Callable[[int], bytes], args: argparse.Namespace
) -> None:
    """The plain and the bloated calls in turn, gap by gap; the CPU per MB of the bloat."""
    megabytes = (len(bloated(0)) - len(plain(0))) / 1e6
    cpu_per_call(app, plain, WARMUP, 0, 0)
    cpu_per_call(app, bloated, WARMUP // 10, 0, BLOATED)
    gc.freeze()
    first = WARMUP
    for gap in args.gaps:
        without = cpu_per_call(app, plain, args.calls, gap, first)
        with_bloat = cpu_per_call(app, bloated, args.calls, gap, BLOATED + first)
        first += args.calls
        print(
            f"{args.mode} + {args.bloat} Observations (+{megabytes:.3f} MB): idle gap {gap * 1000:5.1f} ms: CPU "
            f"{without:.2f} -> {with_bloat:.2f} ms per call, +{(with_bloat - without) / megabytes:.1f} ms per MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("padded", "unique", "text", "fetch"), default="padded")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--gaps", type=float, nargs="+", default=[0, 0.02, 0.08])
    parser.add_argument("--bloat", type=int, default=0, help="padded or unique: + N irrelevant Observations")
    args = parser.parse_args()
    if args.bloat and args.mode not in ("padded", "unique"):
        parser.error("--bloat needs --mode padded or unique")
    print(load.machine_info())
    print(cache_decay.state())
    stub, fhir = stub_fhir_server(bodies.chart_and_order()[0]) if args.mode == "fetch" else (None, None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CDS_DATABASE_URL"] = f"sqlite:///{tmp}/audit.sqlite3"
            os.environ.setdefault("CDS_LOG_LEVEL", "WARNING")
            app = create_app(Settings.from_env())
            try:
                if args.bloat:
                    _measure_bloat(app, _body_maker(args.mode, None), _body_maker(args.mode, None, args.bloat), args)
                else:
                    _measure(app, _body_maker(args.mode, fhir), args)
            finally:
                app.extensions["cds_service"].store.close()  # its journal moved in before the directory goes
    finally:
        if stub is not None:
            stub.terminate()


if __name__ == "__main__":
    main()
