"""How long the neck symptoms have lasted: coded onset / recordedDate and written spans (policy §4, §8).

Each source gives an interval of days before the order: the coded conditions (the earliest onset; a recordedDate
proves at least that long), each written span ("x 3 wks": 21-27 days) and each duration word ("chronic": 84 days
or more). Sources that agree narrow the interval; sources that contradict each other leave every reading they
give a candidate (the set widens, never guesses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fhir.resources.R4B.condition import Condition

from cds_service.engine.dates import DayRange, age_in_days, age_unit_days, first_day
from cds_service.engine.model import Duration, Mention
from cds_service.knowledge.model import Policy

ACUTE, CHRONIC, INCREASING = "acute", "chronic", "increasing"
BOTH = frozenset({ACUTE, CHRONIC})
INCREASING_CLASS = frozenset({INCREASING})  # a worsening's span, "acute on chronic": the pain is increasing
OPEN = 10**6  # "at least": no upper bound


@dataclass(frozen=True)
class Interval:
    """A source's statement: the symptom began `low` to `high` days before the order."""

    low: int
    high: int
    basis: str

    def classes(self, policy: Policy) -> frozenset[str]:
        if self.high < policy.acute_below_days:
            return frozenset({ACUTE})
        if self.low >= policy.chronic_from_days:
            return frozenset({CHRONIC})
        return BOTH


def onset_range(condition: Condition, birth: DayRange | None, until: date) -> DayRange | None:
    """The days the symptom may have started: onsetDateTime; any day of an onsetPeriod (it began within it: a
    twenty-sixth review, an injury "2025-01-01 to 2026-11-15" was dated by its start alone), at most `until`; or
    onsetAge, or any age of an onsetRange."""
    period = condition.onsetPeriod
    found = first_day(condition.onsetDateTime, period.start if period else None)
    ended = first_day(period.end) if period and found is not None and condition.onsetDateTime is None else None
    if ended is not None and ended.latest > found.latest:
        found = DayRange(found.earliest, max(found.latest, min(ended.latest, until)))
    if found is not None or birth is None:
        return found
    if condition.onsetAge is not None:
        return _age_day(condition.onsetAge, birth)
    ranged = condition.onsetRange  # any age from its low to its high (a thirty-seventh review: its low alone)
    if ranged is None or (ranged.low is None and ranged.high is None):
        return None
    low = _age_day(ranged.low, birth) if ranged.low is not None else None
    high = _age_day(ranged.high, birth) if ranged.high is not None else None
    if (ranged.low is not None and low is None) or (ranged.high is not None and high is None):
        return None  # an age that cannot be read
    if low is None:
        return DayRange(birth.earliest, high.latest)  # up to its high: any day since birth
    if high is None:
        return DayRange(low.earliest, max(low.latest, until))  # from its low on: any day since
    return DayRange(low.earliest, max(low.latest, high.latest))


def _age_day(age: Any, birth: DayRange) -> DayRange | None:
    """The days an age at onset may stand for: an age of 56 a is any day of that year of life, not its first (a
    whiplash at 56)."""
    days = age_in_days(age.value, age.code or age.unit)
    if days is None:
        return None
    start = birth.shifted(days)
    span = max(age_unit_days(age.code or age.unit) - 1, 0)
    return DayRange(start.earliest, start.latest + timedelta(days=span))


def said_increasing(mention: Mention) -> bool:
    """Whether a mention's words say the pain is increasing (a worsening's span, "acute on chronic", "flare")."""
    return any(INCREASING in classes for classes in mention.duration_classes)


def classify_duration(mentions: Sequence[Mention], order_date: date, policy: Policy) -> Duration:
    """Acute, chronic or both, from the certain indication mentions' dates and written spans; a pain said to be
    increasing ("chronic C6 radiculopathy, worse x 5 days", "acute on chronic") is also the ACR's "acute or
    increasing" one, whatever its age (variants 1 and 2 beside 7 and 8)."""
    duration = _by_age(mentions, order_date, policy)
    increasing = [m for m in mentions if said_increasing(m)]
    if not increasing or ACUTE in duration.classes:
        return duration
    where = ", ".join(
        dict.fromkeys(" ".join(p for p in (m.evidence.reference, m.evidence.element) if p) for m in increasing)
    )
    basis = f"{duration.basis}; written as increasing ({where}): acute or increasing too"
    return Duration(duration.classes | {ACUTE}, duration.days_at_least, duration.days_at_most, basis, duration.words)


