"""Medicines as EHRs send them (MedicationRequest, MedicationStatement): anticoagulation and immunosuppression are
red flags (policy §3: no rating), read in the medicine's name wherever it stands; a medicine never enables a warning."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine import Outcome
from cds_service.engine.chart import CHART_WORDS_READ
from tests.builders import condition, medicine, order_json, patient
from tests.conftest import TODAY

ACUTE = "2026-11-07"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def acute_neck_pain(*extra):
    """Acute neck pain (variant 1) and a CT: Usually Not Appropriate there, so a warning unless something stops it."""
    return [patient(), condition("M54.2", onset=ACUTE), *extra]


def test_control_acute_neck_pain_and_a_ct_is_a_warning(evaluate):
    assert evaluate(acute_neck_pain(), "72125").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    "text",
    [
        "warfarin sodium 5 MG Oral Tablet",
        "Eliquis 5 mg tablet",
        "apixaban",
        "XARELTO 20 MG TABS",
        "enoxaparin 40 mg/0.4 mL",
    ],
)
def test_an_anticoagulant_being_taken_stops_the_warning(evaluate, text):
    d = evaluate(acute_neck_pain(medicine(text)), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize("kind", ["MedicationRequest", "MedicationStatement"])
def test_both_kinds_of_medicine_resource_are_read(evaluate, kind):
    d = evaluate(acute_neck_pain(medicine("warfarin 5 mg", kind=kind)), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


def test_the_name_in_a_coding_display_is_read(evaluate):
    taken = medicine(codings=[{"system": RXNORM, "code": "855332", "display": "warfarin sodium 5 MG Oral Tablet"}])
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.NO_CRITERIA_APPLY


def test_a_contained_medication_is_read(evaluate):
    contained = [{"resourceType": "Medication", "id": "m1", "code": {"text": "Coumadin 2 mg tablet"}}]
    taken = medicine(medicationReference={"reference": "#m1"}, contained=contained)
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.NO_CRITERIA_APPLY


def test_a_medication_included_beside_the_order_is_read(evaluate):
    included = {"resourceType": "Medication", "id": "med-9", "code": {"coding": [{"display": "Apixaban 2.5 MG"}]}}
    taken = medicine(medicationReference={"reference": "Medication/med-9"})
    assert evaluate(acute_neck_pain(taken, included), "72125").outcome is Outcome.NO_CRITERIA_APPLY


def test_a_reference_display_alone_is_read(evaluate):
    taken = medicine(medicationReference={"reference": "Medication/absent", "display": "rivaroxaban 20 mg"})
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.NO_CRITERIA_APPLY


def test_an_immunosuppressant_stops_the_warning(evaluate):
    assert evaluate(acute_neck_pain(medicine("tacrolimus 1 mg capsule")), "72125").outcome is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize("status", ["active", "on-hold", "draft", "unknown", "bogus", "completed"])
def test_a_current_or_unreadable_status_stops_the_warning(evaluate, status):
    # completed: the prescription's dispensing is done, which does not say the patient stopped taking it
    d = evaluate(acute_neck_pain(medicine("warfarin 5 mg", status=status)), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error", "stopped"])
def test_a_cancelled_or_stopped_anticoagulant_does_not(evaluate, status):
    d = evaluate(acute_neck_pain(medicine("warfarin 5 mg", status=status)), "72125")
    assert d.outcome is Outcome.NOT_APPROPRIATE


def test_a_statement_that_it_is_not_taken_does_not(evaluate):
    taken = medicine("warfarin 5 mg", kind="MedicationStatement", status="not-taken")
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize("text", ["lisinopril 10 mg tablet", "aspirin 81 mg", "ibuprofen 600 mg", "clopidogrel 75 mg"])
def test_other_medicines_change_nothing(evaluate, text):
    assert evaluate(acute_neck_pain(medicine(text)), "72125").outcome is Outcome.NOT_APPROPRIATE


def test_a_steroid_without_a_duration_is_not_immunosuppression(evaluate):
    # a deliberate choice (README): a short prednisone taper for neck pain is common; the words need a duration
    assert evaluate(acute_neck_pain(medicine("prednisone 10 mg tablet")), "72125").outcome is Outcome.NOT_APPROPRIATE


def test_a_medicine_never_enables_a_warning(evaluate):
    # words of an indication in a medicine's name are not read: neck pain must come from the chart or the order
    d = evaluate([patient(), medicine("neck pain relief patch, for acute neck pain")], "72125")
    assert d.outcome is not Outcome.NOT_APPROPRIATE
    assert not [f for f in d.findings if f.id == "neck-pain"]


@pytest.mark.parametrize(
    "elements",
    [
        {"medicationReference": {"reference": "Medication/unknown"}},  # not in the chart, no display
        {"medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "855332"}]}},  # a code we do not list
        {},  # no medication[x] at all
    ],
)
def test_a_medicine_that_cannot_be_named_is_insufficient_data(evaluate, elements):
    d = evaluate(acute_neck_pain(medicine(None, **elements)), "72125")
    assert d.outcome is Outcome.INSUFFICIENT_DATA


@pytest.mark.parametrize("elements", [{"authoredOn": 20260101}, {"status": None}, {"subject": "Patient/pat-1"}])
def test_a_malformed_anticoagulant_is_insufficient_data(evaluate, elements):
    taken = {k: v for k, v in (medicine("warfarin 5 mg") | elements).items() if v is not None}
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.INSUFFICIENT_DATA


def test_the_red_flag_shows_the_medicine_and_the_words_read(evaluate):
    taken = medicine("Eliquis 5 mg tablet")
    d = evaluate(acute_neck_pain(taken), "72125")
    (flag,) = [f for f in d.findings if f.id == "coagulopathy"]
    (evidence,) = flag.evidence
    assert evidence.reference == f"MedicationRequest/{taken['id']}"
    assert evidence.element == "medicationCodeableConcept"
    assert evidence.quote == "Eliquis 5 mg tablet" and evidence.span == (0, len("Eliquis"))


@pytest.mark.parametrize("text", ["pembrolizumab 200 mg IV", "Keytruda infusion", "nivolumab"])
def test_a_cancer_drug_blocks_as_an_uncertain_cancer_and_never_makes_variant_5(evaluate, text):
    d = evaluate(acute_neck_pain(medicine(text)), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    (reason,) = d.reasons
    assert reason.startswith("Known malignancy") and "MedicationRequest/" in reason and "uncertain" in reason
    assert not [f for f in d.findings if f.id == "malignancy"]  # not a known cancer: no variant 5


def test_a_past_cancer_drug_still_blocks(evaluate):
    d = evaluate(acute_neck_pain(medicine("pembrolizumab 200 mg IV", status="completed")), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize(
    "text",
    [
        "heparin sodium 5000 UNT/ML Injectable Solution",
        "dalteparin 5000 unit",
        "Fragmin",
        "Jantoven 5 mg",
        "sirolimus 1 mg",
        "Prograf 1 mg capsule",
        "methotrexate 2.5 mg tablet",
        "Xeljanz 5 mg",
        "mycophenolic acid 360 mg",
    ],
)
def test_more_anticoagulants_and_immunosuppressants_by_name(evaluate, text):
    assert evaluate(acute_neck_pain(medicine(text)), "72125").outcome is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize(
    "text", ["Prior PE: Eliquis 5 mg BID", "Hx DVT - warfarin 5 mg daily", "no bleeding on apixaban"]
)
def test_words_that_seem_to_deny_or_date_a_medicine_being_taken_do_not_lift_its_red_flag(evaluate, text):
    d = evaluate(acute_neck_pain(medicine(text)), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


def test_the_card_says_why_a_contradicted_medicine_blocks(evaluate):
    # (dated after the drug: an undated history of an anticoagulant in words may be going on: uncertain, not history)
    d = evaluate(acute_neck_pain(medicine("Hx DVT - warfarin 5 mg daily until 2019")), "72125")
    (flag,) = [f for f in d.findings if f.id == "coagulopathy"]
    assert "its name and its status disagree" in flag.evidence[0].note
    assert "status cannot be read" not in flag.evidence[0].note


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("completed", Outcome.NOT_APPROPRIATE),
        ("stopped", Outcome.NOT_APPROPRIATE),
        ("intended", Outcome.NO_CRITERIA_APPLY),
        ("on-hold", Outcome.NO_CRITERIA_APPLY),
    ],
)
def test_a_statement_s_status(evaluate, status, outcome):
    taken = medicine("warfarin 5 mg", kind="MedicationStatement", status=status)
    assert evaluate(acute_neck_pain(taken), "72125").outcome is outcome


def test_a_medicine_named_twice_is_unreadable(evaluate):
    taken = medicine("lisinopril 10 mg", medicationReference={"display": "warfarin 5 mg"})
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.INSUFFICIENT_DATA


def test_an_ingredient_of_a_compounded_medication_is_read(evaluate):
    compounded = {
        "resourceType": "Medication",
        "id": "c1",
        "code": {"text": "Compounded capsule"},
        "ingredient": [{"itemCodeableConcept": {"text": "warfarin sodium powder"}}],
    }
    taken = medicine(medicationReference={"reference": "#c1"}, contained=[compounded])
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize("ingredient", ["warfarin", ["warfarin"], {"itemCodeableConcept": "warfarin"}])
def test_a_malformed_ingredient_is_unreadable(evaluate, ingredient):
    compounded = {"resourceType": "Medication", "id": "c1", "code": {"text": "Compounded capsule"}}
    compounded["ingredient"] = ingredient if not isinstance(ingredient, dict) else [ingredient]
    taken = medicine(medicationReference={"reference": "#c1"}, contained=[compounded])
    assert evaluate(acute_neck_pain(taken), "72125").outcome is Outcome.INSUFFICIENT_DATA


def test_a_condition_text_too_long_to_read_is_insufficient_data(evaluate):
    problem = condition("M54.2", onset=ACUTE)
    problem["code"] = {"text": "neck pain. " * 2000}
    assert evaluate([patient(), problem], "72125").outcome is Outcome.INSUFFICIENT_DATA


def test_an_order_reason_too_long_to_read_is_insufficient_data(engine):
    draft = order_json("72125") | {"reasonCode": [{"text": "acute neck pain. " * 1300}]}
    (d,) = engine.evaluate([ServiceRequest.model_validate(draft)], [patient()], today=TODAY)
    assert d.outcome is Outcome.INSUFFICIENT_DATA
    assert any("cannot be read" in r for r in d.reasons)


def test_a_chart_whose_texts_run_too_long_in_all_is_insufficient_data(evaluate):
    # each text is readable, together they are more than one request may read (a bound on its time)
    long_entries = []
    for i in range(CHART_WORDS_READ // 15_000 + 1):
        entry = condition("Z99.89", cid=f"note-{i}")
        entry["code"] = {"text": f"Entry {i}. " + "Routine follow-up, medications reviewed. " * 360}
        long_entries.append(entry)
    assert evaluate([patient(), condition("M54.2", onset=ACUTE), *long_entries], "72125").outcome is (
        Outcome.INSUFFICIENT_DATA
    )


def test_a_chart_of_ordinary_texts_is_read_in_full(evaluate):
    entries = [medicine(f"lisinopril {i} mg tablet") for i in range(200)] + [medicine("Eliquis 5 mg tablet")]
    assert evaluate(acute_neck_pain(*entries), "72125").outcome is Outcome.NO_CRITERIA_APPLY
