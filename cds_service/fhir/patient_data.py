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

from cds_service.fhir.client import Deadline, FhirClient, FhirUnavailable, bundle_resources, next_link
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
) -> list[dict[str, Any]]:
    """All chart resources, R4-shaped; raises DataUnavailable when any key cannot be read.

    `no_client`: why there is no FHIR client (no fhirServer, or one that is not allowed), for the 412.
    """
    resources: list[dict[str, Any]] = []
    jobs: list[tuple[str, Callable[[], list[dict[str, Any]]]]] = []

    def fetch(key: DataKey, path: str, why: str) -> None:
        jobs.append((key.name, _fetcher(key, path, client, deadline, observation_floor, why, no_client)))

    for key in keys:
        path = key.template.replace("{{context.patientId}}", quote(patient_id, safe=""))
        if key.name in prefetch:
            value = prefetch[key.name]
            if value is None:
                continue
            if _is_outcome(value):
                fetch(key, path, "the client's prefetch failed")
                continue
            if not isinstance(value, dict) or "resourceType" not in value:
                raise DataUnavailable(key.name, "the prefetch value is not a FHIR resource or Bundle")
            if value["resourceType"] != "Bundle":
                resources.append(value)
                continue
            resources += bundle_resources(value)
            following = next_link(value)
            if following:
                jobs.append((key.name, _pages(following, client, deadline, key.name, no_client)))
        else:
            fetch(key, path, "not in the prefetch")
    futures = [(name, executor.submit(job)) for name, job in jobs]
    for name, future in futures:
        try:
            resources += future.result(timeout=max(0.0, deadline.left()))
        except FhirUnavailable as exc:
            raise DataUnavailable(name, str(exc)) from None
        except FutureTimeout:  # the budget is over: whatever is still running is not waited for
            for _, other in futures:
                other.cancel()
            raise DataUnavailable(name, "the time budget for FHIR calls ran out") from None
    return [to_r4(r) for r in resources if isinstance(r, dict) and not _is_outcome(r)]


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
