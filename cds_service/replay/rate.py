"""Rate one partition: every historical topic order of its patients, as of the order's own date.

`rate_partition(path, options)` is the whole per-partition job: it reads one partition file, needs
nothing else (the knowledge base is loaded once per process) and returns plain, picklable rows. The
local runner maps it over forked workers (workers.py); a cluster engine can map it over the same files (README).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import orjson
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from cds_service.engine import Decision, Engine, Outcome
from cds_service.knowledge import load_knowledge
from cds_service.replay.lookahead import Dated, as_of_dated, dated, ends_unknown, last_day
from cds_service.replay.partition import read_partition
from cds_service.store.records import decision_record, decision_rows

SERVICE_ID = HOOK = DELIVERY = "replay"
CONSULT_NAMESPACE = uuid.UUID("0b7a3c1e-5d0c-4f4e-9a57-2f1d0e1c5e15")  # consult id = uuid5(this, order reference)


@dataclass(frozen=True)
class Options:
    run_id: str  # kept as each decision's hook_instance: which replay run rated it
    undated: str = "exclude"  # include | exclude: resources with no date (lookahead.py)
    mappings: str | None = None


@dataclass
class PartitionResult:
    partition: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # `decisions` table rows
    counts: Counter[str] = field(default_factory=Counter)


_ENGINES: dict[str | None, Engine] = {}


def engine_for(mappings: str | None) -> Engine:
    """One engine per process (the knowledge base is loaded and validated once)."""
    if mappings not in _ENGINES:
        _ENGINES[mappings] = Engine(load_knowledge(Path(mappings) if mappings else None))
    return _ENGINES[mappings]


def consult_id(patient: str, order_id: str) -> str:
    """The same order always gets the same consult id: a resumed run cannot record it twice. The patient is part of
    it: two patients' orders of the same id are two orders (a thirty-third review: one was lost)."""
    return f"urn:uuid:{uuid.uuid5(CONSULT_NAMESPACE, f'Patient/{patient}/ServiceRequest/{order_id}')}"


def rate_partition(path: Path, partition: int, options: Options) -> PartitionResult:
    engine = engine_for(options.mappings)
    result = PartitionResult(partition)
    for patient, lines in read_partition(path).items():
        rate_patient(engine, patient, [orjson.loads(line) for line in lines], options, result)
    return result


def rate_patient(
    engine: Engine, patient: str, resources: list[dict[str, Any]], options: Options, result: PartitionResult
) -> None:
    """Rate the patient's topic orders, one authoredOn day at a time, each day seeing its own past."""
    counts = result.counts
    counts["patients"] += 1
    chart = dated(r for r in resources if r.get("resourceType") != "ServiceRequest")
    by_day = _orders_by_day(resources, counts)
    topic = engine.knowledge.topic.id
    for day in sorted(by_day):
        siblings = [model for model, _ in by_day[day]]  # the day's orders (e.g. a PET/CT beside an MRI)
        orders = [(m, raw) for m, raw in by_day[day] if engine.match(m, siblings) is not None]
        counts["skipped: not a topic procedure"] += len(siblings) - len(orders)
        if not orders:
            continue
        try:
            decisions = _decisions(engine, chart, day, [m for m, _ in orders], siblings, options, counts)
        except Exception as exc:  # one patient's odd data must not stop a replay of millions
            counts[f"skipped: engine error ({type(exc).__name__})"] += len(orders)
            continue
        for (model, raw), decision in zip(orders, decisions, strict=True):
            record = decision_record(
                decision,
                topic=topic,
                consult_id=consult_id(patient, model.id),
                service_id=SERVICE_ID,
                hook=HOOK,
                hook_instance=options.run_id,
                patient_id=patient,
                user_id=_requester(raw),
                delivery=DELIVERY,
            )
            (row,), _ = decision_rows([record], _authored_at(raw.get("authoredOn"), day))
            result.rows.append(row)
            counts["orders rated"] += 1
            counts[f"outcome {decision.outcome.value}"] += 1


