"""Our service and the CDS Hooks sandbox's own pama-imaging demo service (the peer), side by side in one run.

    .venv/bin/python bench/compare_peer.py                      # 3 runs x 10 s each, open loop 300/s + closed loop
    .venv/bin/python bench/compare_peer.py --unique-charts      # every request to our service a new patient
    .venv/bin/python bench/compare_peer.py --runs 3 --seconds 20 --rate 300 --connections 16

Both servers run pinned to core 0 (`taskset -c 0`), the load generator to core 1, on a machine with at
least 2 cores. The peer is ../shared/peer (see its README; --peer-dir to point elsewhere): copied once to
~/.cache/cds-service-bench/ and installed there with `npm install --omit=dev --no-audit --no-fund` (Node 20,
npm registry), reused while the peer's files are unchanged; run as `taskset -c 0 node server.js` (PORT).
Ours is `cds-service serve` with its default settings (granian, CDS_WORKERS x CDS_THREADS as printed;
--workers/--threads to try others) and a SQLite audit store in a temporary directory (the audit record
synced before each answer, as by default).

The same harness (bench/load.py) loads both, alternating servers within each run:
- open loop: --rate requests/s (default 300) over --clients connections, latency from each request's
  scheduled send time (queueing included): p50/p95/p99;
- closed loop: --connections keep-alive connections (default 16) sending back to back: req/s.
Each figure is the median of --runs runs; the ratio ours/peer of the closed-loop throughput is printed.

What each server is asked (checked before measuring; the run fails if the answer differs):
- ours: order-select for C-spine radiographs, with a ~50-resource prefetch (vignette 002 + 15 other
  conditions + 30 observations, as bench/engine_bench.py): a warning card with its evidence and a
  not-appropriate rating (systemActions);
- the peer: its README's request (CPT 71275 + SNOMED 13213009): its card and a not-appropriate systemAction.
  It reads no chart and keeps no record.
Non-200 answers are counted per run and shown; any makes the exit status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bodies, cache_decay, load
from cds_service.config import Settings
from tests.servers import free_port

PEER_DIR = load.ROOT.parent / "shared" / "peer"
PEER_PATH = "/cds-services/pama-imaging"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cds-service-bench"
SERVER_CORE, GENERATOR_CORE = 0, 1


def peer_body(n: int) -> bytes:
    """The peer README's request (card + systemAction path), with its own hookInstance."""
    order = {
        "resourceType": "ServiceRequest",
        "id": "sr1",
        "status": "draft",
        "intent": "plan",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "71275"}]},
        "reasonCode": [{"coding": [{"system": "http://snomed.info/sct", "code": "13213009"}]}],
    }
    body = {
        "hook": "order-select",
        "hookInstance": str(uuid.UUID(int=n + 1)),
        "context": {
            "userId": "Practitioner/p1",
            "patientId": "p1",
            "selections": ["ServiceRequest/sr1"],
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]},
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


