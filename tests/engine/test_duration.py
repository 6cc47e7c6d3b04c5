"""Policy §4: acute / chronic from onset[x] and recordedDate, measured to the order date."""

from __future__ import annotations

import pytest

from cds_service.engine.dates import DayRange, day_range
from cds_service.engine.facts import build_facts
from cds_service.engine.recognise import recognise
from tests.builders import condition, order, patient
from tests.conftest import TODAY


@pytest.fixture
def classes(engine, knowledge):
    def run(conditions, birth="1970-01-15", sr=None):
        sr = sr or order()
        chart = engine.read_chart([patient(birth), *conditions], [sr], TODAY)
        return set(
            build_facts(recognise(chart, sr, TODAY, knowledge, engine.reader), TODAY, knowledge).duration.classes
        )

    return run


@pytest.mark.parametrize(
    ("onset", "expected"),
    [
        ("2026-10-11", {"acute"}),  # 41 days: < 6 weeks
        ("2026-10-10", {"acute", "chronic"}),  # 42 days: exactly 6 weeks is no longer acute
        ("2026-08-30", {"acute", "chronic"}),  # 83 days
        ("2026-08-29", {"chronic"}),  # 84 days: 12 weeks
    ],
)
def test_policy_4_six_and_twelve_week_edges(classes, onset, expected):
    assert classes([condition("M54.2", onset=onset)]) == expected


def test_policy_4_unknown_onset_is_both(classes):
    assert classes([condition("M54.2")]) == {"acute", "chronic"}


def test_policy_4_recorded_date_proves_a_lower_bound(classes):
    assert classes([condition("M54.2", recorded="2026-06-01")]) == {"chronic"}


def test_policy_4_recent_recorded_date_does_not_make_it_acute(classes):
    assert classes([condition("M54.2", recorded="2026-11-15")]) == {"acute", "chronic"}


def test_policy_4_earliest_onset_among_conditions_wins(classes):
    recent = condition("M54.12", onset="2026-11-10")
    old = condition("M54.2", onset="2025-01-01")
    assert classes([recent, old]) == {"chronic"}


def test_policy_4_recorded_date_before_a_recent_onset_contradicts_it(classes):
    """The entry existed before its onset (a new episode on an old problem-list entry, or a date wrong): the sources
    disagree, so both readings stay candidates (it read chronic alone until a thirty-seventh review)."""
    assert classes([condition("M54.2", onset="2026-11-10", recorded="2026-03-01")]) == {"acute", "chronic"}


def test_policy_4_onset_period_start(classes):
    c = condition("M54.2", onsetPeriod={"start": "2026-11-01"})
    assert classes([c]) == {"acute"}


def test_policy_4_onset_age_uses_the_birth_date(classes):
    c = condition("M54.2", onset_age=(55, "a"))  # born 1970-01-15: onset 2025-01-15 to 2026-01-14
    assert classes([c]) == {"chronic"}


@pytest.mark.parametrize(("age", "expected"), [((56, "a"), {"acute", "chronic"}), ((669, "mo"), {"chronic"})])
def test_policy_4_an_onset_age_is_any_day_of_that_year_or_month_of_life(classes, age, expected):
    # 56 a: from 2026-01-15 to 2027-01-14, so the neck pain may have begun last week (it was read as January 2026,
    # chronic); 669 mo: 2025-10-15 to 2025-11-14, more than 12 weeks before the order
    assert classes([condition("M54.2", onset_age=age)]) == expected


@pytest.mark.parametrize(
    ("onset", "expected"),
    [("2026-11", {"acute"}), ("2026-09", {"acute", "chronic"}), ("2026", {"acute", "chronic"}), ("2025", {"chronic"})],
)
def test_policy_4_partial_dates_are_ranges(classes, onset, expected):
    assert classes([condition("M54.2", onset=onset)]) == expected


def test_day_range_of_partial_dates():
    assert day_range("2024-02") == DayRange(day_range("2024-02-01").earliest, day_range("2024-02-29").latest)
    assert day_range("2026-11-21T23:30:00-05:00").earliest.isoformat() == "2026-11-21"
    assert day_range("2026-13") is None
