"""Review 37 (charts as EHR exports send them, coded data only): what it found, pinned.

Each case is an order the ACR table rates Usually Not Appropriate for the variant a misread code makes, on a chart
whose evidence the policy reads otherwise; the outcome must not be a warning. Controls beside them show the same
orders still warn where they should.
- ICD-10-CM and CPT codes of concepts the policy names were missing from the lists: sent with no display (as exports
  do) they named nothing and the order warned.
- Benign and non-cancer concepts in the SNOMED CT malignancy list made variant 5; chills, a vaccine's or a
  transfusion's fever counted as the fever of suspected infection; an infection of a spine's fixation device (any
  level, or its late effect) as a cervical infection.
- A temperature or a count in a unit sent wrong (99.5 "Cel") was read as it stands; a fever recorded years ago with
  no onset, or an Observation whose period goes on, was dated as it was not; a `registered` Observation was dropped.
"""

from __future__ import annotations

from typing import Any

import pytest

from cds_service.engine import Outcome
from tests.builders import condition, observation, patient, procedure

NECK_PAIN = condition("M54.2", onset="2026-11-16")  # acute neck pain: variant 1
RADICULOPATHY = condition("M54.12", onset="2026-11-16")  # acute radiculopathy: variant 2
CRP_45 = observation("1988-5", 45, "mg/L", when="2026-11-20T09:00:00Z")


def outcome(evaluate, chart: list[dict[str, Any]], study: str):
    return evaluate([patient(birth_date="1970-01-01"), *chart], code=study)


def no_display(resource: dict[str, Any]) -> dict[str, Any]:
    for coding in resource["code"]["coding"]:
        coding.pop("display", None)
    return resource


@pytest.mark.parametrize(
    "code",
    ["R33.8", "R33.0", "R47.02", "R47.81", "A02.1", "A54.86", "A32.82", "A39.51", "M86.9", "A02.24", "Z94.82",
     "Z94.83", "G44.311", "G89.11", "Z19.1", "Z19.2", "G89.3", "R87.614", "D64.81", "E88.3"],
)  # fmt: skip
def test_an_icd10cm_code_of_a_policy_concept_sent_without_display_blocks_the_warning(evaluate, code):
    chart = [RADICULOPATHY, no_display(condition(code, onset="2026-11-18"))]
    assert outcome(evaluate, chart, "72125").outcome is not Outcome.NOT_APPROPRIATE


def test_control_the_radiculopathy_alone_warns_on_ct(evaluate):
    assert outcome(evaluate, [RADICULOPATHY], "72125").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize("code", ["0375T", "0095T", "0098T", "22100", "63035"])
def test_a_cervical_operation_coded_without_display_is_read(evaluate, code):
    chart = [NECK_PAIN, no_display(procedure(code, performed="2019-05-01"))]
    decision = outcome(evaluate, chart, "72125")
    assert decision.outcome is not Outcome.NOT_APPROPRIATE
    assert 3 in {v.number for v in decision.variants}


@pytest.mark.parametrize(
    "code",
    ["239147000", "127218004", "238865006", "254920003", "246910003", "7021009", "397013007", "4135001",
     "183651009", "367336001", "8115005"],
)  # fmt: skip
def test_a_benign_or_non_cancer_snomed_concept_is_no_known_malignancy(evaluate, code):
    chart = [NECK_PAIN, condition(code, "snomed", onset="2025-03-01")]
    decision = outcome(evaluate, chart, "72040")
    assert decision.outcome is not Outcome.NOT_APPROPRIATE
    assert 5 not in {v.number for v in decision.variants} or len(decision.variants) > 1


def test_control_a_cancer_in_the_snomed_list_still_makes_variant_5(evaluate):
    decision = outcome(evaluate, [NECK_PAIN, condition("254637007", "snomed", onset="2025-03-01")], "72040")
    assert [v.number for v in decision.variants] == [5]


@pytest.mark.parametrize(("code", "system"), [("R68.83", "icd10cm"), ("R50.83", "icd10cm"), ("R50.84", "icd10cm"),
                                              ("43724002", "snomed")])  # fmt: skip
def test_chills_or_a_vaccine_s_fever_with_a_raised_crp_is_no_suspected_infection(evaluate, code, system):
    chart = [NECK_PAIN, condition(code, system, onset="2026-11-19"), CRP_45]
    decision = outcome(evaluate, chart, "72040")
    assert decision.outcome is not Outcome.NOT_APPROPRIATE
    assert 4 not in {v.number for v in decision.variants}


def test_control_a_fever_with_a_raised_crp_is_suspected_infection(evaluate):
    chart = [NECK_PAIN, condition("R50.9", onset="2026-11-19"), CRP_45]
    assert [v.number for v in outcome(evaluate, chart, "72040").variants] == [4]


