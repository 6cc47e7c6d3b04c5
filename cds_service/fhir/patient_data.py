"""Assemble the chart for a hook call: prefetch keys first, the FHIR server for absent ones (policy §2).

A prefetch key that is absent is fetched; `null` means "no data"; an OperationOutcome means the client's
fetch failed (fetched again if a FHIR server is given). Anything that cannot be obtained raises
DataUnavailable, which the HTTP layer answers with 412: the service never decides on partial data.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from cds_service.fhir.batch import BatchFailed, BatchSupport, entry_resources
from cds_service.fhir.client import (
    NOT_FOUND,
    Deadline,
    FhirClient,
    FhirUnavailable,
    MalformedBundle,
    bundle_resources,
    next_link,
)
from cds_service.fhir.compat import to_r4
from cds_service.knowledge.model import Knowledge


@dataclass(frozen=True)
class DataKey:
    """One piece of the chart: its prefetch template and how we fetch it ourselves."""

    name: str
    template: str  # advertised in discovery; {{context.patientId}} only (CDS Hooks 2.0 tokens)
    search: bool
    fetch_extra: str = ""  # added to our own search, e.g. a date floor the 2.0 template cannot express


class DataUnavailable(Exception):
    """Data the decision needs could not be obtained."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key, self.reason = key, reason


def data_keys(k: Knowledge) -> tuple[DataKey, ...]:
    """The chart the engine reads, as narrow FHIR queries (LOINC codes come from mappings/)."""
    loinc = k.systems["loinc"].uri
    codes = ",".join(f"{loinc}|{c}" for rule in k.observations.values() for c in sorted(rule.loinc))
    patient = "{{context.patientId}}"
    return (
        DataKey("patient", f"Patient/{patient}", search=False),
        DataKey("conditions", f"Condition?patient={patient}&_count=200", search=True),
        DataKey(
            "observations",
            f"Observation?patient={patient}&code={codes}&_sort=-date&_count=200",
            search=True,
            fetch_extra="&date=ge{floor}",
        ),
        DataKey("procedures", f"Procedure?patient={patient}&status=completed&_count=200", search=True),
        DataKey("allergies", f"AllergyIntolerance?patient={patient}&_count=200", search=True),
        DataKey("devices", f"Device?patient={patient}&_count=200", search=True),
        # every status: the engine reads them (statuses.yaml); `_include` brings the Medication a request names.
        # Not MedicationStatement: US Core (3.1 on) records every medicine as a MedicationRequest, and a server
        # without MedicationStatement would make every call a 412. A statement in any prefetch Bundle is read.
        DataKey(
            "medicationRequests",
            f"MedicationRequest?patient={patient}&_include=MedicationRequest:medication&_count=200",
            search=True,
        ),
    )


@dataclass(frozen=True)
class _Fetch:
    """A key to read from the FHIR server, and its relative URL there."""

    key: DataKey
    path: str


def gather(
    keys: tuple[DataKey, ...],
    prefetch: dict[str, Any],
    patient_id: str,
    client: FhirClient | None,
    executor: Executor,
    deadline: Deadline,
    observation_floor: date,
    no_client: str,
    batch: BatchSupport | None = None,
) -> list[Any]:
    """All chart resources, R4-shaped (an entry that is not a JSON object is passed on for the chart reader to
    report); raises DataUnavailable when any key cannot be read within the deadline.

    `no_client`: why there is no FHIR client (no fhirServer, or one that is not allowed), for the 412.
    `batch`: when given, two or more keys to fetch go in one batch if the server takes batches.
    """
    resources: list[Any] = []
    fetches: list[_Fetch] = []
    pages: list[tuple[str, str]] = []  # (key, next page) of prefetch Bundles
    for key in keys:
        path = key.template.replace("{{context.patientId}}", quote(patient_id, safe=""))
        if key.search:
            path += key.fetch_extra.format(floor=observation_floor.isoformat())
        try:
            found, following = _prefetched(key, prefetch)
        except _Unusable as exc:
            _needs_server(client, key.name, str(exc), no_client)
            fetches.append(_Fetch(key, path))
            continue
        resources += found
        if following:
            _needs_server(client, key.name, "the prefetch Bundle has more pages", no_client)
            pages.append((key.name, following))
    if client is not None and (fetches or pages):
        resources += _from_server(fetches, pages, client, executor, deadline, batch)
    return [to_r4(r) if isinstance(r, dict) else r for r in resources if not _is_outcome(r)]


def _needs_server(client: FhirClient | None, name: str, why: str, no_client: str) -> None:
    if client is None:
        raise DataUnavailable(name, f"{why}, and {no_client}")


