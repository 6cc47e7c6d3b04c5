"""Review 26b (coded charts as EHR exports send them).

- A Condition coded with a listed code and words of its own (an interface term's display beside M54.2, or its text)
  is read for what those words may block with: "Neck pain due to metastatic breast cancer" is an uncertain cancer.
- A code written under one of our systems that cannot be one of its codes ("174.9" under ICD-10-CM), with no words,
  cannot be read.
- A lab value sent as an integer, a range, a ratio or a coded result is unreadable (borderline), never absent.
- A Device's `safety` (R4's MR-safety element) is read; "MR Conditional" removes MRI suggestions.
- More contraindication words and codes (gadolinium abbreviations, "radiopaque", programmable shunts written out,
  Z95.9, hemodialysis cannulas), methotrexate brands, and an allergy or a device that names nothing at all.
- An injury's onsetPeriod may have begun on any day of it: one that reaches into the last six weeks is recent.
"""

from __future__ import annotations

import pytest

from cds_service.engine import Outcome
from tests.builders import allergy, condition, device, medicine, observation, patient, procedure
from tests.engine.metastasis_suggestions import suggestions

ACUTE = "2026-11-10"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
IMO = "http://www.imohealth.com/codes/problemit"
MRI = {"mr-cspine-w", "mr-cspine-wow", "mr-cspine-wo", "mra-neck-w", "mra-neck-wow", "mra-neck-wo"}
GADOLINIUM = {"mr-cspine-w", "mr-cspine-wow", "mra-neck-w", "mra-neck-wow"}


def neck_pain(coding_list, text=None):
    entry = condition("M54.2", onset=ACUTE)
    entry["code"] = {"coding": coding_list, **({"text": text} if text else {})}
    return entry


M54_2 = {"system": ICD, "code": "M54.2", "display": "Cervicalgia"}


@pytest.mark.parametrize(
    "term",
    [
        "Neck pain due to metastatic breast cancer",
        "Neck pain on warfarin",
        "Neck pain in IV drug user",
        "Neck pain with fever",
        "Neck pain s/p MVC 3 days ago",
        "Cervicalgia due to C5 osteomyelitis",
    ],
)
@pytest.mark.parametrize("where", ["display", "text"])
@pytest.mark.parametrize("code", ["72141", "72040", "72125"])
def test_words_beside_a_listed_code_may_block(evaluate, term, where, code):
    if where == "display":
        entry = neck_pain([{"system": IMO, "code": "30117", "display": term}, M54_2])
    else:
        entry = neck_pain([M54_2], text=term)
    d = evaluate([patient(), entry], code)
    assert d.outcome is not Outcome.NOT_APPROPRIATE
    assert {v.number for v in d.variants} in (set(), {1}, {1, 4}, {1, 5}, {1, 4, 5})  # never narrowed to 4 or 5


@pytest.mark.parametrize("term", ["Neck pain, acute", "Cervicalgia", "Neck pain", "Neck pain; family hx of breast ca"])
def test_plain_words_beside_a_listed_code_still_rate(evaluate, term):
    entry = neck_pain([{"system": IMO, "code": "1", "display": term}, M54_2], text=term)
    assert evaluate([patient(), entry], "72141").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    ("system", "code"),
    [
        (ICD, "174.9"),
        (ICD, "723.1"),
        ("urn:oid:2.16.840.1.113883.6.90", "7231"),
        ("http://snomed.info/sct", "C50.911"),
        ("http://snomed.info/sct", "254837009X"),
    ],
)
def test_a_code_its_own_system_cannot_have_is_unreadable(evaluate, system, code):
    odd = condition("M54.2", onset="2024-01-01")
    odd["code"] = {"coding": [{"system": system, "code": code}]}
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), odd], "72141")
    assert d.outcome is Outcome.INSUFFICIENT_DATA


def valued(loinc, **value):
    found = observation(loinc, None, None)
    found.pop("valueQuantity", None)
    return found | value


@pytest.mark.parametrize(
    ("loinc", "value"),
    [
        ("1988-5", {"valueInteger": 45}),
        ("6690-2", {"valueInteger": 16}),
        ("4537-7", {"valueInteger": 60}),
        ("8310-5", {"valueInteger": 39}),
        ("1988-5", {"valueCodeableConcept": {"text": "Positive"}}),
        ("1988-5", {"valueRange": {"low": {"value": 45}}}),
        ("1988-5", {"valueRatio": {"numerator": {"value": 45}, "denominator": {"value": 1}}}),
    ],
)
def test_a_marker_sent_as_another_kind_of_value_blocks(evaluate, loinc, value):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), valued(loinc, **value)], "72141")
    assert d.outcome is not Outcome.NOT_APPROPRIATE


