"""Policy §4: acute / chronic from onset[x] and recordedDate, measured to the order date."""

from __future__ import annotations

import pytest

from cds_service.engine.dates import DayRange, day_range
from cds_service.engine.duration import classify_duration
from tests.builders import condition
from tests.conftest import TODAY


def classes(conditions, knowledge, birth="1970-01-15"):
    from fhir.resources.R4B.condition import Condition

    models = [Condition.model_validate(c) for c in conditions]
    return classify_duration(models, day_range(birth), TODAY, knowledge.policy).classes


@pytest.mark.parametrize(
    ("onset", "expected"),
    [
        ("2026-10-11", {"acute"}),  # 41 days: < 6 weeks
        ("2026-10-10", {"acute", "chronic"}),  # 42 days: exactly 6 weeks is no longer acute
        ("2026-08-30", {"acute", "chronic"}),  # 83 days
        ("2026-08-29", {"chronic"}),  # 84 days: 12 weeks
    ],
)
def test_policy_4_six_and_twelve_week_edges(knowledge, onset, expected):
    assert classes([condition("M54.2", onset=onset)], knowledge) == expected


def test_policy_4_unknown_onset_is_both(knowledge):
    assert classes([condition("M54.2")], knowledge) == {"acute", "chronic"}


def test_policy_4_recorded_date_proves_a_lower_bound(knowledge):
    assert classes([condition("M54.2", recorded="2026-06-01")], knowledge) == {"chronic"}


def test_policy_4_recent_recorded_date_does_not_make_it_acute(knowledge):
    assert classes([condition("M54.2", recorded="2026-11-15")], knowledge) == {"acute", "chronic"}


def test_policy_4_earliest_onset_among_conditions_wins(knowledge):
    recent = condition("M54.12", onset="2026-11-10")
    old = condition("M54.2", onset="2025-01-01")
    assert classes([recent, old], knowledge) == {"chronic"}


def test_policy_4_recorded_date_before_a_recent_onset_overrides_it(knowledge):
    assert classes([condition("M54.2", onset="2026-11-10", recorded="2026-03-01")], knowledge) == {"chronic"}


def test_policy_4_onset_period_start(knowledge):
    c = condition("M54.2", onsetPeriod={"start": "2026-11-01"})
    assert classes([c], knowledge) == {"acute"}


def test_policy_4_onset_age_uses_the_birth_date(knowledge):
    c = condition("M54.2", onset_age=(56, "a"))  # born 1970-01-15: onset around January 2026
    assert classes([c], knowledge) == {"chronic"}


@pytest.mark.parametrize(
    ("onset", "expected"),
    [("2026-11", {"acute"}), ("2026-09", {"acute", "chronic"}), ("2026", {"acute", "chronic"}), ("2025", {"chronic"})],
)
def test_policy_4_partial_dates_are_ranges(knowledge, onset, expected):
    assert classes([condition("M54.2", onset=onset)], knowledge) == expected


def test_day_range_of_partial_dates():
    assert day_range("2024-02") == DayRange(day_range("2024-02-01").earliest, day_range("2024-02-29").latest)
    assert day_range("2026-11-21T23:30:00-05:00").earliest.isoformat() == "2026-11-21"
    assert day_range("2026-13") is None