def _from_server(
    fetches: list[_Fetch],
    pages: list[tuple[str, str]],
    client: FhirClient,
    executor: Executor,
    deadline: Deadline,
    batch: BatchSupport | None,
) -> list[Any]:
    """The keys to fetch (one batch when the server takes them, else a GET each) and the pages to follow,
    in parallel; everything waited for only until the deadline."""
    running = _submit([(name, _pages(url, client, deadline, 1)) for name, url in pages], executor)
    batched = _batched(fetches, client, executor, deadline, batch) if batch and len(fetches) > 1 else None
    if batched is None:
        running += _submit([(f.key.name, _fetcher(f, client, deadline)) for f in fetches], executor)
        return _collect(running, deadline)
    resources, following = batched
    running += _submit([(name, _pages(url, client, deadline, 1)) for name, url in following], executor)
    return resources + _collect(running, deadline)


def _batched(
    fetches: list[_Fetch], client: FhirClient, executor: Executor, deadline: Deadline, batch: BatchSupport
) -> tuple[list[Any], list[tuple[str, str]]] | None:
    """The fetched keys' resources and their searches' next pages, from one batch; None when the server takes
    no batches or the batch failed (the same reads are then made one by one, in the time left)."""
    future = executor.submit(batch.fetch, client, [f.path for f in fetches], deadline)
    try:
        entries = future.result(timeout=max(0.0, deadline.left()))
    except BatchFailed:
        return None
    except FutureTimeout:
        future.cancel()
        raise DataUnavailable(
            ", ".join(f.key.name for f in fetches), "the time budget for FHIR calls ran out"
        ) from None
    if entries is None:
        return None
    resources: list[Any] = []
    following: list[tuple[str, str]] = []
    for fetch, entry in zip(fetches, entries, strict=True):
        try:
            found, next_page = entry_resources(entry, fetch.key.search)
        except FhirUnavailable as exc:
            raise DataUnavailable(fetch.key.name, str(exc)) from None
        resources += found
        if next_page:
            following.append((fetch.key.name, next_page))
    return resources, following


class _Unusable(Exception):
    """A prefetch value that must be fetched again (the message says why)."""


def _prefetched(key: DataKey, prefetch: dict[str, Any]) -> tuple[list[Any], str | None]:
    """A prefetch value's resources and its next page's URL; _Unusable when it is absent, the client's fetch
    failed or the value cannot be read (a search key needs a Bundle whose entries are a list)."""
    if key.name not in prefetch:
        raise _Unusable("not in the prefetch")
    value = prefetch[key.name]
    if value is None:
        return [], None  # the client found nothing
    if _is_outcome(value):
        raise _Unusable("the client's prefetch failed")
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise _Unusable("the prefetch value is not a FHIR resource or Bundle")
    if value["resourceType"] != "Bundle":
        if key.search:
            raise _Unusable(f"the prefetch value for a search is a {value['resourceType'][:40]}, not a Bundle")
        return [value], None
    try:
        return bundle_resources(value), next_link(value)
    except MalformedBundle as exc:
        raise _Unusable(f"the prefetch Bundle cannot be read ({exc})") from None


Job = tuple[str, Callable[[], list[Any]]]
Running = list[tuple[str, Future]]


def _submit(jobs: list[Job], executor: Executor) -> Running:
    return [(name, executor.submit(job)) for name, job in jobs]


def _collect(futures: Running, deadline: Deadline) -> list[Any]:
    """The fetches' results; each is waited for only until the deadline."""
    resources: list[Any] = []
    for name, future in futures:
        try:
            resources += future.result(timeout=max(0.0, deadline.left()))
        except FhirUnavailable as exc:
            raise DataUnavailable(name, str(exc)) from None
        except FutureTimeout:  # the budget is over: whatever is still running is not waited for
            for _, other in futures:
                other.cancel()
            raise DataUnavailable(name, "the time budget for FHIR calls ran out") from None
    return resources


def observation_floor(order_dates: list[date], k: Knowledge) -> date:
    """The oldest Observation date any rule can use for these orders."""
    lookback = max(rule.lookback_days for rule in k.observations.values())
    return min(order_dates) - timedelta(days=lookback)


def _fetcher(fetch: _Fetch, client: FhirClient, deadline: Deadline) -> Callable[[], list[Any]]:
    def run() -> list[Any]:
        if not fetch.key.search:
            found = client.read(fetch.path, deadline)
            if found is None:
                raise FhirUnavailable(NOT_FOUND)
            return [found]
        return client.search(fetch.path, deadline)

    return run


def _pages(url: str, client: FhirClient, deadline: Deadline, pages_read: int = 0) -> Callable[[], list[Any]]:
    return lambda: client.search(url, deadline, pages_read)


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"
