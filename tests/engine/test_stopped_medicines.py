"""A medicine stopped recently may still act (policy.yaml `stopped_medicine_days`): when what the resource tells
of the stop (a statement's effectivePeriod end, the day it was asserted, its meta.lastUpdated) is that recent, the
medicine counts as `unknown`, which stops a warning as an anticoagulant being taken does; an older stop is history,
and one with no date at all is history as its status says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds_service.engine import Outcome
from tests.builders import condition, medicine, patient
from tests.conftest import TODAY

ACUTE = "2026-11-07"  # acute neck pain and a CT: a warning (variant 1) unless something stops it


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def updated(days: int) -> dict:
    return {"lastUpdated": f"{days_ago(days)}T08:00:00Z"}


def outcome(evaluate, *medicines):
    return evaluate([patient(), condition("M54.2", onset=ACUTE), *medicines], "72125").outcome


@pytest.fixture
def window(knowledge):
    return knowledge.policy.stopped_medicine_days


def test_control_without_a_medicine_the_ct_is_a_warning(evaluate):
    assert outcome(evaluate) is Outcome.NOT_APPROPRIATE


def test_an_anticoagulant_stopped_days_ago_stops_the_warning(evaluate):
    assert outcome(evaluate, medicine("warfarin 5 mg", status="stopped", meta=updated(3))) is Outcome.NO_CRITERIA_APPLY


def test_a_stop_exactly_at_the_window_still_counts_and_a_day_older_is_history(evaluate, window):
    stopped = medicine("apixaban 5 mg", status="stopped", meta=updated(window))
    older = medicine("apixaban 5 mg", status="stopped", meta=updated(window + 1))
    assert outcome(evaluate, stopped) is Outcome.NO_CRITERIA_APPLY
    assert outcome(evaluate, older) is Outcome.NOT_APPROPRIATE


def test_a_stop_with_no_date_is_history(evaluate):
    assert outcome(evaluate, medicine("warfarin 5 mg", status="stopped")) is Outcome.NOT_APPROPRIATE


def test_a_change_after_the_order_may_be_the_stop(evaluate):
    later = {"lastUpdated": f"{(TODAY + timedelta(days=2)).isoformat()}T08:00:00Z"}
    assert outcome(evaluate, medicine("warfarin 5 mg", status="stopped", meta=later)) is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize(
    ("elements", "result"),
    [
        ({"effectivePeriod": {"start": "2025-01-01", "end": days_ago(10)}}, Outcome.NO_CRITERIA_APPLY),
        ({"effectivePeriod": {"start": "2025-01-01", "end": days_ago(200)}}, Outcome.NOT_APPROPRIATE),
        # the end is the stop itself: an old end, asserted (and updated) since, is an old stop
        (
            {"effectivePeriod": {"end": days_ago(200)}, "dateAsserted": days_ago(1), "meta": updated(1)},
            Outcome.NOT_APPROPRIATE,
        ),
        # and a recent end counts even when the statement was asserted long before it (an end then planned)
        ({"effectivePeriod": {"end": days_ago(5)}, "dateAsserted": days_ago(300)}, Outcome.NO_CRITERIA_APPLY),
        # without an end, the earlier of the assertion and the last change bounds the stop
        ({"dateAsserted": days_ago(300), "meta": updated(1)}, Outcome.NOT_APPROPRIATE),
        ({"dateAsserted": days_ago(5)}, Outcome.NO_CRITERIA_APPLY),
        ({"dateAsserted": days_ago(400)}, Outcome.NOT_APPROPRIATE),
        # effectiveDateTime is a day it was taken, not its end: it bounds nothing
        ({"effectiveDateTime": days_ago(400), "dateAsserted": days_ago(2)}, Outcome.NO_CRITERIA_APPLY),
        ({"effectiveDateTime": days_ago(400)}, Outcome.NOT_APPROPRIATE),
    ],
)
def test_a_statement_s_dates_bound_its_stop(evaluate, elements, result):
    stated = medicine("warfarin 5 mg", kind="MedicationStatement", status="completed", **elements)
    assert outcome(evaluate, stated) is result


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error"])
def test_a_medicine_never_taken_is_not_made_doubtful_by_a_recent_change(evaluate, status):
    assert outcome(evaluate, medicine("warfarin 5 mg", status=status, meta=updated(1))) is Outcome.NOT_APPROPRIATE


def test_an_immunosuppressant_stopped_recently_counts_too(evaluate):
    assert outcome(evaluate, medicine("tacrolimus 1 mg", status="stopped", meta=updated(20))) is (
        Outcome.NO_CRITERIA_APPLY
    )


def test_the_card_says_when_it_was_stopped(evaluate, window):
    d = evaluate(
        [patient(), condition("M54.2", onset=ACUTE), medicine("warfarin 5 mg", status="stopped", meta=updated(3))],
        "72125",
    )
    (flag,) = [f for f in d.findings if f.id == "coagulopathy"]
    assert flag.evidence[0].note == f"stopped by {days_ago(3)}, within {window} days of the order"


def test_an_active_medicine_is_unchanged_by_its_dates(evaluate):
    assert outcome(evaluate, medicine("warfarin 5 mg", meta=updated(900))) is Outcome.NO_CRITERIA_APPLY


# -- dates that cannot be right never make a recent stop old (the asymmetric rule) --------------------------------
@pytest.mark.parametrize(
    "elements",
    [
        {"dateAsserted": "0001-01-01"},
        {"dateAsserted": "1800-01-01"},
        {"dateAsserted": "1960-01-01"},  # before the patient was born (1970)
        {"effectivePeriod": {"end": "0001-01-01"}},
        {"effectivePeriod": {"start": days_ago(20), "end": "1999-01-01"}},  # ends before it starts
        {"meta": {"lastUpdated": "0001-01-01T00:00:00Z"}},
    ],
)
def test_a_stop_date_that_cannot_be_real_makes_the_stop_doubtful_not_old(evaluate, elements):
    stated = medicine(
        "warfarin 5 mg", kind="MedicationStatement", status="stopped", **({"meta": updated(3)} | elements)
    )
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), stated], "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    (flag,) = [f for f in d.findings if f.id == "coagulopathy"]
    assert flag.evidence[0].note.startswith("stopped, but ")


@pytest.mark.parametrize("element", [{"dateAsserted": 0}, {"meta": {"lastUpdated": 20261118}}])
def test_a_stop_date_that_is_not_a_string_is_unreadable(evaluate, element):
    stated = medicine("warfarin 5 mg", kind="MedicationStatement", status="stopped", **element)
    assert outcome(evaluate, stated) is Outcome.INSUFFICIENT_DATA


# -- a request with no other date: the end its course planned --------------------------------------------------
def bounded(start: str, end: str) -> list[dict]:
    return [{"text": "5 mg daily", "timing": {"repeat": {"boundsPeriod": {"start": start, "end": end}}}}]


def valid(start: str, end: str) -> dict:
    return {"validityPeriod": {"start": start, "end": end}}


@pytest.mark.parametrize(
    "elements",
    [
        {"dosageInstruction": bounded(days_ago(40), days_ago(5))},  # a course planned to end 5 days ago
        {"dispenseRequest": valid(days_ago(40), days_ago(5))},
        {"dosageInstruction": bounded(days_ago(40), days_ago(2) + "T10:00:00Z")},  # a dateTime end
        {"dosageInstruction": bounded(days_ago(10), (TODAY + timedelta(days=20)).isoformat())},  # ends after it
        # two planned ends: the course ended by the later one at the latest
        {
            "dosageInstruction": bounded(days_ago(200), days_ago(100)),
            "dispenseRequest": valid(days_ago(40), days_ago(3)),
        },
    ],
)
def test_a_stopped_request_with_only_a_recent_planned_end_stops_the_warning(evaluate, elements):
    stopped = medicine("warfarin 5 mg", status="stopped", **elements)
    assert outcome(evaluate, stopped) is Outcome.NO_CRITERIA_APPLY


def test_a_stopped_request_whose_planned_course_ended_long_ago_is_history(evaluate, window):
    old = medicine("warfarin 5 mg", status="stopped", dosageInstruction=bounded(days_ago(400), days_ago(window + 1)))
    assert outcome(evaluate, old) is Outcome.NOT_APPROPRIATE


def test_a_planned_end_does_not_make_a_recent_change_look_old(evaluate):
    """The fallback only: a change 3 days ago may be the stop, whatever the course planned."""
    stopped = medicine(
        "warfarin 5 mg", status="stopped", meta=updated(3), dosageInstruction=bounded(days_ago(400), days_ago(300))
    )
    assert outcome(evaluate, stopped) is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize(
    "elements",
    [
        {"dosageInstruction": bounded(days_ago(5), days_ago(100))},  # ends before it starts
        {"dispenseRequest": valid("1900-01-01", "1900-01-01")},  # a sentinel, before birth
    ],
)
def test_a_planned_end_that_cannot_be_right_makes_the_stop_doubtful(evaluate, elements):
    assert outcome(evaluate, medicine("warfarin 5 mg", status="stopped", **elements)) is Outcome.NO_CRITERIA_APPLY


def test_the_card_names_the_planned_end_it_relied_on(evaluate, window):
    stopped = medicine("warfarin 5 mg", status="stopped", dispenseRequest=valid(days_ago(40), days_ago(6)))
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), stopped], "72125")
    (flag,) = [f for f in d.findings if f.id == "coagulopathy"]
    assert flag.evidence[0].note == f"stopped by {days_ago(6)}, within {window} days of the order"
