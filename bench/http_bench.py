"""HTTP benchmark of the running service: concurrent clients, open-loop at a fixed rate.

    python bench/http_bench.py --mode prefetch --rate 300 --seconds 20
    python bench/http_bench.py --mode prefetch --rate 300 --seconds 20 --unique-charts   # a new patient each
    python bench/http_bench.py --production --rate 300 --seconds 20      # JWT required, PostgreSQL audit store
    python bench/http_bench.py --text --rate 300 --seconds 20            # the indication only as reason text
    python bench/http_bench.py --bloat 2000 --rate 50 --seconds 20       # + 2 000 irrelevant Observations: ms/MB
    python bench/http_bench.py --mode fetch --rate 100 --seconds 20      # service fetches from a FHIR server
    python bench/http_bench.py --mode hapi --rate 50 --seconds 20        # ... from the local HAPI test server

Starts `cds-service serve` (granian) on a free loopback port with a temporary database, and loads it with
bench/load.py's open loop: --rate requests/s over --clients keep-alive connections, latency measured from
each request's scheduled send time (queueing included), 2 s unmeasured before each run. Prints the p50, p95,
p99, max, the service's CPU time per request (all its processes, from /proc) and the host's steal share per
run, then the median of the runs. Every answer is checked before measuring (a warning card with its evidence,
the order rated not-appropriate); non-200 answers are counted per run and shown, and make the exit status 1.

The request: order-select for C-spine radiographs, patient vignette 002 (tests/fixtures/charts; --padded:
+ 15 conditions and 30 observations, ~50 resources as bench/engine_bench.py), every body with its own
hookInstance. Options (they combine, except as noted):
- --unique-charts: every request a new patient (new ids everywhere), so no validated resource is reused;
- --text: the order's indication only as reason text ("neck pain radiating to L arm x3 wks, no trauma"...),
  a different text each request, so the free-text reader runs on every request;
- --bloat N: the prefetch + N Observations of vitals and labs the service has no rule for; each run then
  measures the plain and the bloated body in turn and the cost per MB of the difference is printed
  (prefetch mode);
- --production: CDS_MODE=production: a JWT required on every call (an ES384 key whose JWKS the benchmark
  serves on loopback; every request carries its own token with a fresh `jti`, all signed before the run),
  and the audit store on a throw-away PostgreSQL server (initdb in a temporary directory, as the tests do;
  needs the PostgreSQL server binaries). Prefetch mode (production mode allows https FHIR servers only).

Modes: `prefetch` (default) sends the chart as prefetch. In `fetch` mode the hook requests carry no prefetch
and name a FHIR server: by default a small stub FHIR server started here (answers from the fixture chart, so
the figure is the service's own cost), or any R4 server given with --fhir-server that holds the chart.
`hapi` mode builds and starts the integration tests' HAPI FHIR JPA server (tests/hapi-server, Java 17 +
Maven; the first build downloads for minutes), loads the chart into it (a transaction Bundle of PUTs) and
fetches from there.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bodies, cache_decay, load
from tests.hook_requests import searchset
from tests.integration.hapi import HapiServer, build, missing_tools
from tests.security.keys import SigningKey, jwks_server
from tests.store.postgres import postgres_bin, postgres_server

PUBLIC_BASE = "https://cds.bench.test"  # the JWT audience (CDS_PUBLIC_BASE_URL) in --production
ISSUER = "https://ehr.bench.test"
TOKEN_LIFETIME = 600  # seconds; tokens are signed just before each run


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


# -- what is sent ------------------------------------------------------------------------------------------
@dataclass
class Signer:
    """ES384 tokens for one trusted client, each with its own `jti` (production mode)."""

    key: SigningKey
    jku: str

    def headers(self, _n: int) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": PUBLIC_BASE + load.SERVICE_PATH,
            "iat": now,
            "exp": now + TOKEN_LIFETIME,
            "jti": str(uuid.uuid4()),
        }
        return {"Authorization": f"Bearer {self.key.sign(claims, headers={'jku': self.jku})}"}


def _no_headers(_n: int) -> dict[str, str]:
    return {}


@dataclass
class Series:
    """One kind of request measured in every run."""

    name: str
    make: Callable[[int], bytes]  # body number n
    headers: Callable[[int], dict[str, str]] = _no_headers
    fresh: bool = False  # every request a body never sent before (else 32 bodies take turns)
    results: list[dict] = field(default_factory=list)
    body_bytes: int = 0
    sent: int = 0

    def requests(self, url: str, count: int) -> list[load.Request]:
        """`count` requests, all prepared now; bodies (if fresh) and tokens never sent before."""
        start, self.sent = self.sent, self.sent + count
        made = [self.make(n) for n in range(start, start + (count if self.fresh else min(count, 32)))]
        return [load.http_request(url, made[i % len(made)], self.headers(start + i)) for i in range(count)]

    def check(self, url: str) -> None:
        """One request answered as measured (a warning card with evidence, rated), else the run fails."""
        body = self.make(10**9)
        self.body_bytes = len(body)
        status, answer = bodies.post(url, body, self.headers(10**9))
        problem = bodies.warning_problem(status, answer)
        if problem:
            raise load.BenchError(f"{self.name}: the answer is not the one measured: {problem}")


def series_for(args: argparse.Namespace, fhir: str | None, signer: Signer | None) -> list[Series]:
    chart, order = bodies.chart_and_order()
    if args.padded:
        chart = bodies.padded(chart)
    if args.text:
        order = bodies.text_order(order)
    headers = signer.headers if signer else _no_headers
    fresh = args.unique_charts or args.text
    if fhir:
        return [Series(args.mode, bodies.body_maker(order, fhir_server=fhir), headers, fresh)]
    plain = Series("prefetch", bodies.body_maker(order, chart, unique=args.unique_charts), headers, fresh)
    if not args.bloat:
        return [plain]
    bloated = bodies.body_maker(order, chart + bodies.bloat(args.bloat), unique=args.unique_charts)
    return [plain, Series(f"prefetch + {args.bloat} Observations", bloated, headers, fresh)]


# -- what is started ---------------------------------------------------------------------------------------
@contextmanager
def production(tmp: Path) -> Iterator[tuple[dict[str, str], Signer, Callable[[], float]]]:
    """A JWKS endpoint, a trusted-clients file and a throw-away PostgreSQL: the service's environment, the token
    signer and the database server's CPU clock."""
    if postgres_bin() is None:
        raise load.BenchError("--production needs the PostgreSQL server binaries (initdb, pg_ctl)")
    key = SigningKey.es384()
    directory = Path(tempfile.mkdtemp(prefix="cds-bench-postgres-"))
    try:
        with jwks_server() as jwks, postgres_server(directory) as database_url:
            jwks.keys = [key.public_jwk()]
            jku = f"{jwks.url}/jwks.json"
            clients = tmp / "trusted-clients.yaml"
            clients.write_text(yaml.safe_dump({"clients": [{"iss": ISSUER, "jku": [jku], "algorithms": ["ES384"]}]}))
            env = {
                "CDS_MODE": "production",
                "CDS_PUBLIC_BASE_URL": PUBLIC_BASE,
                "CDS_TRUSTED_CLIENTS": str(clients),
                "CDS_DATABASE_URL": database_url,
            }
            yield env, Signer(key, jku), lambda: load.postgres_cpu(directory / "data")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def fhir_server(stack: ExitStack, args: argparse.Namespace) -> tuple[str | None, int | None]:
    """The FHIR server the service fetches from (fetch and hapi modes), started here unless given; its pid."""
    if args.mode == "prefetch":
        return None, None
    if args.mode == "fetch":
        if args.fhir_server:
            return args.fhir_server, None
        stub, url = stub_fhir_server(bodies.chart_and_order()[0])
        stack.callback(stub.terminate)
        return url, stub.pid
    reason = missing_tools()
    if reason:
        raise load.BenchError(reason)
    hapi = HapiServer(build(), Path(tempfile.gettempdir()) / "bench-hapi.log")
    hapi.start()
    stack.callback(hapi.stop)
    hapi.load(json.loads(bodies.CHART.read_text()))  # a transaction Bundle of PUTs (the fixture as it is)
    return hapi.base, hapi.process.pid