def test_an_egfr_sent_as_an_integer_removes_gadolinium(engine):
    assert not suggestions(engine, valued("33914-3", valueInteger=22)) & GADOLINIUM


def safety(display, code="C113844"):
    found = device("Implant")
    found["safety"] = [{"coding": [{"system": "urn:oid:2.16.840.1.113883.3.26.1.1", "code": code, "display": display}]}]
    return found


@pytest.mark.parametrize("found", [safety("Magnetic Resonance Unsafe"), safety("Magnetic Resonance Conditional")])
def test_a_devices_mr_safety_removes_mri(engine, found):
    assert not suggestions(engine, found) & MRI


@pytest.mark.parametrize(
    "found",
    [
        allergy("Gd-DTPA"),
        allergy("Gd-BOPTA"),
        allergy("Gd-DOTA"),
        device("Programmable ventriculoperitoneal shunt"),
        device("VP shunt, programmable (Codman Hakim)"),
        device("Programmable VPS"),
        condition("Z95.9"),
        procedure("36800", performed="2026-01-10"),
    ],
    ids=["gd-dtpa", "gd-bopta", "gd-dota", "vp-shunt", "vp-shunt-comma", "vps", "z95.9", "cannula-36800"],
)
def test_contraindications_in_other_words_and_codes_remove_their_studies(engine, found):
    assert not suggestions(engine, found) & GADOLINIUM


def test_radiopaque_agents_are_iodinated_contrast(engine):
    suggested = suggestions(engine, allergy("Radiopaque agents"))
    assert not suggested & {"ct-cspine-w", "ct-cspine-wow", "cta-neck", "ct-myelo-cspine"}


def test_an_allergy_that_names_no_substance_removes_contrast(engine):
    unnamed = allergy("x")
    del unnamed["code"]
    assert not suggestions(engine, unnamed) & (GADOLINIUM | {"ct-cspine-w", "ct-cspine-wow", "cta-neck"})


def test_a_device_that_names_no_type_removes_mri(engine):
    unnamed = device() | {"modelNumber": "Azure XT DR MRI SureScan"}
    del unnamed["type"]
    assert not suggestions(engine, unnamed) & MRI


@pytest.mark.parametrize("brand", ["Otrexup 25 MG/0.4ML Auto-Injector", "Rasuvo", "Trexall", "Xatmep", "RediTrex"])
def test_methotrexate_by_brand_is_immunosuppression(evaluate, brand):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), medicine(brand)], "72141")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


@pytest.mark.parametrize(
    "period",
    [
        {"start": "2025-01-01", "end": "2026-11-15"},
        {"start": "2024-06-01", "end": "2026-11-20"},
        {"start": "2026-01-01", "end": "2026-11-01"},
    ],
)
@pytest.mark.parametrize("code", ["S13.4XXD", "S16.1XXD"])
def test_an_injury_whose_period_reaches_the_last_six_weeks_is_recent(evaluate, period, code):
    injury = condition(code, onset=None) | {"onsetPeriod": period}
    d = evaluate([patient(), condition("M54.2", onset=ACUTE), injury], "72141")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY  # out of scope: recent trauma


def test_an_injury_whose_period_ended_long_ago_is_not(evaluate):
    injury = condition("S13.4XXD", onset=None) | {"onsetPeriod": {"start": "2024-01-01", "end": "2024-03-01"}}
    assert evaluate([patient(), condition("M54.2", onset=ACUTE), injury], "72141").outcome is Outcome.NOT_APPROPRIATE


def test_neck_pain_whose_onset_period_reaches_the_last_weeks_may_be_acute(evaluate):
    pain = condition("M54.2", onset=None) | {"onsetPeriod": {"start": "2025-01-01", "end": "2026-11-15"}}
    d = evaluate([patient(), pain], "72141")
    assert {v.number for v in d.variants} == {1, 7}  # both: it began some day in the period


SNOMED_CANCER = {"system": "http://snomed.info/sct", "code": "363346000", "display": "Malignant neoplastic disease"}


@pytest.mark.parametrize("code", ["72040", "72141"])
def test_codings_of_one_condition_that_disagree_block(evaluate, code):
    d = evaluate([patient(), neck_pain([M54_2, SNOMED_CANCER])], code)
    assert d.outcome is Outcome.NO_CRITERIA_APPLY  # neck pain or a cancer: contradictory, it never warns


def test_the_same_codes_in_two_conditions_still_make_variant_5(evaluate):
    d = evaluate([patient(), neck_pain([M54_2]), neck_pain([SNOMED_CANCER])], "72040")
    assert d.outcome is Outcome.NOT_APPROPRIATE and [v.number for v in d.variants] == [5]
