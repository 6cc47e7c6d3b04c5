"""How long the neck symptoms have lasted, from onset[x] and recordedDate (policy §4)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fhir.resources.R4B.condition import Condition

from cds_service.engine.dates import DayRange, age_in_days, day_range, first_day
from cds_service.engine.model import Duration
from cds_service.knowledge.model import Policy

ACUTE, CHRONIC = "acute", "chronic"


def onset_range(condition: Condition, birth: DayRange | None) -> DayRange | None:
    """The days the symptom may have started: onsetDateTime, onsetPeriod.start, or onsetAge/onsetRange.low."""
    found = first_day(condition.onsetDateTime, condition.onsetPeriod.start if condition.onsetPeriod else None)
    if found is not None or birth is None:
        return found
    age = condition.onsetAge or (condition.onsetRange.low if condition.onsetRange else None)
    days = age_in_days(age.value, age.code or age.unit) if age is not None else None
    return birth.shifted(days) if days is not None else None


def classify_duration(
    conditions: Sequence[Condition], birth: DayRange | None, order_date: date, policy: Policy
) -> Duration:
    """Acute, chronic, or both, with the number of days the chart proves (at least / at most)."""
    onsets = [r for r in (onset_range(c, birth) for c in conditions) if r is not None]
    recorded = [r for r in (day_range(c.recordedDate) for c in conditions) if r is not None]
    if not onsets and not recorded:
        return Duration(frozenset({ACUTE, CHRONIC}), None, None, "no onset or recorded date on the symptom")
    starts = onsets + recorded
    at_least = max(0, (order_date - min(r.latest for r in starts)).days)
    at_most = max(at_least, (order_date - min(r.earliest for r in onsets)).days) if onsets else None
    if at_most is not None and at_most < policy.acute_below_days:
        return Duration(frozenset({ACUTE}), at_least, at_most, f"onset at most {at_most} days before the order")
    if at_least >= policy.chronic_from_days:
        basis = "onset" if onsets and at_least == (order_date - min(r.latest for r in onsets)).days else "recorded"
        return Duration(
            frozenset({CHRONIC}), at_least, at_most, f"symptom {basis} at least {at_least} days before the order"
        )
    if at_most is None:
        basis = f"no onset recorded; recorded {at_least} days before the order"
    else:
        basis = f"onset {at_least}-{at_most} days before the order"
    return Duration(frozenset({ACUTE, CHRONIC}), at_least, at_most, basis)