# -- the runs ----------------------------------------------------------------------------------------------
def measure(
    base: str, group: int, series: list[Series], args: argparse.Namespace, others: dict[str, Callable[[], float]]
) -> None:
    """Warm-up, then the runs; `others`: CPU clocks (seconds) of the servers the service calls, reported too."""
    url = base + load.SERVICE_PATH
    warmup = args.warmup if args.warmup is not None else (15 if args.mode == "hapi" else 2)
    for one in series:  # imports, caches, JIT: unmeasured
        rate = min(args.rate, 50)
        load.open_loop(url, one.requests(url, int(rate * warmup)), rate, 0, warmup, args.clients, group)
    count = int(args.rate * (2 + args.seconds))
    for run in range(1, args.runs + 1):
        for one in series:
            requests = one.requests(url, count)  # tokens signed here, before the run
            before = {name: clock() for name, clock in others.items()}
            result = load.open_loop(url, requests, args.rate, 2, args.seconds, args.clients, group)
            for name, clock in others.items():
                result[f"{name}_cpu_ms"] = (clock() - before[name]) * 1000 / result["sent"]
            one.results.append(result)
            extra = "".join(f"; {name} CPU {result[f'{name}_cpu_ms']:.2f} ms/request" for name in others)
            print(f"run {run} {one.name}: {load.line(result)}{extra}{_sustained(result, args.rate)}", flush=True)


