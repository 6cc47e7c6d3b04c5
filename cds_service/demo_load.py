"""`cds-service load-demo`: upload FHIR transaction Bundles (the demo charts) to a FHIR server.

Used by the docker-compose loader, by the integration tests and by anyone who wants the demo patients on
a test server. Waits until the server answers `/metadata`, then POSTs each Bundle to the base URL.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests


class LoadError(Exception):
    """A Bundle could not be stored; the message says which and why."""


def wait_for_server(base: str, timeout: float, session: requests.Session) -> None:
    """Poll `[base]/metadata` until it returns a CapabilityStatement; LoadError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = session.get(f"{base}/metadata", headers={"Accept": "application/fhir+json"}, timeout=5)
            if response.ok and response.json().get("resourceType") == "CapabilityStatement":
                return
        except (requests.RequestException, ValueError):
            pass
        if time.monotonic() > deadline:
            raise LoadError(f"{base}/metadata did not answer with a CapabilityStatement within {timeout:.0f} s")
        time.sleep(1)


def post_transaction(base: str, bundle: dict[str, Any], session: requests.Session, timeout: float = 300) -> int:
    """POST one transaction Bundle; the number of entries stored. LoadError unless every entry succeeded."""
    response = session.post(
        base,
        data=json.dumps(bundle),
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
        timeout=timeout,
    )
    if not response.ok:
        raise LoadError(f"HTTP {response.status_code}: {response.text[:500]}")
    statuses = [entry.get("response", {}).get("status", "") for entry in response.json().get("entry", [])]
    failed = [s for s in statuses if not s.startswith(("200", "201"))]
    if failed:
        raise LoadError(f"{len(failed)} entries failed, e.g. {failed[0]!r}")
    return len(statuses)


def bundle_files(paths: Iterable[Path]) -> list[Path]:
    """The JSON files named, with directories expanded (sorted)."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    return files


def add_load_command(commands: Any) -> None:
    load = commands.add_parser("load-demo", help="upload FHIR transaction Bundles (e.g. the demo charts) to a server")
    load.add_argument("paths", nargs="+", type=Path, help="Bundle files or directories of them")
    load.add_argument("--fhir-server", required=True, help="FHIR base URL, e.g. http://localhost:8081/fhir")
    load.add_argument("--wait", type=float, default=300, help="seconds to wait for the server (default 300)")
    load.set_defaults(run=_load)


def _load(args: argparse.Namespace) -> int:
    base = args.fhir_server.rstrip("/")
    with requests.Session() as session:
        wait_for_server(base, args.wait, session)
        for path in bundle_files(args.paths):
            try:
                bundle = json.loads(path.read_text(encoding="utf-8"))
                stored = post_transaction(base, bundle, session)
            except (OSError, ValueError, LoadError, requests.RequestException) as exc:
                print(f"{path.name}: FAILED: {exc}")
                return 1
            print(f"{path.name}: {stored} resources stored")
    return 0
