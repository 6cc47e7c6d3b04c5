"""Contraindications and red flags recorded only under codes the first code lists missed (policy §6, §10).

An MR-unsafe implant coded in ICD-10-PCS, a CRT-D / CRT-P named on a Device, dialysis recorded only as a
Procedure, an eGFR or a temperature under another LOINC code: each must keep an unsafe study off the card, or
make the red flag, as the codes already listed do.
"""

from __future__ import annotations

import pytest

from cds_service.engine import Outcome
from cds_service.fhir.patient_data import data_keys
from tests.builders import condition, device, observation, patient, procedure

ACUTE = "2026-11-07"
MRI = {"mr-cspine-wow", "mr-cspine-wo"}
GADOLINIUM = {"mr-cspine-wow"}
EGFR_UNIT = "mL/min/{1.73_m2}"


def alternative_ids(decision) -> list[str]:
    return [a.procedure.id for a in decision.alternatives]


def metastasis_chart(*extra):
    """Neck pain with a bone metastasis (variant 5): radiographs are UNA, so the card offers alternatives."""
    return [patient(), condition("C79.51"), condition("M54.2", onset=ACUTE), *extra]


def test_control_variant_5_radiographs_suggest_mri_with_and_without_contrast(evaluate):
    d = evaluate(metastasis_chart(), "72040")
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert alternative_ids(d)[:2] == ["mr-cspine-wow", "mr-cspine-wo"]
    assert d.exclusions == ()


# -- 1. MR-unsafe implants coded in ICD-10-PCS; CRT devices by name ------------------------------------------
@pytest.mark.parametrize(
    "code",
    [
        "0JH606Z",  # pacemaker, dual chamber, chest subcutaneous tissue, open
        "0JH634Z",  # pacemaker, single chamber, percutaneous
        "0JH608Z",  # defibrillator generator
        "0JH639Z",  # cardiac resynchronization defibrillator generator, percutaneous
        "0JH60PZ",  # cardiac rhythm related device
        "02HK3JZ",  # pacemaker lead, right ventricle
        "02HK3KZ",  # defibrillator lead, right ventricle
        "02H43MZ",  # cardiac lead, coronary vein
        "02HK3NZ",  # intracardiac (leadless) pacemaker
        "0JH60DZ",  # multiple array stimulator generator, chest
        "0JH70CZ",  # single array rechargeable stimulator generator, back
        "00HV3MZ",  # neurostimulator lead, spinal cord
        "00H03MZ",  # neurostimulator lead, brain
        "01HY3MZ",  # neurostimulator lead, peripheral nerve
        "09HD06Z",  # multiple channel cochlear prosthesis, right inner ear
        "09HE35Z",  # single channel cochlear prosthesis, left inner ear
    ],
)
def test_icd10pcs_implant_procedure_removes_mri(evaluate, code):
    d = evaluate(metastasis_chart(procedure(code, "icd10pcs")), "72040")
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert not MRI & set(alternative_ids(d))
    assert {e.procedure.id for e in d.exclusions} == MRI
    assert {e.contraindication for e in d.exclusions} == {"mri-unsafe"}
    assert alternative_ids(d)[0] == "ct-cspine-w"


def test_icd10pcs_code_with_dots_and_lower_case_is_normalised(evaluate):
    d = evaluate(metastasis_chart(procedure("0jh.606z", "icd10pcs")), "72040")
    assert not MRI & set(alternative_ids(d))


@pytest.mark.parametrize("code", ["0JH60WZ", "0JH63XZ", "0JH60NZ"])  # port, tunneled access device, expander
def test_mr_safe_chest_devices_keep_mri(evaluate, code):
    d = evaluate(metastasis_chart(procedure(code, "icd10pcs")), "72040")
    assert alternative_ids(d)[:2] == ["mr-cspine-wow", "mr-cspine-wo"]


def test_planned_implant_does_not_remove_mri(evaluate):
    planned = procedure("0JH606Z", "icd10pcs", status="preparation", performed=None)
    assert alternative_ids(evaluate(metastasis_chart(planned), "72040"))[:2] == ["mr-cspine-wow", "mr-cspine-wo"]


def test_loop_recorder_cpt_removes_mri(evaluate):
    d = evaluate(metastasis_chart(procedure("33285")), "72040")
    assert not MRI & set(alternative_ids(d))
    assert {e.contraindication for e in d.exclusions} == {"mri-unsafe"}


@pytest.mark.parametrize(
    "text", ["CRT-D", "Medtronic CRT-D in situ", "CRT-P", "crt-p device", "CRTD", "Cardiac resynchronization device"]
)
def test_crt_device_by_name_removes_mri(evaluate, text):
    d = evaluate(metastasis_chart(device(text)), "72040")
    assert not MRI & set(alternative_ids(d))
    assert {e.contraindication for e in d.exclusions} == {"mri-unsafe"}


@pytest.mark.parametrize("text", ["CRT", "Secretion suction device"])
def test_bare_crt_is_not_an_implant(evaluate, text):
    # "CRT" alone is as often chemoradiotherapy: it does not remove MRI (the word must start with crt-d / crt-p)
    d = evaluate(metastasis_chart(device(text)), "72040")
    assert alternative_ids(d)[:2] == ["mr-cspine-wow", "mr-cspine-wo"]


