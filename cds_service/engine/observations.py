"""Interpret a lab or vital-sign Observation against its rule: UCUM units, flags, reference range (policy §2, §10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from fhir.resources.R4B.observation import Observation

from cds_service.engine.dates import DayRange, first_day, plausible
from cds_service.knowledge.model import Knowledge, ObservationRule

UCUM = "http://unitsofmeasure.org"


class Level(StrEnum):
    """What an Observation says about its rule's threshold."""

    BEYOND = "beyond"  # past the policy's threshold or the lab's upper reference limit
    WITHIN = "within"
    BORDERLINE = "borderline"  # at the threshold, or flagged without a value past it: may block, never enable
    UNREADABLE = "unreadable"  # a value given as a string, or in a unit that cannot be converted


@dataclass(frozen=True)
class Reading:
    level: Level
    note: str
    day: str


def observation_day_range(obs: Observation) -> DayRange | None:
    """The day an Observation refers to: effective[x], else issued."""
    period = obs.effectivePeriod
    end = (period.end or period.start) if period else None
    return first_day(obs.effectiveDateTime, obs.effectiveInstant, end, obs.issued)


def read_observation(obs: Observation, rule: ObservationRule, order_date: date, k: Knowledge) -> Reading | None:
    """The reading of an Observation inside the rule's look-back window; None if it does not count. One without a
    usable date (none, in the future, a sentinel) may be recent: a value past the threshold is borderline, so it may
    block or remove a suggestion, never enable a warning (policy §10: impossible dates are unknown dates)."""
    day = plausible(observation_day_range(obs), order_date)
    if day is not None and day.latest < order_date - timedelta(days=rule.lookback_days):
        return None
    reading = _read_value(obs, rule, k, str(day) if day else "date unknown")
    if day is None and reading is not None and reading.level is Level.BEYOND:
        return Reading(Level.BORDERLINE, f"{reading.note}, no usable date", reading.day)
    return reading


def _read_value(obs: Observation, rule: ObservationRule, k: Knowledge, when: str) -> Reading | None:
    """An Observation's value against the rule's threshold (`when`: its day, as the card shows it)."""
    flagged = rule.flags_count and _flagged(obs, k)
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        if obs.valueString is not None:
            return Reading(Level.UNREADABLE, f"value {obs.valueString!r} is not a number", when)
        return Reading(Level.BORDERLINE, "flagged abnormal high, no value", when) if flagged else None
    value = float(quantity.value)
    unit = quantity.code if quantity.system == UCUM and quantity.code else (quantity.unit or quantity.code or "")
    high = _reference_high(obs)
    if rule.flags_count and high is not None and value > high:
        return Reading(Level.BEYOND, f"{value:g} {unit} above the lab's upper limit {high:g}", when)
    conversion = rule.units.get(unit) or rule.units.get(quantity.unit or "")
    if conversion is None:
        note = f"{value:g} {unit or '(no unit)'}: unit not convertible to {rule.unit}"
        return Reading(Level.UNREADABLE, note, when)
    canonical = conversion.to_canonical(value)
    note = f"{canonical:g} {rule.unit}"
    if rule.at_threshold(canonical):
        return Reading(Level.BORDERLINE, f"{note} (at the threshold)", when)
    if rule.beyond(canonical):
        return Reading(Level.BEYOND, note, when)
    if flagged:
        return Reading(Level.BORDERLINE, f"{note}, flagged abnormal high", when)
    return Reading(Level.WITHIN, note, when)


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
