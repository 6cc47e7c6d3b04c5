"""Interpret a lab or vital-sign Observation against its rule: UCUM conversion, flags, reference range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fhir.resources.R4B.observation import Observation

from cds_service.engine.dates import DayRange, first_day
from cds_service.knowledge.model import Knowledge, ObservationRule

UCUM = "http://unitsofmeasure.org"


@dataclass(frozen=True)
class Reading:
    """What one Observation says: beyond the threshold (True/False) or unreadable (None)."""

    beyond: bool | None
    note: str
    day: str


def observation_day_range(obs: Observation) -> DayRange | None:
    """The day an Observation refers to: effective[x], else issued."""
    period = obs.effectivePeriod
    end = (period.end or period.start) if period else None
    return first_day(obs.effectiveDateTime, obs.effectiveInstant, end, obs.issued)


def read_observation(obs: Observation, rule: ObservationRule, order_date: date, k: Knowledge) -> Reading | None:
    """The reading of an Observation inside the rule's look-back window; None if it does not count."""
    if obs.status not in k.observation_statuses:
        return None
    day = observation_day_range(obs)
    if day is None or day.latest < order_date - timedelta(days=rule.lookback_days):
        return None
    when = str(day)
    if rule.flags_count and _flagged(obs, k):
        return Reading(True, "flagged abnormal high", when)
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        return None
    value = float(quantity.value)
    unit = quantity.code if quantity.system == UCUM and quantity.code else (quantity.unit or quantity.code or "")
    conversion = rule.units.get(unit) or rule.units.get(quantity.unit or "")
    if conversion is not None:
        canonical = conversion.to_canonical(value)
        return Reading(rule.beyond(canonical), f"{canonical:g} {rule.unit}", when)
    high = _reference_high(obs)
    if rule.flags_count and high is not None and value > high:
        return Reading(True, f"{value:g} {unit} above reference range", when)
    return Reading(None, f"{value:g} {unit or '(no unit)'}: unit not convertible to {rule.unit}", when)


def _flagged(obs: Observation, k: Knowledge) -> bool:
    return any(
        coding.code in k.elevated_interpretations
        for concept in obs.interpretation or ()
        for coding in concept.coding or ()
    )


def _reference_high(obs: Observation) -> float | None:
    for reference in obs.referenceRange or ():
        if reference.high is not None and reference.high.value is not None:
            return float(reference.high.value)
    return None
