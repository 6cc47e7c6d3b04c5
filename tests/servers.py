"""Start real servers for integration tests: free loopback ports, wait until ready, stop cleanly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, ...) of each process."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            yield int(stat.parent.name), stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextmanager
def cds_service(tmp: Path, **env: str) -> Iterator[str]:
    """`cds-service serve` (granian) on a free port; yields its base URL."""
    with service_process(tmp, **env) as (base, _process):
        yield base


@contextmanager
def service_process(tmp: Path, ready: str = "/healthz", **env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """As `cds_service`, also yielding the master process (its own process group, for killpg).

    `ready`: the path that answers 200 once the service is up.
    """
    port = free_port()
    environment = {
        **os.environ,
        "CDS_PORT": str(port),
        "CDS_HOST": "127.0.0.1",
        "CDS_DATABASE_URL": f"sqlite:///{tmp}/audit.sqlite3",
        **env,
    }
    log = open(tmp / "service.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "cds_service", "serve"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}{ready}", process, timeout=30)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
