"""HTTP benchmark of the running service: concurrent clients, open-loop at a fixed rate.

    python bench/http_bench.py --mode prefetch --rate 300 --seconds 20
    python bench/http_bench.py --mode fetch --rate 100 --seconds 20     # service fetches from a FHIR server
    python bench/http_bench.py --mode hapi --rate 10 --seconds 30       # ... from the local HAPI test server

Starts `cds-service serve` (gunicorn) on a free loopback port with a temporary database. In `fetch`
mode the hook requests carry no prefetch and name a FHIR server: by default a small stub FHIR server
started here (answers from the fixture chart, so the figure is the service's own cost), or any R4
server given with --fhir-server that holds the chart. `hapi` mode builds and starts the integration tests'
HAPI FHIR JPA server (tests/hapi-server, Java 17 + Maven), loads the chart into it and fetches from there.
Latency is measured from each request's scheduled send time, so queueing is included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hook_requests import hook_body, prefetch_for, searchset  # noqa: E402
from tests.integration.hapi import HapiServer, build  # noqa: E402
from tests.servers import cds_service  # noqa: E402

CHART = ROOT / "tests" / "fixtures" / "charts" / "vignette-002-cancer-radiculopathy.json"


def chart_and_order() -> tuple[list[dict], dict]:
    resources = [e["resource"] for e in json.loads(CHART.read_text())["entry"]]
    order = next(r for r in resources if r["resourceType"] == "ServiceRequest")
    return [r for r in resources if r is not order], order


def _serve_stub(chart: list[dict], port_out: multiprocessing.Queue) -> None:
    by_type: dict[str, list[dict]] = {}
    for resource in chart:
        by_type.setdefault(resource["resourceType"], []).append(resource)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each keep-alive answer waits ~40 ms for a delayed ACK

        def do_GET(self) -> None:
            path = urlsplit(self.path).path.rstrip("/").split("/")[-2:]
            if len(path) == 2 and path[0] == "Patient":
                body = next((r for r in by_type.get("Patient", []) if r["id"] == path[1]), None)
            else:
                body = searchset(by_type.get(path[-1], []))
            data = json.dumps(body).encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


def stub_fhir_server(chart: list[dict]) -> tuple[multiprocessing.Process, str]:
    """A minimal FHIR read/search server over the chart, in its own process (first page only)."""
    ports: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve_stub, args=(chart, ports), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{ports.get(timeout=10)}/fhir"


async def _client(host: str, port: int, request: bytes, schedule: asyncio.Queue, results: list, errors: list) -> None:
    """One keep-alive connection taking scheduled send times from the queue (open loop)."""
    reader, writer = await asyncio.open_connection(host, port)
    loop = asyncio.get_running_loop()
    while True:
        scheduled = await schedule.get()
        if scheduled is None:
            break
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        for _attempt in (1, 2):
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(
                    next(
                        line.split(b":", 1)[1]
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                )
                await reader.readexactly(length)
                status = head.split(b" ", 2)[1].decode()
                break
            except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError, IndexError):
                # the server may close an idle keep-alive connection: reconnect and send once more
                status = "connection error"
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
        if status == "200":
            results.append((loop.time() - scheduled) * 1000)
        else:
            errors.append(status)
    writer.close()


async def _load(base_url: str, body: bytes, rate: float, seconds: float, clients: int) -> tuple[list, list, float]:
    target = urlsplit(base_url)
    request = (
        f"POST /cds-services/cspine-auc-select HTTP/1.1\r\nHost: {target.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    loop = asyncio.get_running_loop()
    schedule: asyncio.Queue = asyncio.Queue()
    results: list[float] = []
    errors: list[int] = []
    start = loop.time() + 0.2
    total = int(rate * seconds)
    for i in range(total):
        schedule.put_nowait(start + i / rate)
    for _ in range(clients):
        schedule.put_nowait(None)
    await asyncio.gather(
        *(_client(target.hostname, target.port, request, schedule, results, errors) for _ in range(clients))
    )
    return results, errors, loop.time() - start


def run_load(base_url: str, body: bytes, rate: float, seconds: float, clients: int) -> dict[str, float]:
    """Send `rate` requests/s for `seconds` over `clients` keep-alive connections (one asyncio thread)."""
    latencies, errors, wall = asyncio.run(_load(base_url, body, rate, seconds, clients))
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return {
        "requests": int(rate * seconds),
        "errors": len(errors),
        "error_kinds": dict(Counter(errors)),
        "throughput": len(latencies) / wall,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "mean": statistics.fmean(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("prefetch", "fetch", "hapi"), default="prefetch")
    parser.add_argument("--rate", type=float, default=300, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, help="seconds of load before measuring (default 2; hapi 15)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent client connections")
    parser.add_argument("--fhir-server", help="R4 base URL that holds the vignette-002 chart (fetch mode)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    chart, order = chart_and_order()
    stub = hapi = None
    if args.mode == "prefetch":
        body = hook_body([order], patient_id="vig-cancer", prefetch=prefetch_for(chart))
    else:
        fhir = args.fhir_server
        if args.mode == "hapi":
            hapi = HapiServer(build(), Path(tempfile.gettempdir()) / "bench-hapi.log")
            hapi.start()
            hapi.load(json.loads(CHART.read_text()))
            fhir = hapi.base
        elif not fhir:
            stub, fhir = stub_fhir_server(chart)
        body = hook_body([order], patient_id="vig-cancer", fhir_server=fhir)
    payload = json.dumps(body).encode()
    with (
        tempfile.TemporaryDirectory() as tmp,
        cds_service(
            Path(tmp), CDS_WORKERS=str(args.workers), CDS_THREADS=str(args.threads), CDS_LOG_LEVEL="WARNING"
        ) as base,
    ):
        warmup = args.warmup if args.warmup is not None else (15 if args.mode == "hapi" else 2)
        run_load(base, payload, rate=min(args.rate, 50), seconds=warmup, clients=args.clients)  # JIT, caches
        result = run_load(base, payload, args.rate, args.seconds, args.clients)
    if stub:
        stub.terminate()
    if hapi:
        hapi.stop()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"service: gunicorn {args.workers} workers"
    )
    print(
        f"mode={args.mode} rate={args.rate:g}/s for {args.seconds:g}s: {result['requests']} requests, "
        f"{result['errors']} errors {result['error_kinds'] or ''}, throughput {result['throughput']:.0f}/s, "
        f"p50 {result['p50']:.1f} ms, "
        f"p95 {result['p95']:.1f} ms, p99 {result['p99']:.1f} ms"
    )


if __name__ == "__main__":
    main()