@pytest.mark.parametrize("code", ["T84.63XA", "T84.63XS", "T84.63XD"])
def test_an_infection_of_a_spine_s_fixation_device_is_no_cervical_infection(evaluate, code):
    decision = outcome(evaluate, [NECK_PAIN, no_display(condition(code, onset="2024-01-01"))], "72040")
    assert decision.outcome is not Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    ("loinc", "value", "unit"),
    [("8310-5", 99.5, "Cel"), ("8310-5", 101.2, "Cel"), ("6690-2", 9500, "10*3/uL"), ("1988-5", 4500, "mg/L")],
)
def test_a_value_no_patient_has_is_borderline(evaluate, loinc, value, unit):
    raised = [CRP_45] if loinc != "1988-5" else [observation("8310-5", 38.9, "Cel", when="2026-11-20T09:00:00Z")]
    chart = [NECK_PAIN, observation(loinc, value, unit, when="2026-11-20T09:00:00Z"), *raised]
    decision = outcome(evaluate, chart, "72040")
    assert decision.outcome is not Outcome.NOT_APPROPRIATE
    assert 4 not in {v.number for v in decision.variants}


def test_control_a_plausible_fever_with_a_raised_crp_is_variant_4(evaluate):
    chart = [NECK_PAIN, observation("8310-5", 38.9, "Cel", when="2026-11-20T09:00:00Z"), CRP_45]
    assert [v.number for v in outcome(evaluate, chart, "72040").variants] == [4]


@pytest.mark.parametrize("recorded", ["2019-03-01", "2025-06-01"])
def test_a_fever_recorded_long_ago_with_no_onset_is_no_recent_fever(evaluate, recorded):
    fever = condition("R50.9", recorded=recorded)
    decision = outcome(evaluate, [NECK_PAIN, fever, CRP_45], "72040")
    assert decision.outcome is not Outcome.NOT_APPROPRIATE
    assert 4 not in {v.number for v in decision.variants}


def test_control_a_fever_recorded_this_week_with_no_onset_is_recent(evaluate):
    fever = condition("R50.9", recorded="2026-11-19")
    assert [v.number for v in outcome(evaluate, [NECK_PAIN, fever, CRP_45], "72040").variants] == [4]


@pytest.mark.parametrize("study", ["72141", "72125"])
def test_a_fever_observed_over_a_period_that_goes_on_blocks(evaluate, study):
    fever = observation("8310-5", 38.9, "Cel")
    del fever["effectiveDateTime"]
    fever["effectivePeriod"] = {"start": "2026-11-01"}
    assert outcome(evaluate, [NECK_PAIN, fever], study).outcome is not Outcome.NOT_APPROPRIATE


def test_control_a_fever_observed_over_a_closed_period_long_ago_does_not_count(evaluate):
    fever = observation("8310-5", 38.9, "Cel")
    del fever["effectiveDateTime"]
    fever["effectivePeriod"] = {"start": "2026-09-01", "end": "2026-09-02"}
    assert outcome(evaluate, [NECK_PAIN, fever], "72141").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(("loinc", "value", "unit"), [("8310-5", 38.9, "Cel"), ("6690-2", 16, "10*3/uL")])
def test_a_registered_observation_with_a_value_past_its_threshold_blocks(evaluate, loinc, value, unit):
    chart = [NECK_PAIN, observation(loinc, value, unit, status="registered"), CRP_45]
    assert outcome(evaluate, chart, "72141").outcome is not Outcome.NOT_APPROPRIATE


# -- the duration: sources that disagree keep both readings ----------------------------------------------------------
DISCOGRAPHY = "37192-2"  # LOINC: Usually Not Appropriate in variant 8, not rated in variant 2


def discography(evaluate, chart: list[dict[str, Any]]):
    return evaluate([patient(birth_date="1970-01-01"), *chart], code=DISCOGRAPHY, system="loinc")


def test_a_recorded_date_before_the_onset_leaves_acute_and_chronic(evaluate):
    pain = condition("M54.12", onset="2026-11-16", recorded="2026-01-01")
    decision = discography(evaluate, [pain])
    assert {v.number for v in decision.variants} == {2, 8}
    assert decision.outcome is not Outcome.NOT_APPROPRIATE


def test_control_a_recorded_date_after_the_onset_agrees_with_it(evaluate):
    pain = condition("M54.12", onset="2025-06-01", recorded="2025-07-01")
    assert {v.number for v in discography(evaluate, [pain]).variants} == {8}


