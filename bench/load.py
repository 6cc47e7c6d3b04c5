"""The HTTP load harness the benchmarks share (bench/http_bench.py, bench/compare_peer.py).

Two ways of loading a server over keep-alive HTTP/1.1 connections, with requests prepared in advance
(raw bytes, so the generator's cost per request is a socket write and a header parse):

- `open_loop`: requests sent at a fixed rate whatever the server does; latency is measured from each
  request's *scheduled* send time, so queueing is included (the p50/p95/p99 at a given load);
- `closed_loop`: N connections, each sending its next request as soon as the answer to the last one is in
  (the throughput at saturation, req/s).

Both run a warm-up on the same connections first (sent, not measured), count every non-200 answer by
status, and report the server's CPU time per request (its process group, from /proc) and the host's steal
share. Also here: starting `cds-service serve` and the peer (optionally pinned to cores with taskset),
and a line describing the machine.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.servers import free_port, process_stats, wait_until_up  # noqa: E402

SERVICE_PATH = "/cds-services/cspine-auc-select"
Request = tuple[bytes, bytes]  # head, body
FIGURES = ("throughput", "p50", "p95", "p99", "max", "cpu_ms", "steal", "generator_ms")


class BenchError(SystemExit):
    """The benchmark cannot go on (a server did not start, an answer was not what the run measures)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"BENCHMARK FAILED: {message}")


# -- requests ----------------------------------------------------------------------------------------------
def http_request(url: str, body: bytes, headers: dict[str, str] | None = None) -> Request:
    """One raw HTTP/1.1 POST of a JSON body to `url` (keep-alive): its head and body, written together.

    Kept apart so that many requests can share one large body object (each with its own head)."""
    target = urlsplit(url)
    lines = [f"POST {target.path} HTTP/1.1", f"Host: {target.netloc}", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode(), body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: Request) -> str:
    """Send one request, read its whole answer; the status code (raises on a broken connection)."""
    writer.writelines(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
        None,
    )
    if length is None:
        raise ValueError("an answer without Content-Length")
    await reader.readexactly(length)
    return head.split(b" ", 2)[1].decode()


