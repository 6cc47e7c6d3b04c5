"""FHIR date handling: partial dates become the range of days they may stand for."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_UNIT_DAYS = {
    "a": 365.25,
    "yr": 365.25,
    "year": 365.25,
    "years": 365.25,
    "mo": 30.4375,
    "month": 30.4375,
    "months": 30.4375,
    "wk": 7.0,
    "week": 7.0,
    "weeks": 7.0,
    "d": 1.0,
    "day": 1.0,
    "days": 1.0,
}


@dataclass(frozen=True)
class DayRange:
    """The first and last calendar day a (possibly partial) FHIR date may mean."""

    earliest: date
    latest: date

    def shifted(self, days: float) -> DayRange:
        delta = timedelta(days=days)
        return DayRange(self.earliest + delta, self.latest + delta)

    def __str__(self) -> str:
        return self.earliest.isoformat() if self.earliest == self.latest else f"{self.earliest}..{self.latest}"


def day_range(value: Any) -> DayRange | None:
    """Turn a FHIR date/dateTime/instant (model value or string) into a DayRange; None if absent/unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return DayRange(value.date(), value.date())
    if isinstance(value, date):
        return DayRange(value, value)
    text = str(value).strip()
    match = _PARTIAL.match(text)
    if match:
        year, month, day = int(match[1]), match[2], match[3]
        try:
            if day:
                exact = date(year, int(month), int(day))
                return DayRange(exact, exact)
            if month:
                last = calendar.monthrange(year, int(month))[1]
                return DayRange(date(year, int(month), 1), date(year, int(month), last))
            return DayRange(date(year, 1, 1), date(year, 12, 31))
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return DayRange(parsed.date(), parsed.date())


def age_in_days(quantity_value: Any, unit: str | None) -> float | None:
    """An onsetAge-style Quantity expressed in days (UCUM a / mo / wk / d)."""
    if quantity_value is None or not unit:
        return None
    factor = _UNIT_DAYS.get(unit.strip().lower())
    if factor is None:
        return None
    days = float(quantity_value) * factor
    return days if 0 <= days <= LONGEST_LIFE_DAYS else None  # an age of 19 850 years is no age


def age_unit_days(unit: str | None) -> float:
    """The days one unit of an onsetAge-style Quantity spans (an age of 56 a is any day of that year of life)."""
    return _UNIT_DAYS.get((unit or "").strip().lower(), 1.0)


def years_between(birth: date, on: date) -> int:
    """Completed years from `birth` to `on`."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def first_day(*values: Any) -> DayRange | None:
    """The DayRange of the first value that is a readable date (e.g. effective[x], then issued)."""
    return next((found for found in map(day_range, values) if found is not None), None)


EARLIEST_PLAUSIBLE = date(1850, 1, 1)  # before this a date is a sentinel ("0001-01-01"), not a clinical date
LONGEST_LIFE_DAYS = 120 * 365.25  # an older age is absurd (policy §10): an unknown one


def plausible(found: DayRange | None, order_date: date, birth: DayRange | None = None) -> DayRange | None:
    """The range, or None when it cannot be a real clinical date for this order: a sentinel, in the future
    (after the order), or before the patient was born (policy §10: impossible dates are unknown dates)."""
    if found is None or found.earliest < EARLIEST_PLAUSIBLE or found.earliest > order_date:
        return None
    if birth is not None and found.latest < birth.earliest:
        return None
    return found
