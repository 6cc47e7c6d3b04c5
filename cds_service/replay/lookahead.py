"""The as-of filter: what of a patient's exported chart could have been known on an order's date.

A Bulk Data export is the chart as it is *now*. Rating a historical order against all of it would
use the future: a malignancy diagnosed the month after the order, a trauma recorded the week after.
`as_of(resources, day)` keeps only what was recorded on or before the order's day:

| resource | dated by (first present) | visible when |
|---|---|---|
| Patient | — | always (demographics; the birth date is needed for the age) |
| Condition, AllergyIntolerance | recordedDate, else onset[x], else meta.lastUpdated | that day <= the order's day |
| Observation | effective[x] and issued (the later of both), else meta.lastUpdated | that day <= the order's day |
| Procedure | performed[x] (a period's end, else its start), else meta.lastUpdated | that day <= the order's day |
| Device | meta.lastUpdated (R4 Devices carry no clinical date) | that day <= the order's day |
| MedicationRequest | authoredOn, else meta.lastUpdated | that day <= the order's day |
| MedicationStatement | dateAsserted, else effective[x] (start), else meta.lastUpdated | that day <= the order's day |
| MedicationAdministration | effective[x] (start), else meta.lastUpdated | that day <= the order's day |
| Medication | — | always (what a medicine resource names; no patient, no date) |

- **Days, not instants**: the date as written in the resource (its first 10 characters) is compared
  with the order's authoredOn date as written; the *same day counts as before*, because the visit's
  diagnoses are usually entered around the order. A partial date counts as its *last* possible day
  ("2024-03" = 2024-03-31), so it is only seen when it cannot be after the order.
- **meta.lastUpdated** proves that a version of the resource existed by then; in most exports it is
  the load date, i.e. after historical orders, which then do not see a resource dated by it alone.
- **onset[x]** of a Condition without recordedDate is the earliest it can have been known, not a
  proof that it was; it is the best such an export tells.
- **Undated resources** (none of the fields above) could be from any time. They are left out by
  default (`undated="exclude"`: no look-ahead, at the price of missing data); `undated="include"`
  uses them. Either way the runner reports how many there were per type.
- **A Condition resolved after the order** (clinicalStatus resolved / inactive / remission with an
  abatement date after the order's day: a partial date's first day after it) was still active then: it is
  shown as active, without the abatement. One resolved **before** the order (an abatement's last possible day,
  or its meta.lastUpdated, before the order's day) is shown as it is. One whose end cannot be set against the
  order's day (on that day, a partial date around it, an abatementAge, abatementString or abatementPeriod with no
  start, no abatement at all) may have been either: the order is rated both ways (`unknown_end`), and rate.py keeps
  the answer that warns less (a red flag then active stops the warning; an indication then active cannot make one;
  a malignancy, active or history, is variant 5 either way). A thirty-third review found such ones shown resolved.
- **A medicine stopped or completed since** may still have been taken on the order's day: a
  MedicationRequest `stopped` or `completed` (no date says when it ended) and a MedicationStatement
  `stopped` or `completed` whose effectivePeriod does not end before the order's day are shown with status
  `unknown`, which can only stop a warning (an anticoagulant is a red flag). A MedicationAdministration so ended is
  kept as it is when the dose was given (effectiveDateTime) or its period ended before the order's day, since the
  engine dates a dose by its own effective[x]; otherwise it was being given then, and is shown as `unknown` too.
- Other later changes (a provisional diagnosis confirmed later, an amended result) are not recorded in
  a Bulk export and cannot be undone.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from cds_service.engine.chart import MEDICINES
from cds_service.engine.dates import EARLIEST_PLAUSIBLE  # a sentinel date is no date

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
ALWAYS = frozenset({"Patient", "Medication"})
INACTIVE = frozenset({"resolved", "inactive", "remission"})
ENDED = frozenset({"stopped", "completed"})  # a medicine's statuses that may have come after the order


def last_day(value: Any) -> date | None:
    """The last calendar day a FHIR date / dateTime / instant may denote, as written; None if unreadable."""
    if not isinstance(value, str):
        return None
    found = _PARTIAL.match(value.strip())
    if not found:
        return None
    year, month, day = int(found[1]), found[2], found[3]
    try:
        if day:
            return date(year, int(month), int(day))
        if month:
            return date(year, int(month), calendar.monthrange(year, int(month))[1])
        return date(year, 12, 31)
    except ValueError:
        return None


def first_day(value: Any) -> date | None:
    """The first calendar day a FHIR date may denote (used for abatement: resolved no earlier than)."""
    end = last_day(value)
    if end is None:
        return None
    text = value.strip()
    if len(text) == 4:
        return date(end.year, 1, 1)
    if len(text) == 7:
        return end.replace(day=1)
    return end


def _period(value: Any, *keys: str) -> Any:
    if isinstance(value, Mapping):
        return next((value[k] for k in keys if isinstance(value.get(k), str)), None)
    return None


def _updated(resource: Mapping[str, Any]) -> Any:
    meta = resource.get("meta")
    return meta.get("lastUpdated") if isinstance(meta, Mapping) else None


def known_by(resource: Mapping[str, Any]) -> date | None:
    """The day by which this resource was recorded (see the table above); None if it carries no date."""
    kind = resource.get("resourceType")
    candidates: list[Any]
    if kind in ("Condition", "AllergyIntolerance"):
        candidates = [
            resource.get("recordedDate"),
            resource.get("onsetDateTime"),
            _period(resource.get("onsetPeriod"), "start"),
        ]
    elif kind == "Observation":
        days = [
            last_day(v)
            for v in (
                resource.get("effectiveDateTime"),
                resource.get("effectiveInstant"),
                _period(resource.get("effectivePeriod"), "end", "start"),
                resource.get("issued"),
            )
        ]
        present = [d for d in days if d is not None]
        if present:
            return max(present)
        candidates = []
    elif kind == "MedicationRequest":
        candidates = [resource.get("authoredOn")]
    elif kind == "MedicationStatement":
        candidates = [
            resource.get("dateAsserted"),
            resource.get("effectiveDateTime"),
            _period(resource.get("effectivePeriod"), "start"),
        ]
    elif kind == "MedicationAdministration":
        candidates = [resource.get("effectiveDateTime"), _period(resource.get("effectivePeriod"), "start")]
    elif kind == "Procedure":
        candidates = [resource.get("performedDateTime"), _period(resource.get("performedPeriod"), "end", "start")]
    else:
        candidates = []
    for value in [*candidates, _updated(resource)]:
        day = last_day(value)
        if day is not None:
            return day
    return None


Dated = list[tuple[date | None, Mapping[str, Any]]]


def dated(resources: Iterable[Mapping[str, Any]]) -> Dated:
    """Each resource with the day it was known by (None: undated); a Patient is dated the first day."""
    return [(date.min if r.get("resourceType") in ALWAYS else known_by(r), r) for r in resources]


def as_of(
    resources: Iterable[Mapping[str, Any]], day: date, undated: str = "exclude", unknown_end: str = "active"
) -> tuple[list[Mapping[str, Any]], Counter[str], Counter[str]]:
    """(the resources visible on `day`, undated ones per type, later ones per type). `unknown_end`: how a Condition
    whose end cannot be set against `day` is shown: `active`, or `now` (as it is now)."""
    return as_of_dated(dated(resources), day, undated, unknown_end)


def as_of_dated(
    resources: Dated, day: date, undated: str = "exclude", unknown_end: str = "active"
) -> tuple[list[Mapping[str, Any]], Counter[str], Counter[str]]:
    """`as_of` over resources already `dated` (a patient's chart is dated once for all its orders)."""
    visible: list[Mapping[str, Any]] = []
    no_date: Counter[str] = Counter()
    later: Counter[str] = Counter()
    for known, resource in resources:
        if known is None:
            no_date[resource.get("resourceType")] += 1
            if undated != "include":
                continue
        elif known > day:
            later[resource.get("resourceType")] += 1
            continue
        visible.append(_as_it_was(resource, day, unknown_end))
    return visible, no_date, later


def ends_unknown(resources: Dated, day: date, undated: str = "exclude") -> bool:
    """Whether a Condition visible on `day` ended at a time that cannot be set against it: the order is then rated
    with it active and as it is now (rate.py keeps the answer of the two that warns less)."""
    return any(
        _seen(known, day, undated)
        and resource.get("resourceType") == "Condition"
        and _ended_now(resource)
        and _ended_when(resource, day) is None
        for known, resource in resources
    )


def _seen(known: date | None, day: date, undated: str) -> bool:
    """Whether a resource known by `known` (None: undated) is seen on `day`."""
    return undated == "include" if known is None else known <= day


def _as_it_was(resource: Mapping[str, Any], day: date, unknown_end: str = "active") -> Mapping[str, Any]:
    """A Condition resolved after `day` as it was on `day` (active), one resolved at a time that cannot be set
    against `day` active or as it is now (`unknown_end`), a medicine that may have ended after it as `unknown`;
    anything else unchanged."""
    kind = resource.get("resourceType")
    if kind in MEDICINES:
        return _medicine_as_it_was(resource, day)
    if kind != "Condition" or not _ended_now(resource):
        return resource
    before = _ended_when(resource, day)
    if before or (before is None and unknown_end == "now"):
        return resource
    status = resource["clinicalStatus"]
    copy = {k: v for k, v in resource.items() if not k.startswith("abatement")}
    copy["clinicalStatus"] = {
        **status,
        "coding": [{**c, "code": "active"} if _coded(c, INACTIVE) else c for c in status["coding"]],
    }
    return copy


def _ended_now(condition: Mapping[str, Any]) -> bool:
    """Whether a Condition's clinical status now is resolved, inactive or in remission."""
    status = condition.get("clinicalStatus")
    codings = status.get("coding") if isinstance(status, Mapping) else None
    return isinstance(codings, list) and any(_coded(c, INACTIVE) for c in codings)


def _ended_when(condition: Mapping[str, Any], day: date) -> bool | None:
    """Whether a Condition that has ended did so before `day` (True), after it (False), or at a time that cannot be
    set against it (None: on that day, a partial date around it, an abatementAge, abatementString or abatementPeriod
    with no start, no abatement at all)."""
    earliest, latest = _abated_between(condition)
    if latest is not None and latest < day:
        return True
    if earliest is not None and earliest > day:
        return False
    return None


def _abated_between(condition: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """The first and the last day a Condition may have ended on, each None when it cannot be told: an
    abatementDateTime's (a partial date's first and last days), an abatementPeriod's start and end; an
    abatementAge, abatementRange or abatementString, or none, tells neither. Its meta.lastUpdated is a last day too:
    the version that says it ended existed by then."""
    when = condition.get("abatementDateTime")
    if when is not None:
        earliest, latest = first_day(when), last_day(when)
    else:
        period = condition.get("abatementPeriod")
        earliest, latest = first_day(_period(period, "start")), last_day(_period(period, "end"))
    updated = last_day(_updated(condition))  # (its last version, resolved, existed by then)
    if updated is not None and (latest is None or updated < latest):
        latest = updated
    return earliest, latest


def _medicine_as_it_was(resource: Mapping[str, Any], day: date) -> Mapping[str, Any]:
    """A medicine stopped or completed now, with status `unknown` unless it is known to have ended before `day`
    (a statement's or an administration's effectivePeriod end, a real date not before its start; a statement's
    effectiveDateTime is a day it was taken, an administration's the dose itself)."""
    status = resource.get("status")
    if not isinstance(status, str) or status not in ENDED:
        return resource  # another status, or one the engine cannot read (it says so)
    kind = resource.get("resourceType")
    if kind in ("MedicationStatement", "MedicationAdministration"):
        period = resource.get("effectivePeriod")
        ended, started = last_day(_period(period, "end")), first_day(_period(period, "start"))
        if ended is not None and EARLIEST_PLAUSIBLE <= ended < day and (started is None or started <= ended):
            return resource
        given = last_day(resource.get("effectiveDateTime")) if kind == "MedicationAdministration" else None
        if given is not None and EARLIEST_PLAUSIBLE <= given < day:
            return resource  # a single dose given before the order's day: the engine dates it
    return {**resource, "status": "unknown"}


def _coded(coding: Any, codes: frozenset[str]) -> bool:
    """Whether a raw Coding's code is one of `codes` (anything malformed is not)."""
    return isinstance(coding, Mapping) and isinstance(coding.get("code"), str) and coding["code"] in codes