class _Connection:
    """One keep-alive connection that reconnects (and sends once more) when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def send(self, request: Request) -> str:
        status = "connection error"
        for _attempt in (1, 2):
            try:
                return await _exchange(self.reader, self.writer, request)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                self.close()
                await self.open()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _open_client(
    connection: _Connection, requests: list[Request], schedule: asyncio.Queue, measure_from: float, out: dict
) -> None:
    """Takes (send time, request number) from the queue; requests scheduled before `measure_from` are warm-up.

    Latency runs from the scheduled time when the request waited for a free connection (the server's queue), or
    from the actual send time when the client slept until it was due: the event loop's timers have a granularity
    of 1 ms, and their lateness is the generator's, not the server's.
    """
    await connection.open()
    while (item := await schedule.get()) is not None:
        scheduled, number = item
        since = scheduled
        delay = scheduled - perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
            since = perf_counter()
        status = await connection.send(requests[number % len(requests)])
        out["sent"] += 1
        if scheduled < measure_from:
            continue
        if status == "200":
            out["latencies"].append((perf_counter() - since) * 1000)
        else:
            out["errors"].append(status)
    connection.close()


async def _closed_client(
    connection: _Connection, requests: list[Request], numbers: Iterator[int], window: tuple[float, float], out: dict
) -> None:
    """Sends back to back until the window ends; answers that arrive inside the window are measured."""
    await connection.open()
    start, end = window
    while (sent := perf_counter()) < end:
        status = await connection.send(requests[next(numbers) % len(requests)])
        done = perf_counter()
        out["sent"] += 1
        if not start <= done <= end:
            continue
        if status == "200":
            out["latencies"].append((done - sent) * 1000)
        else:
            out["errors"].append(status)
    connection.close()


async def _open(url: str, requests: list[Request], rate: float, warmup: float, seconds: float, clients: int) -> dict:
    target = urlsplit(url)
    schedule: asyncio.Queue = asyncio.Queue()
    out: dict = {"latencies": [], "errors": [], "sent": 0}
    start = perf_counter() + 0.2
    for i in range(int(rate * (warmup + seconds))):
        schedule.put_nowait((start + i / rate, i))
    for _ in range(clients):
        schedule.put_nowait(None)
    connections = [_Connection(target.hostname, target.port) for _ in range(clients)]
    await asyncio.gather(*(_open_client(c, requests, schedule, start + warmup, out) for c in connections))
    out["span"] = perf_counter() - (start + warmup)  # until the last answer: longer than planned when overloaded
    return out


async def _closed(url: str, requests: list[Request], warmup: float, seconds: float, connections: int) -> dict:
    target = urlsplit(url)
    out: dict = {"latencies": [], "errors": [], "sent": 0}
    start = perf_counter() + 0.2 + warmup
    numbers = itertools.count()
    await asyncio.gather(
        *(
            _closed_client(_Connection(target.hostname, target.port), requests, numbers, (start, start + seconds), out)
            for _ in range(connections)
        )
    )
    return out


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (the service depends on it): less of the generator's own time per request."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _measured(run: object, group: int | None, seconds: float) -> dict:
    """Run the coroutine with the generator's collector paused; its figures, and the server's CPU per request."""
    gc.collect()
    gc.freeze()
    gc.disable()  # the load generator's own pauses would show up as server latency
    cpu_before, host_before, own_before = process_group_cpu(group), host_cpu(), time.process_time()
    loop = _event_loop()
    try:
        out = loop.run_until_complete(run)
    finally:
        loop.close()
        gc.enable()
    cpu_after, host_after, own_after = process_group_cpu(group), host_cpu(), time.process_time()
    latencies = sorted(out["latencies"])
    if not latencies:
        raise BenchError(f"no request succeeded; answers: {dict(Counter(out['errors']))}")

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    ticks = [b - a for a, b in zip(host_before, host_after, strict=True)]
    return {
        "requests": len(latencies) + len(out["errors"]),
        "sent": out["sent"],  # warm-up included
        "errors": len(out["errors"]),
        "error_kinds": dict(Counter(out["errors"])),
        "throughput": len(latencies) / max(seconds, out.get("span", seconds)),
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "max": latencies[-1],
        # whole run (warm-up included): the server's CPU time per request, and the host's steal share
        "cpu_ms": (cpu_after - cpu_before) * 1000 / max(1, out["sent"]),
        "steal": 100 * ticks[7] / max(1, sum(ticks)),
        "generator_ms": (own_after - own_before) * 1000 / max(1, out["sent"]),  # the load generator's own CPU
    }


def open_loop(
    url: str,
    requests: list[Request],
    rate: float,
    warmup: float,
    seconds: float,
    clients: int,
    group: int | None = None,
) -> dict:
    """`rate` requests/s over `clients` keep-alive connections: `warmup` s unmeasured, then `seconds` s measured.

    The same connections carry both parts, so no connection set-up falls inside the measurement. Request
    number i is requests[i % len(requests)]. `group`: the server's process group, for its CPU time. The
    throughput is the answers measured over the time until the last one came: below the rate when the server
    did not keep up.
    """
    return _measured(_open(url, requests, rate, warmup, seconds, clients), group, seconds)


def closed_loop(
    url: str, requests: list[Request], warmup: float, seconds: float, connections: int, group: int | None = None
) -> dict:
    """`connections` keep-alive connections sending back to back: `warmup` s, then `seconds` s measured."""
    return _measured(_closed(url, requests, warmup, seconds, connections), group, seconds)


def median(results: list[dict]) -> dict:
    """The median of each figure over runs, with the error counts summed."""
    summary = {key: statistics.median(r[key] for r in results) for key in FIGURES}
    summary["requests"] = sum(r["requests"] for r in results)
    summary["errors"] = sum(r["errors"] for r in results)
    summary["error_kinds"] = dict(sum((Counter(r["error_kinds"]) for r in results), Counter()))
    return summary


def line(result: dict, counts: bool = True) -> str:
    head = f"{result['requests']} requests, {result['errors']} errors {result['error_kinds'] or ''}, " if counts else ""
    return (
        f"{head}throughput {result['throughput']:.0f}/s, p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, "
        f"p99 {result['p99']:.1f} ms, max {result['max']:.0f} ms; server CPU {result['cpu_ms']:.2f} ms/request, "
        f"load generator {result['generator_ms']:.2f} ms/request, host steal {result['steal']:.1f}%"
    )


def report_errors(results: list[dict]) -> int:
    """Print the non-200 answers of all runs; the exit status (1 when there were any)."""
    kinds = median(results)["error_kinds"] if results else {}
    if not kinds:
        return 0
    print(f"ERRORS: {sum(kinds.values())} requests did not get a 200 answer: {kinds}", file=sys.stderr)
    return 1


# -- CPU accounting and the machine ------------------------------------------------------------------------
def process_group_cpu(group: int | None) -> float:
    """CPU seconds used so far by the processes of a group (a server: its main process and workers)."""
    if group is None:
        return 0.0
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in process_stats() if int(fields[2]) == group)
    return ticks / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by one process (all its threads), e.g. a FHIR server."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(data_directory: Path) -> float:
    """CPU seconds used so far by a PostgreSQL server: the postmaster, its live children and those it reaped."""
    postmaster = int((data_directory / "postmaster.pid").read_text().split()[0])
    seconds = 0.0
    for pid, fields in process_stats():
        if pid == postmaster:
            seconds += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
        elif int(fields[1]) == postmaster:
            seconds += int(fields[11]) + int(fields[12])
    return seconds / os.sysconf("SC_CLK_TCK")


def host_cpu() -> list[int]:
    """The machine's CPU tick counters (user, nice, system, idle, iowait, irq, softirq, steal)."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def machine_info() -> str:
    """Cores, CPU model, kernel, Python, load average: the first line of every benchmark's output."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"machine: {os.cpu_count()} cores ({model}), {platform.machine()}, Linux {platform.release()}, "
        f"Python {platform.python_version()}; load average {load}"
    )


def pin_generator(core: int) -> None:
    """Run this process (the load generator) on one core only."""
    if (os.cpu_count() or 1) <= core:
        raise BenchError(f"pinning needs at least {core + 1} cores; this machine has {os.cpu_count()}")
    os.sched_setaffinity(0, {core})


def raise_priority() -> str:
    """The generator shares the cores with the server; when allowed, it goes first so its own delays stay out."""
    try:
        os.nice(-10)
    except PermissionError:
        return "at normal priority"
    return "at nice -10"


# -- servers -----------------------------------------------------------------------------------------------
def _pinned(command: list[str], core: int | None) -> list[str]:
    if core is None:
        return command
    if shutil.which("taskset") is None:
        raise BenchError("taskset (util-linux) is needed to pin a server to a core")
    return ["taskset", "-c", str(core), *command]


def _stop(process: subprocess.Popen) -> None:
    """Terminate a server started in its own session (its workers too)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def server_process(
    command: list[str],
    env: dict[str, str],
    ready_url: str,
    log_path: Path,
    core: int | None = None,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen]:
    """A server started in its own session (process group = its pid), optionally pinned; stopped afterwards."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            _pinned(command, core), env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        try:
            wait_until_up(ready_url, process, timeout=60)
        except (RuntimeError, TimeoutError) as exc:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise BenchError(f"{' '.join(command)} did not start: {exc}\n{tail}") from None
        yield process
    finally:
        _stop(process)


@contextmanager
def cds_service(tmp: Path, core: int | None = None, **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`cds-service serve` (granian) on a free loopback port, database in `tmp` unless CDS_DATABASE_URL is given;
    yields its base URL and main process (whose pid is the process group of the service)."""
    port = free_port()
    environment = {
        **os.environ,
        "CDS_PORT": str(port),
        "CDS_HOST": "127.0.0.1",
        "CDS_DATABASE_URL": f"sqlite:///{tmp}/audit.sqlite3",
        "CDS_LOG_LEVEL": "WARNING",
        **env,
    }
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "cds_service", "serve"]
    with server_process(command, environment, f"{base}/healthz", tmp / "service.log", core) as process:
        yield base, process
