"""Medicines that show a finding when taken for long (findings.yaml `long_term_medicines`): a systemic steroid begun
weeks before the order may be long-term immunosuppression."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement

from cds_service.engine.chart import MedicineEntry, planned_periods
from cds_service.engine.dates import DayRange, day_range, plausible
from cds_service.engine.model import Evidence, Mention
from cds_service.knowledge.model import Context, Knowledge

TAKEN = (Context.AFFIRMED, Context.UNKNOWN)  # a medicine's status as of the order: being taken, or maybe


def long_term_mentions(
    entry: MedicineEntry, status: Context, reference: str, order_date: date, birth: DayRange | None, k: Knowledge
) -> Iterator[Mention]:
    """The findings a medicine being taken shows by how long it has been taken: uncertain, as the medicine may have
    been stopped, or taken in short courses, since it began (its start is the earliest its resource tells)."""
    if not entry.long_term or status not in TAKEN:
        return
    found = _began(entry.resource, order_date, birth)
    if found is None:
        return
    began, element = found
    days = (order_date - began).days
    note = f"named in {entry.element}; begun {began.isoformat()}, {days} days before the order: maybe taken since"
    evidence = Evidence(reference, element, None, entry.text or None, began.isoformat(), note)
    for concept, least_days in entry.long_term:
        if days >= least_days:
            yield Mention(concept, Context.UNCERTAIN, evidence, onset=DayRange(began, began))


def _began(
    resource: MedicationRequest | MedicationStatement | object, order_date: date, birth: DayRange | None
) -> tuple[date, str] | None:
    """The earliest day a medicine's resource says it began, and the element that says so (a statement's effective
    start or date, the day it was asserted; a request's authoring day, its dosages' and its dispense's starts), the
    first day a partial date may mean; dates that cannot be real for this order (a sentinel, before birth, after the
    order) are not read."""
    told: list[tuple[object, str]] = []
    if isinstance(resource, MedicationStatement):
        period = resource.effectivePeriod
        told += [
            (period.start if period else None, "effectivePeriod.start"),
            (resource.effectiveDateTime, "effectiveDateTime"),
            (resource.dateAsserted, "dateAsserted"),
        ]
    elif isinstance(resource, MedicationRequest):
        told.append((resource.authoredOn, "authoredOn"))
        told += [(period.start, f"{element}.start") for period, element in planned_periods(resource)]
    days = [
        (found.earliest, element)
        for value, element in told
        if (found := plausible(day_range(value), order_date, birth)) is not None
    ]
    return min(days, default=None)