# -- the peer ----------------------------------------------------------------------------------------------
def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and "node_modules" not in p.parts):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def installed_peer(source: Path) -> Path:
    """The peer's server directory with its dependencies installed (a cached copy of `source`)."""
    if not (source / "sandbox-cds-services" / "server.js").exists():
        raise load.BenchError(f"the peer is not at {source} (expected sandbox-cds-services/server.js; --peer-dir)")
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise load.BenchError(f"`{tool}` not found: the peer needs Node 20 and npm")
    copy = CACHE / f"peer-{_fingerprint(source)}"
    server = copy / "sandbox-cds-services"
    if (server / "node_modules" / "express").exists():
        return server
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="peer-", dir=CACHE))
    shutil.copytree(source, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns("node_modules"))
    for path in [staging, *staging.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)  # the shared copy is read-only; npm writes next to package.json
    print(f"installing the peer's dependencies in {copy} (npm install, once) ...", flush=True)
    result = subprocess.run(
        ["npm", "install", "--omit=dev", "--no-audit", "--no-fund"],
        cwd=staging / "sandbox-cds-services",
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise load.BenchError(f"npm install of the peer failed:\n{(result.stdout + result.stderr)[-3000:]}")
    shutil.rmtree(copy, ignore_errors=True)
    staging.rename(copy)
    return server


@contextmanager
def peer_service(directory: Path, log_dir: Path, core: int) -> Iterator[tuple[str, int]]:
    """`node server.js` on a free port, pinned to `core`; its base URL and process group."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "NODE_ENV": "production"}
    base = f"http://127.0.0.1:{port}"
    command = ["node", "server.js"]
    with load.server_process(command, env, f"{base}/cds-services", log_dir / "peer.log", core, directory) as process:
        yield base, process.pid


# -- runs --------------------------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    url: str  # the CDS service's endpoint
    group: int  # process group (CPU accounting)
    make: Callable[[int], bytes]  # body number n
    body_bytes: int = 0
    next_body: int = 0
    open: list[dict] = field(default_factory=list)
    closed: list[dict] = field(default_factory=list)

    def requests(self, count: int) -> list[load.Request]:
        """`count` requests not sent before (bodies numbered on from the last call)."""
        start, self.next_body = self.next_body, self.next_body + count
        return [load.http_request(self.url, self.make(n)) for n in range(start, start + count)]


def check(server: Server, problem: Callable[[int, object], str | None]) -> None:
    body = server.make(10**9)
    server.body_bytes = len(body)
    status, answer = bodies.post(server.url, body)
    found = problem(status, answer)
    if found:
        raise load.BenchError(f"{server.name}: the answer is not the one measured: {found}")


def measure(servers: list[Server], args: argparse.Namespace) -> None:
    """Warm-up, then per run: open loop on each server, then closed loop on each (order alternating per run)."""
    pool = int(args.rate * (args.warmup + args.seconds))
    closed_pool = args.closed_bodies
    for server in servers:  # warm-up: imports, caches, connection pools; not reported
        load.open_loop(server.url, server.requests(100), 50, 0, 2, args.clients, server.group)
        load.closed_loop(server.url, server.requests(closed_pool), 0, 2, args.connections, server.group)
    for run in range(args.runs):
        order = servers if run % 2 == 0 else servers[::-1]
        for server in order:
            result = load.open_loop(
                server.url, server.requests(pool), args.rate, args.warmup, args.seconds, args.clients, server.group
            )
            server.open.append(result)
            print(f"run {run + 1} {server.name:>5} open loop {args.rate:g}/s: {load.line(result)}", flush=True)
        for server in order:
            result = load.closed_loop(
                server.url, server.requests(closed_pool), args.warmup, args.seconds, args.connections, server.group
            )
            server.closed.append(result)
            print(f"run {run + 1} {server.name:>5} closed loop x{args.connections}: {load.line(result)}", flush=True)


def summary(peer: Server, ours: Server, args: argparse.Namespace) -> None:
    print(f"\nmedian of {args.runs} runs x {args.seconds:g} s (after {args.warmup:g} s unmeasured each):")
    print(f"{'':>34} {'peer':>12} {'ours':>12}")
    peer_open, ours_open = load.median(peer.open), load.median(ours.open)
    peer_closed, ours_closed = load.median(peer.closed), load.median(ours.closed)
    for key in ("p50", "p95", "p99", "max"):
        print(f"{f'open loop {args.rate:g}/s {key} (ms)':>34} {peer_open[key]:>12.1f} {ours_open[key]:>12.1f}")
    print(f"{'open loop CPU per request (ms)':>34} {peer_open['cpu_ms']:>12.2f} {ours_open['cpu_ms']:>12.2f}")
    label = f"closed loop x{args.connections} (req/s)"
    print(f"{label:>34} {peer_closed['throughput']:>12.0f} {ours_closed['throughput']:>12.0f}")
    print(f"{'closed loop p99 (ms)':>34} {peer_closed['p99']:>12.1f} {ours_closed['p99']:>12.1f}")
    print(f"{'closed loop CPU per request (ms)':>34} {peer_closed['cpu_ms']:>12.2f} {ours_closed['cpu_ms']:>12.2f}")
    print(f"{'request body (bytes)':>34} {peer.body_bytes:>12} {ours.body_bytes:>12}")
    ratio = ours_closed["throughput"] / peer_closed["throughput"]
    print(f"throughput per core, ours/peer: {ratio:.2f}x (goal >= 1x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=300, help="open loop: requests per second")
    parser.add_argument("--clients", type=int, default=32, help="open loop: connections")
    parser.add_argument("--connections", type=int, default=16, help="closed loop: keep-alive connections")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per run and loop")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each measurement")
    parser.add_argument("--runs", type=int, default=3, help="runs; the median of each figure is reported")
    parser.add_argument("--unique-charts", action="store_true", help="every request to ours a new patient")
    parser.add_argument("--closed-bodies", type=int, default=4000, help="distinct bodies per closed-loop run")
    parser.add_argument("--workers", type=int, help="CDS_WORKERS for our service (default: the service's)")
    parser.add_argument("--threads", type=int, help="CDS_THREADS for our service (default: the service's)")
    parser.add_argument("--peer-dir", type=Path, default=PEER_DIR, help="the peer (README, sandbox-cds-services/)")
    args = parser.parse_args()

    load.pin_generator(GENERATOR_CORE)
    peer_dir = installed_peer(args.peer_dir.resolve())
    chart, order = bodies.chart_and_order()
    ours_make = bodies.body_maker(order, bodies.padded(chart), unique=args.unique_charts)
    env = {f"CDS_{name.upper()}": str(value) for name in ("workers", "threads") if (value := getattr(args, name))}
    defaults = Settings.from_env({**os.environ, **env})  # what the service will read
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    priority = load.raise_priority()  # before the servers start: both get the same priority as the generator
    print(load.machine_info())
    print(cache_decay.state(), flush=True)  # how cold this hour's machine leaves a process's memory
    print(
        f"servers on core {SERVER_CORE} (taskset), load generator on core {GENERATOR_CORE}, all three {priority} "
        "(the servers inherit it); "
        f"ours: cds-service serve, granian {defaults.workers} workers x {defaults.threads} threads "
        f"(CDS_WORKERS/CDS_THREADS {'as given' if env else 'defaults'}), SQLite audit store (synchronous "
        f"{defaults.sqlite_synchronous}); peer: Node {node} {peer_dir.parent.name}; "
        f"ours: {'every request a new patient' if args.unique_charts else 'the same chart, a new hookInstance each'}",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="cds-compare-") as tmp,
        peer_service(peer_dir, Path(tmp), SERVER_CORE) as (peer_base, peer_group),
        load.cds_service(Path(tmp), SERVER_CORE, **env) as (base, process),
    ):
        peer = Server("peer", peer_base + PEER_PATH, peer_group, peer_body)
        ours = Server("ours", base + load.SERVICE_PATH, process.pid, ours_make)
        check(peer, bodies.peer_problem)
        check(ours, bodies.warning_problem)
        measure([peer, ours], args)
    summary(peer, ours, args)
    sys.exit(load.report_errors(peer.open + peer.closed + ours.open + ours.closed))


if __name__ == "__main__":
    main()
