"""The as-of filter: which date dates a resource, partial dates, undated resources, conditions resolved later."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.replay.lookahead import as_of, known_by, last_day
from tests.builders import allergy, condition, device, observation, patient, procedure

DAY = date(2024, 3, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024", date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 29)),
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-03-01T23:59:00-05:00", date(2024, 3, 1)),  # the date as written
        ("2024-13-01", None),
        ("soon", None),
        (None, None),
    ],
)
def test_a_partial_date_counts_as_its_last_possible_day(value, expected):
    assert last_day(value) == expected


def test_recorded_date_wins_over_an_earlier_onset():
    assert known_by(condition("C50.911", onset="2024-01-15", recorded="2024-04-01")) == date(2024, 4, 1)
    assert known_by(condition("M54.2", onset="2024-01-15")) == date(2024, 1, 15)
    assert known_by(condition("M54.2", onset=None, recorded=None)) is None


def test_an_observation_is_known_when_both_taken_and_issued():
    obs = observation("1988-5", 80, "mg/L", when="2024-02-28T09:00:00Z") | {"issued": "2024-03-02T08:00:00Z"}
    assert known_by(obs) == date(2024, 3, 2)


def test_procedures_allergies_and_devices_are_dated_by_their_fields_or_last_updated():
    assert known_by(procedure("22551", performed="2019-05-01")) == date(2019, 5, 1)
    assert known_by(procedure("22551", performed=None)) is None
    assert known_by(allergy("iodinated contrast") | {"recordedDate": "2020-01-01"}) == date(2020, 1, 1)
    assert known_by(device("pacemaker")) is None
    assert known_by(device("pacemaker") | {"meta": {"lastUpdated": "2023-06-01T00:00:00Z"}}) == date(2023, 6, 1)


def test_as_of_keeps_the_past_and_the_same_day_and_counts_the_rest():
    chart = [
        patient(),
        condition("M54.12", recorded="2024-02-20", cid="past"),
        condition("M54.2", recorded="2024-03-01", cid="same-day"),
        condition("S13.4XXA", recorded="2024-03-08", cid="later"),
        condition("C50.911", onset=None, recorded=None, cid="undated"),
        observation("8310-5", 39.2, "Cel", when="2024-03-03T09:00:00Z"),
    ]
    visible, undated, later = as_of(chart, DAY)
    assert [r.get("id") for r in visible] == ["pat-1", "past", "same-day"]
    assert undated == {"Condition": 1} and later == {"Condition": 1, "Observation": 1}
    visible, _, _ = as_of(chart, DAY, undated="include")
    assert "undated" in [r.get("id") for r in visible]


def test_a_condition_resolved_after_the_order_was_active_on_its_date():
    resolved = condition("C50.911", recorded="2020-01-01", clinical="remission", abatementDateTime="2024-06-01")
    (then,), _, _ = as_of([resolved], DAY)
    assert then["clinicalStatus"]["coding"][0]["code"] == "active" and "abatementDateTime" not in then
    assert resolved["clinicalStatus"]["coding"][0]["code"] == "remission"  # the input is not changed
    (later,), _, _ = as_of([resolved], date(2024, 7, 1))
    assert later is resolved