@pytest.mark.parametrize(
    ("low", "high", "unit"), [(678, 682, "mo"), (55, 56, "a"), (56, None, "a")], ids=["months", "years", "low-only"]
)
def test_an_onset_range_is_any_age_within_it(evaluate, low, high, unit):
    pain = condition("M54.12")
    system = "http://unitsofmeasure.org"
    ranged: dict[str, Any] = {"low": {"value": low, "unit": unit, "system": system, "code": unit}}
    if high is not None:
        ranged["high"] = {"value": high, "unit": unit, "system": system, "code": unit}
    pain["onsetRange"] = ranged
    decision = discography(evaluate, [pain])
    assert {v.number for v in decision.variants} == {2, 8}


def test_control_an_onset_range_long_past_is_chronic(evaluate):
    pain = condition("M54.12")
    system = "http://unitsofmeasure.org"
    pain["onsetRange"] = {
        "low": {"value": 40, "unit": "a", "system": system, "code": "a"},
        "high": {"value": 45, "unit": "a", "system": system, "code": "a"},
    }
    assert {v.number for v in discography(evaluate, [pain]).variants} == {8}


# -- a bound at the threshold -----------------------------------------------------------------------------------------
def _bound(loinc: str, value: float, unit: str, comparator: str) -> dict[str, Any]:
    found = observation(loinc, value, unit)
    found["valueQuantity"]["comparator"] = comparator
    return found


def test_a_temperature_strictly_above_the_threshold_is_a_fever(evaluate):
    chart = [NECK_PAIN, _bound("8310-5", 38.0, "Cel", ">"), CRP_45]
    assert [v.number for v in outcome(evaluate, chart, "72040").variants] == [4]


def test_a_crp_strictly_above_the_threshold_is_raised(evaluate):
    fever = observation("8310-5", 38.9, "Cel")
    chart = [NECK_PAIN, fever, _bound("1988-5", 10, "mg/L", ">")]
    assert [v.number for v in outcome(evaluate, chart, "72040").variants] == [4]


def test_a_crp_strictly_below_the_threshold_is_within(evaluate):
    chart = [NECK_PAIN, _bound("1988-5", 10, "mg/L", "<")]
    decision = outcome(evaluate, chart, "72141")
    assert [v.number for v in decision.variants] == [1] and decision.outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(("value", "comparator"), [(38.0, ">="), (37.5, ">"), (38.0, "<=")])
def test_a_bound_that_allows_a_value_at_or_short_of_the_threshold_is_borderline(evaluate, value, comparator):
    chart = [NECK_PAIN, _bound("8310-5", value, "Cel", comparator)]
    assert outcome(evaluate, chart, "72141").outcome is not Outcome.NOT_APPROPRIATE


# -- review 38 (a re-review of these fixes) -------------------------------------------------------------------------
PET_MR = "78813"  # whole-body PET, PET/MRI in its words: Usually Not Appropriate in variant 5, not rated in 4
NECK_REASON = [("icd10cm", "M54.2")]  # a whole-body study is rated for a neck reason the order states


@pytest.mark.parametrize("clinical", ["active", "resolved"])
def test_neoplasm_related_pain_is_a_possible_malignancy_not_a_known_one(evaluate, clinical):
    """G89.3 is a tumour's pain, and a tumour may be benign: it blocks or widens, it never makes variant 5 alone."""
    chart = [NECK_PAIN, no_display(condition("G89.3", onset="2026-10-01", clinical=clinical))]
    decision = outcome(evaluate, chart, "72040")
    assert decision.outcome is not Outcome.NOT_APPROPRIATE
    assert [v.number for v in decision.variants] != [5]


@pytest.mark.parametrize("recorded", ["2026-10-22", "2026-09-21", "2019-03-01"])
def test_an_active_fever_dated_only_by_its_recording_is_read_both_ways_beside_a_cancer(evaluate, recorded):
    """Recent (suspected infection: variants 4 and 5) or long over (variant 5 alone): both stay candidates, so a
    study variant 4 does not rate is not warned (the first fix read it as old only: PET/MRI warned)."""
    chart = [NECK_PAIN, condition("C50.911", onset="2025-03-01"), condition("R50.9", recorded=recorded), CRP_45]
    decision = evaluate(
        [patient(birth_date="1970-01-01"), *chart], code=PET_MR, reasons=NECK_REASON, text="PET/MR whole body"
    )
    assert decision.outcome is not Outcome.NOT_APPROPRIATE and {v.number for v in decision.variants} == {4, 5}


def test_control_a_cancer_alone_warns_on_whole_body_pet_mri(evaluate):
    chart = [patient(birth_date="1970-01-01"), NECK_PAIN, condition("C50.911", onset="2025-03-01")]
    decision = evaluate(chart, code=PET_MR, reasons=NECK_REASON, text="PET/MR whole body")
    assert decision.outcome is Outcome.NOT_APPROPRIATE
