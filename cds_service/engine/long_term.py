"""Medicines that show a finding when taken for long (findings.yaml `long_term_medicines`): a systemic steroid begun
weeks before the order may be long-term immunosuppression."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement

from cds_service.engine.chart import MedicineEntry
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
    began = _began(entry.resource, order_date, birth)
    if began is None:
        return
    days = (order_date - began).days
    note = f"begun {began.isoformat()}, {days} days before the order: maybe taken since"
    evidence = Evidence(reference, entry.element, None, entry.text or None, began.isoformat(), note)
    for concept, least_days in entry.long_term:
        if days >= least_days:
            yield Mention(concept, Context.UNCERTAIN, evidence, onset=DayRange(began, began))


def _began(
    resource: MedicationRequest | MedicationStatement | object, order_date: date, birth: DayRange | None
) -> date | None:
    """The earliest day a medicine's resource says it began (a statement's effective start or date, the day it was
    asserted; a request's authoring day, its dosages' and its dispense's starts), the first day a partial date may
    mean; dates that cannot be real for this order (a sentinel, before birth, after the order) are not read."""
    values: list[object] = []
    if isinstance(resource, MedicationStatement):
        period = resource.effectivePeriod
        values += [period.start if period else None, resource.effectiveDateTime, resource.dateAsserted]
    elif isinstance(resource, MedicationRequest):
        values.append(resource.authoredOn)
        for dosage in resource.dosageInstruction or ():
            repeat = dosage.timing.repeat if dosage.timing else None
            values.append(repeat.boundsPeriod.start if repeat and repeat.boundsPeriod else None)
        dispense = resource.dispenseRequest
        values.append(dispense.validityPeriod.start if dispense and dispense.validityPeriod else None)
    days = [found.earliest for value in values if (found := plausible(day_range(value), order_date, birth))]
    return min(days, default=None)