def _sustained(result: dict, rate: float) -> str:
    return "" if result["throughput"] >= 0.95 * rate else "  NOT SUSTAINED (throughput below the rate)"


def report(series: list[Series], args: argparse.Namespace) -> None:
    options = [args.mode]
    options += [name for name in ("padded", "unique_charts", "text", "production") if getattr(args, name)]
    for one in series:
        median = load.median(one.results)
        others = "".join(
            f"; {key.removesuffix('_cpu_ms')} CPU {statistics.median(r[key] for r in one.results):.2f} ms/request"
            for key in one.results[0]
            if key.endswith("_cpu_ms")
        )
        print(
            f"{' '.join(options)} [{one.name}, body {one.body_bytes / 1e6:.3f} MB] rate={args.rate:g}/s, "
            f"{args.runs} runs x {args.seconds:g}s, {median['errors']} errors; median: {load.line(median, False)}"
            f"{others}"
        )
    if len(series) == 2:
        plain, bloated = (load.median(one.results) for one in series)
        megabytes = (series[1].body_bytes - series[0].body_bytes) / 1e6
        cpu, p50 = bloated["cpu_ms"] - plain["cpu_ms"], bloated["p50"] - plain["p50"]
        print(
            f"bloat: +{args.bloat} Observations = +{megabytes:.3f} MB per request: service CPU +{cpu:.2f} ms "
            f"({cpu / megabytes:.1f} ms per MB), p50 +{p50:.1f} ms ({p50 / megabytes:.1f} ms per MB); "
            f"CPU {bloated['cpu_ms'] / plain['cpu_ms']:.1f}x the plain body's"
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("prefetch", "fetch", "hapi"), default="prefetch")
    parser.add_argument("--rate", type=float, default=300, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs; the median of each figure is reported")
    parser.add_argument("--warmup", type=float, help="seconds of load before measuring (default 2; hapi 15)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent client connections")
    parser.add_argument("--unique-charts", action="store_true", help="prefetch mode: a different chart every request")
    parser.add_argument("--padded", action="store_true", help="the ~50-resource chart (+15 conditions, 30 obs.)")
    parser.add_argument("--text", action="store_true", help="the indication only as reason text, new each request")
    parser.add_argument("--bloat", type=int, default=0, help="prefetch mode: + N irrelevant Observations")
    parser.add_argument("--production", action="store_true", help="JWT required, PostgreSQL audit store")
    parser.add_argument("--fhir-server", help="R4 base URL that holds the vignette-002 chart (fetch mode)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.mode != "prefetch" and (args.unique_charts or args.bloat or args.padded or args.production):
        parser.error("--unique-charts, --padded, --bloat and --production need --mode prefetch")
    return args


def main() -> None:
    args = parse()
    print(load.machine_info(), flush=True)
    print(cache_decay.state(), flush=True)  # how cold this hour's machine leaves a process's memory
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cds-http-bench-")))
        env = {"CDS_WORKERS": str(args.workers), "CDS_THREADS": str(args.threads)}
        signer = None
        others: dict[str, Callable[[], float]] = {}
        if args.production:
            production_env, signer, database_cpu = stack.enter_context(production(tmp))
            env |= production_env
            others["PostgreSQL"] = database_cpu
        fhir, fhir_pid = fhir_server(stack, args)
        if fhir_pid:
            others["FHIR server"] = lambda: load.process_cpu(fhir_pid)
        series = series_for(args, fhir, signer)
        base, process = stack.enter_context(load.cds_service(tmp, **env))
        priority = load.raise_priority()  # after the service started: it keeps the normal priority
        for one in series:
            one.check(base + load.SERVICE_PATH)
        store = "PostgreSQL" if args.production else "SQLite"
        auth = "JWT required (ES384, a fresh jti each)" if args.production else "no auth (development mode)"
        print(
            f"service: granian {args.workers} workers x {args.threads} threads, {store} audit store, {auth}; "
            f"load generator {priority}, unpinned",
            flush=True,
        )
        measure(base, process.pid, series, args, others)
    report(series, args)
    sys.exit(load.report_errors([r for one in series for r in one.results]))


if __name__ == "__main__":
    main()
