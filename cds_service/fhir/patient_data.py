"""Assemble the chart for a hook call: prefetch keys first, the FHIR server for absent ones (policy §2).

A prefetch key that is absent is fetched; `null` means "no data"; an OperationOutcome means the client's
fetch failed (fetched again if a FHIR server is given). Anything that cannot be obtained raises
DataUnavailable, which the HTTP layer answers with 412: the service never decides on partial data.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from cds_service.fhir.client import (
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
    )


def gather(
    keys: tuple[DataKey, ...],
    prefetch: dict[str, Any],
    patient_id: str,
    client: FhirClient | None,
    executor: Executor,
    deadline: Deadline,
    observation_floor: date,
    no_client: str,
) -> list[Any]:
    """All chart resources, R4-shaped (an entry that is not a JSON object is passed on for the chart reader to
    report); raises DataUnavailable when any key cannot be read within the deadline.

    `no_client`: why there is no FHIR client (no fhirServer, or one that is not allowed), for the 412.
    """
    resources: list[Any] = []
    jobs: list[tuple[str, Callable[[], list[dict[str, Any]]]]] = []
    for key in keys:
        path = key.template.replace("{{context.patientId}}", quote(patient_id, safe=""))
        if key.name not in prefetch:
            jobs.append(
                (key.name, _fetcher(key, path, client, deadline, observation_floor, "not in the prefetch", no_client))
            )
            continue
        try:
            found, following = _prefetched(key, prefetch[key.name])
        except _Unusable as exc:
            jobs.append((key.name, _fetcher(key, path, client, deadline, observation_floor, str(exc), no_client)))
            continue
        resources += found
        if following:
            jobs.append((key.name, _pages(following, client, deadline, key.name, no_client)))
    resources += _run(jobs, executor, deadline)
    return [to_r4(r) if isinstance(r, dict) else r for r in resources if not _is_outcome(r)]


class _Unusable(Exception):
    """A prefetch value that must be fetched again (the message says why)."""


def _prefetched(key: DataKey, value: Any) -> tuple[list[Any], str | None]:
    """A prefetch value's resources and its next page's URL; _Unusable when the client's fetch failed or the value
    cannot be read (a search key needs a Bundle whose entries are a list)."""
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


def _run(jobs: list[tuple[str, Callable[[], list[dict[str, Any]]]]], executor: Executor, deadline: Deadline) -> list:
    """Run the fetches in parallel; each is waited for only until the deadline."""
    futures = [(name, executor.submit(job)) for name, job in jobs]
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


def _fetcher(
    key: DataKey, path: str, client: FhirClient | None, deadline: Deadline, floor: date, why: str, no_client: str
) -> Callable[[], list[dict[str, Any]]]:
    if client is None:
        raise DataUnavailable(key.name, f"{why}, and {no_client}")

    def run() -> list[dict[str, Any]]:
        if not key.search:
            found = client.read(path, deadline)
            if found is None:
                raise FhirUnavailable("the FHIR server does not have it (404)")
            return [found]
        return client.search(path + key.fetch_extra.format(floor=floor.isoformat()), deadline)

    return run


def _pages(
    url: str, client: FhirClient | None, deadline: Deadline, name: str, no_client: str
) -> Callable[[], list[dict[str, Any]]]:
    if client is None:
        raise DataUnavailable(name, f"the prefetch Bundle has more pages, and {no_client}")
    return lambda: client.search(url, deadline)


def _is_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"