def _decisions(
    engine: Engine,
    chart: Dated,
    day: date,
    orders: list[ServiceRequest],
    siblings: list[ServiceRequest],
    options: Options,
    counts: Counter[str],
) -> list[Decision]:
    """The day's orders rated on the chart as it was that day. When a Condition ended at a time that cannot be set
    against the day, they are rated with it active and as it is now, and each keeps the answer that warns less:
    not appropriate only if both are (a red flag then active stops a warning; an indication then active cannot make
    one)."""
    visible, undated, later = as_of_dated(chart, day, options.undated)
    counts.update({f"undated {kind}": n for kind, n in undated.items()})
    counts.update({f"after the order {kind}": n for kind, n in later.items()})
    active = engine.evaluate(orders, visible, today=day, siblings=siblings)
    if not ends_unknown(chart, day, options.undated):
        return active
    counts["rated both ways: a Condition ended at an unknown time"] += len(orders)
    as_now, _, _ = as_of_dated(chart, day, options.undated, unknown_end="now")
    now = engine.evaluate(orders, as_now, today=day, siblings=siblings)
    return [n if _warns(a) and not _warns(n) else a for a, n in zip(active, now, strict=True)]


def _warns(decision: Decision) -> bool:
    return decision.outcome is Outcome.NOT_APPROPRIATE


def _orders_by_day(
    resources: list[dict[str, Any]], counts: Counter[str]
) -> dict[date, list[tuple[ServiceRequest, dict[str, Any]]]]:
    """The patient's ServiceRequests that can be rated as of their day, by that day; the others counted by why."""
    by_day: dict[date, list[tuple[ServiceRequest, dict[str, Any]]]] = defaultdict(list)
    versions = _versions(resources)
    for raw in resources:
        if raw.get("resourceType") != "ServiceRequest":
            continue
        counts["service requests"] += 1
        skipped = _unrateable(raw, versions)
        if skipped:
            counts[f"skipped: {skipped}"] += 1
            continue
        versions[raw["id"]] = []  # (rated once)
        try:
            model = ServiceRequest.model_validate(raw)
        except (ValidationError, ValueError):
            counts["skipped: invalid ServiceRequest"] += 1
            continue
        by_day[last_day(raw["authoredOn"])].append((model, raw))
    return by_day


def _versions(resources: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The patient's ServiceRequests by id (an export may hold one on two lines, or two versions of it)."""
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for raw in resources:
        if raw.get("resourceType") == "ServiceRequest" and isinstance(raw.get("id"), str):
            versions[raw["id"]].append(raw)
    return versions


def _unrateable(raw: dict[str, Any], versions: dict[str, list[dict[str, Any]]]) -> str | None:
    """Why an exported ServiceRequest cannot be rated as of its day, or None. `versions`: the patient's orders by id
    (emptied for an id once it is rated)."""
    if not isinstance(raw.get("id"), str):
        return "no authoredOn date or id"
    same = versions[raw["id"]]
    if not same:
        return "the same order again"  # (on two lines of the export: rated once)
    if any(other != raw for other in same):
        return "versions of the same order differ"  # (which one is the order as placed?)
    if raw.get("status") == "entered-in-error":
        return "entered in error"
    written = raw.get("authoredOn")
    if last_day(written) is None:
        return "no authoredOn date or id"
    if len(written.strip()) < len("YYYY-MM-DD"):
        return "authoredOn not a full date"  # ("2024-03": which of its days saw which data?)
    return None


def _requester(raw: dict[str, Any]) -> str | None:
    """The ordering clinician's reference (the page's user filter), when it is a Practitioner(Role)."""
    requester = raw.get("requester")
    reference = requester.get("reference") if isinstance(requester, dict) else None
    if isinstance(reference, str) and reference.split("/")[-2:-1] in (["Practitioner"], ["PractitionerRole"]):
        return "/".join(reference.split("/")[-2:])
    return None


def _authored_at(value: Any, day: date) -> datetime:
    """authoredOn as a UTC timestamp (the decision's recorded_at, so the page plots it on its day)."""
    if isinstance(value, str) and len(value) > 10:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.combine(day, time(12, 0), UTC)  # a date alone: noon, so no time zone moves its day
