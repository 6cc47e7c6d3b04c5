"""HTTP benchmark of the running service: concurrent clients, open-loop at a fixed rate.

    python bench/http_bench.py --mode prefetch --rate 300 --seconds 20
    python bench/http_bench.py --mode fetch --rate 100 --seconds 20     # service fetches from a FHIR server
    python bench/http_bench.py --mode hapi --rate 10 --seconds 30       # ... from the local HAPI test server

Starts `cds-service serve` (granian) on a free loopback port with a temporary database. In `fetch`
mode the hook requests carry no prefetch and name a FHIR server: by default a small stub FHIR server
started here (answers from the fixture chart, so the figure is the service's own cost), or any R4
server given with --fhir-server that holds the chart. `hapi` mode builds and starts the integration tests'
HAPI FHIR JPA server (tests/hapi-server, Java 17 + Maven), loads the chart into it and fetches from there.
Latency is measured from each request's scheduled send time, so queueing is included.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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
from tests.servers import process_stats, service_process  # noqa: E402

CHART = ROOT / "tests" / "fixtures" / "charts" / "vignette-002-cancer-radiculopathy.json"


def chart_and_order() -> tuple[list[dict], dict]:
    resources = [e["resource"] for e in json.loads(CHART.read_text())["entry"]]
    order = next(r for r in resources if r["resourceType"] == "ServiceRequest")
    return [r for r in resources if r is not order], order


def _serve_stub(chart: list[dict], port_out: multiprocessing.Queue) -> None:
    by_type: dict[str, list[dict]] = {}
    for resource in chart:
        by_type.setdefault(resource["resourceType"], []).append(resource)

    def answer(url: str) -> tuple[int, dict | None]:
        path = urlsplit(url).path.rstrip("/").split("/")[-2:]
        if path[-1] == "metadata":  # takes batches
            return 200, {
                "resourceType": "CapabilityStatement",
                "rest": [{"mode": "server", "interaction": [{"code": "batch"}]}],
            }
        if len(path) == 2 and path[0] == "Patient":
            body = next((r for r in by_type.get("Patient", []) if r["id"] == path[1]), None)
        else:
            body = searchset(by_type.get(path[-1], []))
        return (200 if body else 404), body

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each keep-alive answer waits ~40 ms for a delayed ACK

        def do_GET(self) -> None:
            self.answer(*answer(self.path))

        def do_POST(self) -> None:  # a batch of the service's reads and searches
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            entries = []
            for entry in request["entry"]:
                status, body = answer("/fhir/" + entry["request"]["url"])
                entries.append({"response": {"status": str(status)}, **({"resource": body} if body else {})})
            self.answer(200, {"resourceType": "Bundle", "type": "batch-response", "entry": entries})

        def answer(self, status: int, body: dict | None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
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


async def _client(
    host: str,
    port: int,
    requests: list[bytes],
    schedule: asyncio.Queue,
    measure_from: float,
    results: list,
    errors: list,
) -> None:
    """One keep-alive connection taking (send time, request number) from the queue (open loop).

    Requests scheduled before `measure_from` (loop time) are the warm-up: sent, not recorded.
    """
    reader, writer = await asyncio.open_connection(host, port)
    loop = asyncio.get_running_loop()
    while True:
        item = await schedule.get()
        if item is None:
            break
        scheduled, number = item
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        request = requests[number % len(requests)]
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
        if scheduled < measure_from:
            continue  # warm-up
        if status == "200":
            results.append((loop.time() - scheduled) * 1000)
        else:
            errors.append(status)
    writer.close()


async def _load(
    base_url: str, bodies: list[bytes], rate: float, warmup: float, seconds: float, clients: int
) -> tuple[list, list]:
    target = urlsplit(base_url)
    requests = [
        (
            f"POST /cds-services/cspine-auc-select HTTP/1.1\r\nHost: {target.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]
    loop = asyncio.get_running_loop()
    schedule: asyncio.Queue = asyncio.Queue()
    results: list[float] = []
    errors: list[str] = []
    start = loop.time() + 0.2
    for i in range(int(rate * (warmup + seconds))):
        schedule.put_nowait((start + i / rate, i))
    for _ in range(clients):
        schedule.put_nowait(None)
    await asyncio.gather(
        *(
            _client(target.hostname, target.port, requests, schedule, start + warmup, results, errors)
            for _ in range(clients)
        )
    )
    return results, errors


def run_load(
    base_url: str, service_group: int, bodies: list[bytes], rate: float, warmup: float, seconds: float, clients: int
) -> dict:
    """`rate` requests/s over `clients` keep-alive connections: `warmup` s unmeasured, then `seconds` s measured.

    The same connections carry both parts, so no connection set-up falls inside the measurement.
    """
    gc.collect()
    gc.freeze()
    gc.disable()  # the load generator's own pauses would show up as service latency
    cpu_before, host_before = service_cpu(service_group), host_cpu()
    try:
        latencies, errors = asyncio.run(_load(base_url, bodies, rate, warmup, seconds, clients))
    finally:
        gc.enable()
    cpu_after, host_after = service_cpu(service_group), host_cpu()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    measured = len(latencies) + len(errors)
    ticks = [b - a for a, b in zip(host_before, host_after, strict=True)]
    return {
        "requests": measured,
        "errors": len(errors),
        "error_kinds": dict(Counter(errors)),
        "throughput": len(latencies) / seconds,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": latencies[-1],
        # whole run (warm-up included): the service's CPU time per request, and the host's steal share
        "cpu_ms": (cpu_after - cpu_before) * 1000 / max(1, int(rate * (warmup + seconds))),
        "steal": 100 * ticks[7] / max(1, sum(ticks)),
    }


def service_cpu(group: int) -> float:
    """CPU seconds used so far by the processes of a group (the service: granian's main process and workers)."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in process_stats() if int(fields[2]) == group)
    return ticks / os.sysconf("SC_CLK_TCK")


def host_cpu() -> list[int]:
    """The machine's CPU tick counters (user, nice, system, idle, iowait, irq, softirq, steal)."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def unique_charts(chart: list[dict], order: dict, patient_id: str, count: int) -> list[bytes]:
    """`count` request bodies whose resources all differ (no reuse of validated models: new patients)."""
    bodies = []
    for n in range(count):
        resources = [dict(r, id=f"{r['id']}-{n}") if r["resourceType"] != "Patient" else r for r in chart]
        bodies.append(json.dumps(hook_body([order], patient_id=patient_id, prefetch=prefetch_for(resources))).encode())
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("prefetch", "fetch", "hapi"), default="prefetch")
    parser.add_argument("--rate", type=float, default=300, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs; the median of each figure is reported")
    parser.add_argument("--warmup", type=float, help="seconds of load before measuring (default 2; hapi 15)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent client connections")
    parser.add_argument("--unique-charts", action="store_true", help="prefetch mode: a different chart every request")
    parser.add_argument("--fhir-server", help="R4 base URL that holds the vignette-002 chart (fetch mode)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    chart, order = chart_and_order()
    stub = hapi = None
    if args.mode == "prefetch":
        count = int(args.rate * (args.seconds + 2)) if args.unique_charts else 1
        bodies = unique_charts(chart, order, "vig-cancer", count)
    else:
        fhir = args.fhir_server
        if args.mode == "hapi":
            hapi = HapiServer(build(), Path(tempfile.gettempdir()) / "bench-hapi.log")
            hapi.start()
            hapi.load(json.loads(CHART.read_text()))
            fhir = hapi.base
        elif not fhir:
            stub, fhir = stub_fhir_server(chart)
        bodies = [json.dumps(hook_body([order], patient_id="vig-cancer", fhir_server=fhir)).encode()]
    priority = _raise_priority()
    results = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        service_process(
            Path(tmp), CDS_WORKERS=str(args.workers), CDS_THREADS=str(args.threads), CDS_LOG_LEVEL="WARNING"
        ) as (base, process),
    ):
        warmup = args.warmup if args.warmup is not None else (15 if args.mode == "hapi" else 2)
        run_load(
            base, process.pid, bodies, min(args.rate, 50), 0, warmup, args.clients
        )  # imports, caches, JIT-free warm-up
        for _ in range(args.runs):
            results.append(run_load(base, process.pid, bodies, args.rate, 2, args.seconds, args.clients))
    if stub:
        stub.terminate()
    if hapi:
        hapi.stop()
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"service: granian {args.workers} workers x {args.threads} threads; load generator {priority}"
    )
    for n, result in enumerate(results, 1):
        print(f"run {n}: {_line(result)}")
    median = {key: statistics.median(r[key] for r in results) for key in ("throughput", "p50", "p95", "p99", "max")}
    median |= {key: statistics.median(r[key] for r in results) for key in ("cpu_ms", "steal")}
    errors = sum(r["errors"] for r in results)
    print(
        f"mode={args.mode}{' unique-charts' if args.unique_charts else ''} rate={args.rate:g}/s, "
        f"{args.runs} runs x {args.seconds:g}s, {errors} errors; median: {_line(median, counts=False)}"
    )


def _line(result: dict, counts: bool = True) -> str:
    head = f"{result['requests']} requests, {result['errors']} errors {result['error_kinds'] or ''}, " if counts else ""
    return (
        f"{head}throughput {result['throughput']:.0f}/s, p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms, max {result['max']:.0f} ms; service CPU {result['cpu_ms']:.2f} ms/request, "
        f"host steal {result['steal']:.1f}%"
    )


def _raise_priority() -> str:
    """The generator shares the cores with the service; when allowed, it goes first so its own delays stay out."""
    try:
        os.nice(-10)
    except PermissionError:
        return "at normal priority"
    return "at nice -10"


if __name__ == "__main__":
    main()
