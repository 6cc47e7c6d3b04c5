"""A real HAPI FHIR R4 JPA server for the integration tests, built from tests/hapi-server with Maven.

Run by hand (builds, starts on port 8081, loads the demo charts, runs until Ctrl-C):

    .venv/bin/python -m tests.integration.hapi --port 8081

The build is cached: it reruns only when the module's sources change (a fingerprint in
target/build.sha256); Maven keeps its downloads in ~/.m2. The server runs from target/classes and the
Maven-resolved classpath, on a free loopback port, with an in-memory H2 database.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests

from cds_service.cli import main as cli
from cds_service.demo_load import post_transaction
from tests.servers import free_port, wait_until_up

MODULE = Path(__file__).resolve().parents[1] / "hapi-server"
CHARTS = Path(__file__).resolve().parents[1] / "fixtures" / "charts"
MAIN_CLASS = "org.example.hapitest.HapiTestServer"
BUILD_TIMEOUT_S = 1800  # first build downloads ~350 MB from Maven Central
START_TIMEOUT_S = 240
INSTALL_HINT = (
    "The HAPI FHIR integration tests need Java 17+ and Maven 3.8+ on PATH (Debian/Ubuntu: "
    "`apt-get install openjdk-17-jdk-headless maven`) and access to Maven Central for the first build."
)


def missing_tools() -> str | None:
    """Why the HAPI server cannot be built here, or None when Java and Maven are usable."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            return f"`{tool}` not found. {INSTALL_HINT}"
    version = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr
    found = re.search(r'version "(\d+)', version)
    if not found or int(found.group(1)) < 17:
        first_line = version.strip().splitlines()[0] if version.strip() else "?"
        return f"Java 17 or newer is required (found: {first_line}). {INSTALL_HINT}"
    return None


def build() -> str:
    """Compile the server if its sources changed; the Java classpath to run it with."""
    target = MODULE / "target"
    stamp, classpath = target / "build.sha256", target / "classpath.txt"
    fingerprint = _fingerprint()
    if not (stamp.exists() and classpath.exists() and stamp.read_text() == fingerprint):
        result = subprocess.run(
            ["mvn", "-B", "-q", "package", "-DskipTests"],
            cwd=MODULE,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"Maven build of {MODULE} failed:\n{(result.stdout + result.stderr)[-4000:]}")
        stamp.write_text(fingerprint)
    return f"{target / 'classes'}{os.pathsep}{classpath.read_text().strip()}"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted([MODULE / "pom.xml", *(MODULE / "src").rglob("*")]):
        if path.is_file():
            digest.update(str(path.relative_to(MODULE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class HapiServer:
    """One running test server: start, load charts, inspect what it was asked, pause, stop."""

    def __init__(self, classpath: str, log_path: Path, port: int | None = None) -> None:
        self.classpath, self.log_path = classpath, log_path
        self.port = port or free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.path = "/fhir"
        self.base = f"{self.root}{self.path}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["java", "-Xmx1g", "-cp", self.classpath, MAIN_CLASS, f"--server.port={self.port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=MODULE,
            )
        try:
            wait_until_up(f"{self.base}/metadata", self.process, timeout=START_TIMEOUT_S)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-4000:]
            raise RuntimeError(f"HAPI FHIR did not start: {exc}\n{tail}") from None

    def load_demo_charts(self) -> None:
        """The fixture charts, through the same loader docker-compose uses (`cds-service load-demo`)."""
        if cli(["load-demo", "--fhir-server", self.base, "--wait", "30", str(CHARTS)]) != 0:
            raise RuntimeError(f"loading {CHARTS} into {self.base} failed (see the output above)")

    def load(self, bundle: dict[str, Any]) -> None:
        """POST a transaction Bundle to the base URL (as `cds-service load-demo` does)."""
        with requests.Session() as session:
            post_transaction(self.base, bundle, session)

    def requests_seen(self) -> list[dict[str, str]]:
        """The FHIR requests the server received since the last clear (method, url, authorization; and body for
        a POST to the base URL: a batch)."""
        return requests.get(f"{self.root}/test-log/requests", timeout=10).json()

    def clear_requests(self) -> None:
        requests.delete(f"{self.root}/test-log/requests", timeout=10).raise_for_status()

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): connections are accepted by the kernel, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def main() -> None:
    parser = argparse.ArgumentParser(description="Start the integration tests' HAPI FHIR server with the demo charts.")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    reason = missing_tools()
    if reason:
        raise SystemExit(reason)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop Java too when terminated
    server = HapiServer(build(), Path(tempfile.gettempdir()) / "hapi-test-server.log", args.port)
    print(f"building done; starting HAPI FHIR (log: {server.log_path}) ...", flush=True)
    server.start()
    try:
        server.load_demo_charts()
        print(f"HAPI FHIR R4 at {server.base} with the demo charts; Ctrl-C stops it.", flush=True)
        server.process.wait()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
