"""A FHIR server stubbed with `responses`, answering the service's reads and searches from a chart."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from responses import RequestsMock, matchers

from tests.hook_requests import searchset

FHIR = "https://fhir.example.org/r4"
METADATA = f"{FHIR}/metadata"
KINDS = (
    "Condition",
    "Observation",
    "Procedure",
    "AllergyIntolerance",
    "Device",
    "MedicationRequest",
)
READS = 1 + len(KINDS)  # what the service reads for a chart: the Patient and a search per kind
PREFETCH_KEYS = ("patient", "conditions", "observations", "procedures", "allergies", "devices", "medicationRequests")


def capability_statement(batch: bool) -> dict[str, Any]:
    """A server's CapabilityStatement, listing the batch interaction or not."""
    interactions = [{"code": "transaction"}, {"code": "batch"}] if batch else [{"code": "history-system"}]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{"mode": "server", "interaction": interactions}],
    }


def batch_response(*entries: tuple[str, Any]) -> dict[str, Any]:
    """A batch-response Bundle from (status, resource or None) pairs."""
    return {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [
            {"response": {"status": status}, **({"resource": resource} if resource is not None else {})}
            for status, resource in entries
        ],
    }


def batch_requests(calls: Any) -> list[list[str]]:
    """The relative URLs of each batch POSTed to the stub, in order."""
    return [
        [entry["request"]["url"] for entry in json.loads(call.request.body)["entry"]]
        for call in calls
        if call.request.method == "POST"
    ]


def data_calls(calls: Any) -> list[Any]:
    """The calls that read chart data (not the CapabilityStatement)."""
    return [call for call in calls if not call.request.url.startswith(METADATA)]


def serve_chart(
    rsps: RequestsMock | Any,
    resources: list[dict[str, Any]],
    *,
    token: str | None = None,
    page_size: int | None = None,
    batch: bool = False,
) -> None:
    """Register FHIR endpoints answering the service's searches from `resources`: a GET per read or search
    page, and (`batch`) a CapabilityStatement that lists batch and a `POST [base]` answering batches of them."""
    by_type = _by_type(resources)
    match = [matchers.header_matcher({"Authorization": f"Bearer {token}"})] if token else []
    rsps.get(METADATA, json=capability_statement(batch), match=match)
    rsps.get(f"{FHIR}/Patient/pat-1", json=by_type.get("Patient", [{}])[0], match=match)
    for kind in KINDS:
        pages = _pages(by_type.get(kind, []), page_size)
        for n, page in enumerate(pages):
            nxt = f"{FHIR}/{kind}-page?n={n + 1}" if n + 1 < len(pages) else None
            url = re.compile(rf"{re.escape(FHIR)}/{kind}\?.*") if n == 0 else f"{FHIR}/{kind}-page?n={n}"
            rsps.get(url, json=searchset(page, nxt), match=match)
    if batch:
        rsps.add_callback("POST", FHIR, callback=batch_answers(resources, token=token, page_size=page_size))


def batch_answers(
    resources: list[dict[str, Any]], *, token: str | None = None, page_size: int | None = None
) -> Callable[[Any], tuple[int, dict[str, str], str]]:
    """A `responses` callback answering a batch of the service's reads and searches from `resources` (each
    search's first page, linking to the GET pages serve_chart registers)."""
    by_type = _by_type(resources)
    first = {kind: _pages(by_type.get(kind, []), page_size) for kind in KINDS}

    def entry(url: str) -> tuple[str, Any]:
        kind = url.split("?")[0].split("/")[0]
        if url == "Patient/pat-1" and by_type.get("Patient"):
            return "200 OK", by_type["Patient"][0]
        if kind in first and url.startswith(f"{kind}?"):
            pages = first[kind]
            return "200 OK", searchset(pages[0], f"{FHIR}/{kind}-page?n=1" if len(pages) > 1 else None)
        return "404 Not Found", None

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        if token and request.headers.get("Authorization") != f"Bearer {token}":
            return 401, {}, "{}"
        entries = [entry(e["request"]["url"]) for e in json.loads(request.body)["entry"]]
        return 200, {"Content-Type": "application/fhir+json"}, json.dumps(batch_response(*entries))

    return answer


def _by_type(resources: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        kind = "MedicationRequest" if r["resourceType"] == "Medication" else r["resourceType"]  # as by its _include
        by_type.setdefault(kind, []).append(r)
    return by_type


def _pages(items: list[dict[str, Any]], page_size: int | None) -> list[list[dict[str, Any]]]:
    return [items[i : i + page_size] for i in range(0, len(items), page_size)] if page_size and items else [items]