# -- 2. dialysis recorded only as a Procedure --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "system"),
    [
        ("90935", "cpt"),  # hemodialysis, single evaluation
        ("90937", "cpt"),
        ("90945", "cpt"),  # dialysis other than hemodialysis (peritoneal, CRRT)
        ("90947", "cpt"),
        ("90951", "cpt"),  # ESRD-related services, monthly
        ("90960", "cpt"),
        ("90970", "cpt"),
        ("90999", "cpt"),
        ("5A1D70Z", "icd10pcs"),  # urinary filtration, intermittent
        ("5A1D80Z", "icd10pcs"),
        ("5A1D90Z", "icd10pcs"),  # continuous (CRRT)
        ("3E1M39Z", "icd10pcs"),  # peritoneal dialysis
        ("302497006", "snomed"),  # hemodialysis (procedure)
        ("71192002", "snomed"),  # peritoneal dialysis (procedure)
    ],
)
def test_dialysis_procedure_removes_gadolinium(evaluate, code, system):
    d = evaluate(metastasis_chart(procedure(code, system, performed="2026-11-18")), "72040")
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert not GADOLINIUM & set(alternative_ids(d))
    assert alternative_ids(d)[0] == "mr-cspine-wo"  # MRI without contrast is still safe
    assert {e.contraindication for e in d.exclusions} == {"gadolinium-contraindicated"}


def test_dialysis_in_progress_removes_gadolinium(evaluate):
    running = procedure("90935", status="in-progress", performed=None)
    assert not GADOLINIUM & set(alternative_ids(evaluate(metastasis_chart(running), "72040")))


@pytest.mark.parametrize("code", ["90997"])  # hemoperfusion (AV fistula creation removes it: test_review21_gaps.py)
def test_other_renal_procedures_keep_gadolinium(evaluate, code):
    d = evaluate(metastasis_chart(procedure(code)), "72040")
    assert alternative_ids(d)[0] == "mr-cspine-wow"


# -- 3. eGFR under every common LOINC code -------------------------------------------------------------------
EGFR_CODES = [
    "88294-4",  # CKD-EPI among non-blacks
    "88293-6",  # CKD-EPI among blacks
    "77147-7",  # MDRD
    "50044-7",  # MDRD among females
    "70969-1",  # MDRD among males
    "50210-4",  # cystatin C
    "94677-2",  # creatinine and cystatin C (CKD-EPI)
    "98980-6",  # creatinine and cystatin C (CKD-EPI 2021)
    "69405-9",  # method not given
]


@pytest.mark.parametrize("code", EGFR_CODES)
def test_low_egfr_under_another_loinc_removes_gadolinium(evaluate, code):
    d = evaluate(metastasis_chart(observation(code, 12, EGFR_UNIT, when="2026-10-01")), "72040")
    assert not GADOLINIUM & set(alternative_ids(d))
    assert alternative_ids(d)[0] == "mr-cspine-wo"
    assert {e.contraindication for e in d.exclusions} == {"gadolinium-contraindicated"}


@pytest.mark.parametrize("code", ["88294-4", "98980-6"])
def test_normal_egfr_under_another_loinc_keeps_gadolinium(evaluate, code):
    d = evaluate(metastasis_chart(observation(code, 85, EGFR_UNIT, when="2026-10-01")), "72040")
    assert alternative_ids(d)[0] == "mr-cspine-wow"


def test_new_observation_codes_are_fetched(knowledge):
    (key,) = [key for key in data_keys(knowledge) if key.name == "observations"]
    codes = key.template.split("code=")[1].split("&")[0].split(",")
    for code in ("88294-4", "77147-7", "98980-6", "8331-1", "8333-7", "71426-1", "33256-9"):
        assert f"http://loinc.org|{code}" in codes


# -- 4. fever and inflammatory markers under other LOINC codes ---------------------------------------------------
def acute_neck_pain(*extra):
    return [patient(), condition("M54.2", onset=ACUTE), *extra]


def test_control_ct_for_acute_neck_pain_warns(evaluate):
    assert evaluate(acute_neck_pain(), "72125").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    "code",
    [
        "8331-1",  # oral
        "8332-9",  # rectal
        "8333-7",  # tympanic membrane
        "8328-7",  # axillary
        "60834-9",  # blood
        "60836-4",  # esophageal
        "8334-5",  # urinary bladder
    ],
)
def test_fever_under_a_site_specific_temperature_code_is_a_red_flag(evaluate, code):
    d = evaluate(acute_neck_pain(observation(code, 39.4, "Cel")), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    assert any("red flag: Fever" in r for r in d.reasons)


def test_fever_in_fahrenheit_under_oral_code(evaluate):
    d = evaluate(acute_neck_pain(observation("8331-1", 102.2, "[degF]")), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


def test_normal_oral_temperature_is_no_red_flag(evaluate):
    d = evaluate(acute_neck_pain(observation("8331-1", 36.8, "Cel")), "72125")
    assert d.outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(("code", "value", "unit"), [("71426-1", 48, "mg/L"), ("33256-9", 16.2, "10*9/L")])
def test_elevated_marker_under_another_code_is_a_red_flag(evaluate, code, value, unit):
    d = evaluate(acute_neck_pain(observation(code, value, unit)), "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    assert any("red flag: Elevated inflammatory marker" in r for r in d.reasons)
    assert [m.evidence.coding.code for m in d.mentions if m.concept == "elevated-inflammatory-marker"] == [code]


@pytest.mark.parametrize(("code", "value", "unit"), [("71426-1", 48, "mg/L"), ("33256-9", 16.2, "10*9/L")])
def test_fever_under_oral_code_and_marker_under_another_code_make_suspected_infection(evaluate, code, value, unit):
    d = evaluate(acute_neck_pain(observation("8331-1", 38.6, "Cel"), observation(code, value, unit)), "72125")
    assert [v.number for v in d.variants] == [4]
    assert any("suspected infection" in r for r in d.reasons)