def _by_age(mentions: Sequence[Mention], order_date: date, policy: Policy) -> Duration:
    """Acute, chronic or both, from how old the dates and written spans make the symptom."""
    intervals = [*_coded(mentions, order_date), *_written(mentions, policy)]
    if not intervals:
        return Duration(BOTH, None, None, "no onset, recorded date or written duration for the symptom")
    low = max(i.low for i in intervals)
    high = min(i.high for i in intervals)
    basis = "; ".join(i.basis for i in intervals)
    words = _time_words(mentions)
    if low <= high:
        agreed = Interval(low, high, basis)
        return Duration(agreed.classes(policy), low, None if high >= OPEN else high, basis, words)
    classes = frozenset().union(*(i.classes(policy) for i in intervals))
    return Duration(classes, None, None, f"the sources disagree ({basis}); every reading stays a candidate", words)


def _time_words(mentions: Sequence[Mention]) -> tuple[str, ...]:
    """The time words written beside the mentions whose written spans or duration words count."""
    counted = (m for m in mentions if m.days_before or m.duration_classes)
    return tuple(dict.fromkeys(w for m in counted for w in m.evidence.time_words))


def with_doubtful(
    certain: Sequence[Mention], doubtful: Sequence[Mention], order_date: date, policy: Policy
) -> Duration:
    """The certain mentions' duration, widened by what the doubtful ones would add if they counted ("Neck pain x 5
    days. Hx of chronic neck pain. Pain persists.": the history may be current, so chronic stays a candidate).
    Doubtful evidence only ever adds classes (the asymmetric rule)."""
    duration = classify_duration(certain, order_date, policy)
    if not doubtful:
        return duration
    possible = classify_duration([*certain, *doubtful], order_date, policy)
    if possible.classes <= duration.classes:
        return duration
    added = classify_duration(doubtful, order_date, policy).basis
    classes = duration.classes | possible.classes
    label = " or ".join(sorted(classes))
    basis = f"{duration.basis}; {label} if the uncertain mentions count ({added})"
    return Duration(classes, None, None, basis, possible.words)


def _coded(mentions: Sequence[Mention], order_date: date) -> list[Interval]:
    """Policy §4: the earliest onset among the coded conditions; a recordedDate proves at least that long. Each is
    a source of its own: a recordedDate earlier than every onset contradicts them (recorded 324 days ago, onset 5:
    a thirty-seventh review read it as chronic only), and sources that disagree leave every reading a candidate."""
    found = []
    onsets = [m.onset for m in mentions if m.onset is not None]
    if onsets:
        at_least = max(0, (order_date - min(r.latest for r in onsets)).days)
        at_most = max(at_least, (order_date - min(r.earliest for r in onsets)).days)
        found.append(Interval(at_least, at_most, f"onset {at_least}-{at_most} days before the order"))
    recorded = [m.recorded for m in mentions if m.recorded is not None]
    if recorded:
        at_least = max(0, (order_date - min(r.latest for r in recorded)).days)
        found.append(Interval(at_least, OPEN, f"recorded at least {at_least} days before the order"))
    return found


def _written(mentions: Sequence[Mention], policy: Policy) -> list[Interval]:
    """Written spans ("x 3 wks") and duration words ("chronic", "new") beside the indications."""
    found = []
    for m in mentions:
        quoted = " ".join(p for p in (m.evidence.reference, m.evidence.element) if p)  # where, never the words
        for low, high in m.days_before:
            found.append(Interval(low, high, f"{low}-{high} days written ({quoted})"))
        for classes in m.duration_classes:  # each word on its own: "chronic ... acute flare" contradict each other
            if classes == frozenset({ACUTE}):  # a word for both ("recurrent") says nothing of this episode
                found.append(Interval(0, policy.acute_below_days - 1, f"written as acute or new ({quoted})"))
            elif CHRONIC in classes and ACUTE not in classes:  # ("acute on chronic": chronic, and increasing)
                found.append(Interval(policy.chronic_from_days, OPEN, f"written as chronic ({quoted})"))
    return found
