"""Two chart shapes earlier releases did not read.

A MedicationAdministration (an inpatient or infusion-clinic dose) is a medicine like a request or a statement: a dose
being given, or given within `stopped_medicine_days` of the order, blocks as the medicine being taken does; a dose
given long ago is history; one not given or recorded in error is nothing; one whose medicine has no name cannot be
read. A Patient recorded as deceased makes the decision insufficient-data: an order for them means the chart is not
what it seems, and nothing in it is rated.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cds_service.engine import Outcome
from tests.builders import condition, medicine, order, patient
from tests.conftest import TODAY

ACUTE = "2026-11-07"  # acute neck pain and a CT: a warning (variant 1) unless something stops it


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def given(text: str | None, status: str | None = "completed", days: int = 2, **elements) -> dict:
    elements.setdefault("effectiveDateTime", f"{days_ago(days)}T09:30:00Z")
    return medicine(text, kind="MedicationAdministration", status=status, **elements)


def outcome(evaluate, *extra, who=None):
    return evaluate([who or patient(), condition("M54.2", onset=ACUTE), *extra], "72125").outcome


def test_control_acute_neck_pain_and_a_ct_is_a_warning(evaluate):
    assert outcome(evaluate) is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize("text", ["heparin 5,000 units subcut", "enoxaparin 40 mg", "Lovenox 1 mg/kg"])
@pytest.mark.parametrize("status", ["in-progress", "on-hold", "unknown"])
def test_an_anticoagulant_being_given_blocks(evaluate, text, status):
    assert outcome(evaluate, given(text, status, days=0)) is Outcome.NO_CRITERIA_APPLY


def test_a_dose_without_its_required_status_cannot_be_read(evaluate):
    assert outcome(evaluate, given("heparin 5000 units", None, days=0)) is Outcome.INSUFFICIENT_DATA


@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_a_dose_given_within_the_window_blocks(evaluate, knowledge, status):
    days = knowledge.policy.stopped_medicine_days - 1
    assert outcome(evaluate, given("heparin 5000 units", status, days=days)) is Outcome.NO_CRITERIA_APPLY


def test_a_dose_given_over_a_period_that_ended_recently_blocks(evaluate):
    period = {"start": f"{days_ago(40)}T08:00:00Z", "end": f"{days_ago(3)}T08:00:00Z"}
    dose = given("heparin infusion", effectivePeriod=period, effectiveDateTime=None)
    del dose["effectiveDateTime"]
    assert outcome(evaluate, dose) is Outcome.NO_CRITERIA_APPLY


def test_a_dose_given_long_ago_is_history(evaluate, knowledge):
    days = knowledge.policy.stopped_medicine_days + 60
    assert outcome(evaluate, given("heparin 5000 units", days=days)) is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize("status", ["not-done", "entered-in-error"])
def test_a_dose_not_given_changes_nothing(evaluate, status):
    assert outcome(evaluate, given("heparin 5000 units", status, days=0)) is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize("days", [1, 200])
def test_a_cancer_drug_given_blocks_and_never_makes_variant_5(evaluate, days):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), given("cisplatin 75 mg/m2 IV", days=days)], "72040")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY  # radiographs are UNA for variant 5 only: never warned here
    assert not d.variants
    assert "MedicationAdministration/" in d.reasons[0]


def test_other_medicines_given_change_nothing(evaluate):
    assert outcome(evaluate, given("acetaminophen 1000 mg PO", days=0)) is Outcome.NOT_APPROPRIATE


def test_a_dose_whose_medicine_has_no_name_cannot_be_read(evaluate):
    assert outcome(evaluate, given(None, days=0)) is Outcome.INSUFFICIENT_DATA


def test_another_patients_dose_is_ignored(engine):
    dose = given("heparin 5000 units", "in-progress", days=0, subject={"reference": "Patient/someone-else"})
    chart = [patient(), condition("M54.2", onset=ACUTE), dose]
    (d,) = engine.evaluate([order("72125", "cpt")], chart, today=TODAY, patient_id="pat-1")
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert any("MedicationAdministration" in i and "another patient" in i for i in d.ignored)


@pytest.mark.parametrize("deceased", [{"deceasedBoolean": True}, {"deceasedDateTime": "2026-10-01T10:00:00Z"}])
def test_a_deceased_patient_is_insufficient_data(evaluate, deceased):
    d = evaluate([patient() | deceased, condition("M54.2", onset=ACUTE)], "72125")
    assert d.outcome is Outcome.INSUFFICIENT_DATA
    assert any("deceased" in r for r in d.reasons)


def test_a_patient_recorded_as_alive_is_rated(evaluate):
    assert outcome(evaluate, who=patient() | {"deceasedBoolean": False}) is Outcome.NOT_APPROPRIATE
