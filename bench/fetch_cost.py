"""CPU of the service's own FHIR fetch alone: the chart's reads and searches in one batch POST, as a hook call
without prefetch makes them (FhirClient through requests, the bounded read, gzip if offered, JSON).

Run: python bench/fetch_cost.py [--fhir-server URL] [--calls N]

Without --fhir-server the benchmarks' stub FHIR server (bench/http_bench.py) is started over the vignette
chart; give the base URL of a server that holds the chart (e.g. HAPI loaded by bench/http_bench.py --mode
hapi) to measure against it. Prints this process's CPU time (user + system) and wall time per batch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bodies
from bench.http_bench import stub_fhir_server
from cds_service.bounded_http import cookieless_session
from cds_service.fhir.batch import BatchSupport
from cds_service.fhir.client import Deadline, FhirClient
from cds_service.fhir.patient_data import data_keys
from cds_service.knowledge.loader import load_knowledge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fhir-server", help="R4 base URL holding the vignette chart (default: the stub)")
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    stub = None
    base = args.fhir_server
    if not base:
        stub, base = stub_fhir_server(bodies.chart_and_order()[0])
    try:
        paths = [key.template.replace("{{context.patientId}}", bodies.PATIENT) for key in data_keys(load_knowledge())]
        client = FhirClient(cookieless_session(), base, None, timeout=5, max_bytes=10**8, max_pages=10)
        support = BatchSupport()
        for _ in range(50):  # connection, capability check, caches
            support.fetch(client, paths, Deadline.after(5))
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.calls):
            entries = support.fetch(client, paths, Deadline.after(5))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if entries is None or len(entries) != len(paths):
            raise SystemExit("the server did not answer the batch with one entry per read")
        print(
            f"{'stub' if stub else base}: {args.calls} batches of {len(paths)} reads; per batch: "
            f"CPU {cpu * 1000 / args.calls:.3f} ms, wall {wall * 1000 / args.calls:.2f} ms"
        )
    finally:
        if stub is not None:
            stub.terminate()


if __name__ == "__main__":
    main()
