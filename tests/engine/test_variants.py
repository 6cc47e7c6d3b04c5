"""Policy §5: findings -> candidate variants, in the policy's precedence."""

from __future__ import annotations

import pytest

from cds_service.engine import Outcome
from tests.builders import condition, observation, patient, procedure

ACUTE = "2026-11-07"
CHRONIC = "2025-06-01"


def variants(decision):
    return [v.number for v in decision.variants]


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ([condition("M54.2", onset=ACUTE)], [1]),
        ([condition("M54.12", onset=ACUTE)], [2]),
        ([condition("M54.2", onset=CHRONIC)], [7]),
        ([condition("M47.22", onset=CHRONIC)], [8]),
        ([condition("M54.2")], [1, 7]),
        ([condition("M54.12")], [2, 8]),
        ([condition("G44.86", verification="provisional")], [6]),
    ],
)
def test_policy_5_rules_5_to_7_by_indication_and_duration(evaluate, conditions, expected):
    assert variants(evaluate([patient(), *conditions], "72141")) == expected


def test_policy_5_rule_5_radiculopathy_beats_cervicogenic_headache(evaluate):
    d = evaluate([patient(), condition("G44.86", onset=ACUTE), condition("M54.12", onset=ACUTE)])
    assert variants(d) == [2]


def test_policy_5_rule_1_out_of_scope_beats_everything(evaluate):
    d = evaluate([patient(), condition("C50.911"), condition("M54.2"), condition("M47.12")])
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    assert d.routed_to == ("Myelopathy",)


@pytest.mark.parametrize(
    ("code", "topic"),
    [("S13.4XXA", "Suspected Spine Trauma"), ("R22.1", "Neck Mass/Adenopathy"), ("G54.0", "Plexopathy")],
)
def test_policy_5_rule_1_routings(evaluate, code, topic):
    d = evaluate([patient(), condition("M54.2"), condition(code)])
    assert (d.outcome, d.routed_to) == (Outcome.NO_CRITERIA_APPLY, (topic,))


def test_policy_5_rule_1_old_subsequent_encounter_injury_is_not_recent(evaluate):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), condition("S13.4XXD", onset="2025-01-01")])
    assert variants(d) == [1]


def test_policy_5_rule_1_recent_subsequent_encounter_injury_is_trauma(evaluate):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), condition("S13.4XXD", onset="2026-11-01")])
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


def test_policy_5_rule_1_injury_sequela_is_not_trauma(evaluate):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), condition("S12.100S")])
    assert variants(d) == [1]


def test_policy_5_rule_1_child(evaluate):
    d = evaluate([patient("2015-05-05"), condition("M54.2")])
    assert (d.outcome, d.routed_to) == (Outcome.NO_CRITERIA_APPLY, ("pediatric criteria",))


def test_policy_5_rule_2_malignancy(evaluate):
    assert variants(evaluate([patient(), condition("Z85.3"), condition("M54.12", onset=CHRONIC)])) == [5]


def test_policy_5_rule_2_known_infection(evaluate):
    assert variants(evaluate([patient(), condition("M46.22"), condition("M54.2")])) == [4]


def test_policy_5_rule_2_malignancy_and_infection(evaluate):
    assert variants(evaluate([patient(), condition("C79.51"), condition("M46.42"), condition("M54.2")])) == [4, 5]


def test_policy_5_rule_2_fever_with_elevated_marker_is_suspected_infection(evaluate):
    chart = [patient(), condition("M54.2"), observation("8310-5", 38.4, "Cel"), observation("4537-7", 55, "mm/h")]
    assert variants(evaluate(chart)) == [4]


@pytest.mark.parametrize(("onset", "expected"), [("2026-11-10", [4]), ("2026-10-01", None), ("2019-05-01", None)])
def test_a_fever_dated_long_before_the_order_makes_no_suspected_infection(evaluate, onset, expected):
    """A fever whose onset is more than `within_days` (14) before the order, with today's ESR: a red flag, no V4."""
    chart = [patient(), condition("M54.2"), condition("R50.9", onset=onset), observation("4537-7", 55, "mm/h")]
    d = evaluate(chart)
    if expected is None:
        assert d.outcome is Outcome.NO_CRITERIA_APPLY and any("red flag" in r for r in d.reasons)
    else:
        assert variants(d) == expected


def test_policy_5_rule_2_wins_over_other_red_flags(evaluate):
    chart = [patient(), condition("C50.911"), condition("Z79.01"), condition("M54.2")]
    assert variants(evaluate(chart)) == [5]


@pytest.mark.parametrize(
    "flag", ["R63.4", "R50.9", "D84.9", "F11.20", "M06.9", "Z79.01", "I77.74", "R29.2", "R79.82", "M80.08XA"]
)
def test_policy_5_rule_3_red_flags_leave_no_variant(evaluate, flag):
    d = evaluate([patient(), condition("M54.2"), condition(flag)])
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    assert any("red flag" in r for r in d.reasons)


def test_policy_5_rule_3_fever_alone_is_a_red_flag(evaluate):
    d = evaluate([patient(), condition("M54.2"), observation("8310-5", 38.6, "Cel")])
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


def test_policy_5_rule_3_provisional_malignancy_is_a_red_flag(evaluate):
    d = evaluate([patient(), condition("M54.2"), condition("C50.911", verification="provisional")])
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


def test_policy_5_rule_4_certain_surgery(evaluate):
    assert variants(evaluate([patient(), procedure("22551"), condition("M54.12", onset=ACUTE)])) == [3]


def test_policy_5_rule_4_possible_surgery_adds_variant_3(evaluate):
    assert variants(evaluate([patient(), condition("Z98.1"), condition("M54.2", onset=CHRONIC)])) == [3, 7]


def test_policy_5_rule_8_no_neck_indication_is_insufficient_data(evaluate):
    d = evaluate([patient(), condition("E11.9")])
    assert d.outcome is Outcome.INSUFFICIENT_DATA


def test_policy_5_rule_2_still_needs_a_neck_indication(evaluate):
    assert evaluate([patient(), condition("C50.911")]).outcome is Outcome.INSUFFICIENT_DATA


def test_policy_10_an_unreadable_marker_blocks_a_warning_not_a_guess(evaluate):
    chart = [patient(), condition("M54.2", onset=ACUTE), observation("1988-5", 50, "furlongs")]
    d = evaluate(chart, "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY  # CT would be UNA in V1 without it
    (marker,) = [f for f in d.findings if f.id == "elevated-inflammatory-marker"]
    assert marker.doubt == "uncertain" and "furlongs" in marker.evidence[0].note
