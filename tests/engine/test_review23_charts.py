"""Review 23b (coded charts as vendor exports send them): lab values given as bounds, flags in other forms, reference
limits in another unit, unit strings, LOINC codes; implants by their MR safety property; allergies coded with no
words; ICD codes under OIDs; cancer-only drugs and rarer anticoagulants."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.builders import condition, medicine, observation, order_json, patient
from tests.conftest import TODAY

ACUTE = "2026-11-10"
CONTRAST = {"mr-cspine-wow", "mr-cspine-w", "ct-cspine-w", "ct-cspine-wow", "cta-neck", "mra-neck-w", "mra-neck-wow"}


def _decide(engine, *extra, code="72141", base=None):
    chart = [patient(), *(base or [condition("M54.2", onset=ACUTE)]), *extra]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(order_json(code))], chart, today=TODAY)
    return decision


def _warns(engine, *extra, **kw) -> bool:
    return _decide(engine, *extra, **kw).outcome.value == "not-appropriate"


def _crp(value, unit="mg/L", **kw):
    return observation("1988-5", value, unit, **kw)


# -- lab values ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "lab",
    [
        _crp(5) | {"valueQuantity": {"value": 5, "comparator": ">", "unit": "mg/L"}},  # at least 5: maybe above 10
        _crp(8) | {"valueQuantity": {"value": 8, "comparator": ">=", "unit": "mg/L"}},
        _crp(0.7, "mg/dL") | {"referenceRange": [{"high": {"value": 5, "unit": "mg/L"}}]},  # 7 mg/L above the limit
        _crp(7) | {"interpretation": [{"text": "High"}]},
        _crp(7) | {"interpretation": [{"coding": [{"system": "urn:oid:1.2.840.114350.1", "code": "High"}]}]},
        _crp(7) | {"interpretation": [{"coding": [{"code": "h"}]}]},
        observation("48421-2", 45, "mg/L"),  # CRP in capillary blood (point of care)
        observation("6690-2", 14.5, "x10E3/uL", ucum=False),
        observation("6690-2", 14500, "cells/uL", ucum=False),
    ],
)
def test_a_raised_or_possibly_raised_marker_blocks_the_warning(engine, lab):
    assert not _warns(engine, lab)


@pytest.mark.parametrize(
    "lab",
    [
        _crp(5) | {"valueQuantity": {"value": 5, "comparator": "<", "unit": "mg/L"}},
        _crp(0.3, "mg/dl", ucum=False),  # 3 mg/L
        observation("6690-2", 6.2, "x10(3)/mcL", ucum=False),
        observation("6690-2", 6200, "cells/uL", ucum=False),
        observation("6690-2", 9500, "/uL") | {"referenceRange": [{"high": {"value": 11, "unit": "10*3/uL"}}]},
        observation("4537-7", 12, "mm/Hr", ucum=False),
    ],
)
def test_control_a_normal_marker_in_other_units_or_bounds_still_warns(engine, lab):
    assert _warns(engine, lab)


@pytest.mark.parametrize(
    "temperature",
    [
        observation("8310-5", 37.8, "Cel", high=37.5),  # above the lab's limit, below a fever
        observation("8310-5", 99.1, "[degF]") | {"referenceRange": [{"high": {"value": 37.5, "unit": "Cel"}}]},
    ],
)
def test_a_temperature_above_the_labs_limit_but_below_a_fever_is_no_certain_fever(engine, temperature):
    decision = _decide(engine, temperature, _crp(62), code="72040")
    assert decision.outcome.value != "not-appropriate"  # no certain fever: not variant 4's warning


def test_a_core_temperature_is_read(engine):
    decision = _decide(engine, observation("8329-5", 38.9, "Cel"), _crp(62), code="72040")
    assert [v.number for v in decision.variants] == [4]


# -- contraindications -----------------------------------------------------------------------------------------
def _alternatives(engine, *extra) -> set[str]:
    decision = _decide(engine, *extra, code="72040", base=[condition("C79.51"), condition("M54.2", onset=ACUTE)])
    assert decision.outcome.value == "not-appropriate"
    return {a.procedure.id for a in decision.alternatives}


def test_an_egfr_under_another_loinc_code_removes_gadolinium(engine):
    assert not _alternatives(engine, observation("76633-7", 22, "mL/min/{1.73_m2}")) & {"mr-cspine-wow", "mr-cspine-w"}


def test_an_egfr_given_as_below_a_bound_over_30_removes_gadolinium(engine):
    egfr = observation("98979-8", 60, "mL/min/{1.73_m2}")
    egfr["valueQuantity"]["comparator"] = "<"
    assert not _alternatives(engine, egfr) & {"mr-cspine-wow", "mr-cspine-w"}


def test_control_an_egfr_above_a_bound_keeps_gadolinium(engine):
    egfr = observation("98979-8", 60, "mL/min/{1.73_m2}")
    egfr["valueQuantity"]["comparator"] = ">"
    assert "mr-cspine-wow" in _alternatives(engine, egfr)


def test_a_device_whose_mr_safety_property_says_unsafe_removes_mri(engine):
    implant = {
        "resourceType": "Device",
        "id": "dev-1",
        "patient": {"reference": "Patient/pat-1"},
        "status": "active",
        "type": {"coding": [{"system": "http://snomed.info/sct", "code": "272179000"}]},
        "property": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "urn:oid:2.16.840.1.113883.3.26.1.1",
                            "code": "C106046",
                            "display": "Magnetic Resonance Unsafe",
                        }
                    ]
                }
            }
        ],
    }
    assert not _alternatives(engine, implant) & {"mr-cspine-wow", "mr-cspine-wo"}


@pytest.mark.parametrize(
    "coded",
    [
        {"code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "24728"}]}},
        {"code": {"coding": [{"system": "http://fdasis.nlm.nih.gov", "code": "4419T9MX03"}]}},
        {
            "code": {"text": "Other"},
            "reaction": [{"substance": {"coding": [{"system": "http://snomed.info/sct", "code": "293637006"}]}}],
        },
    ],
)
def test_an_allergy_coded_with_no_words_removes_contrast_suggestions(engine, coded):
    allergy = {"resourceType": "AllergyIntolerance", "id": "al-1", "patient": {"reference": "Patient/pat-1"}} | coded
    if coded["code"].get("text") == "Other":  # (its words name nothing: the reaction's substance is coded only)
        allergy["code"] = {"coding": [{"system": "http://snomed.info/sct", "code": "74964007"}]}
    assert not _alternatives(engine, allergy) & CONTRAST


def test_control_an_allergy_named_in_words_keeps_contrast_suggestions(engine):
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "al-1",
        "patient": {"reference": "Patient/pat-1"},
        "code": {
            "coding": [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7980", "display": "penicillin G"}
            ]
        },
    }
    assert _alternatives(engine, allergy) & CONTRAST


# -- codes under OIDs, medicines ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("system", "code"),
    [("urn:oid:2.16.840.1.113883.6.3", "C50.9"), ("urn:oid:2.16.840.1.113883.6.103", "174.9")],
)
def test_a_condition_coded_only_under_an_icd_oid_cannot_be_read(engine, system, code):
    cancer = condition("C50.9")
    cancer["code"] = {"coding": [{"system": system, "code": code}]}
    assert not _warns(engine, cancer)


@pytest.mark.parametrize(
    "name",
    [
        "vinCRIStine 1 mg/mL",
        "etoposide (TOPOSAR) 20 mg/mL",
        "erlotinib (TARCEVA)",
        "cemiplimab (LIBTAYO)",
        "bevacizumab (AVASTIN)",
        "betrixaban (BEVYXXA) 80 mg capsule",
        "desirudin (IPRIVASK)",
        "prednisone 20 mg tablet daily x 3 months",
    ],
)
def test_a_cancer_drug_an_anticoagulant_or_a_long_steroid_in_the_medicines_blocks(engine, name):
    assert not _warns(engine, medicine(name))


def test_a_device_coded_with_no_words_removes_mri(engine):
    implant = {
        "resourceType": "Device",
        "id": "dev-2",
        "patient": {"reference": "Patient/pat-1"},
        "type": {"coding": [{"system": "http://snomed.info/sct", "code": "360129009"}]},
    }
    assert not _alternatives(engine, implant) & {"mr-cspine-wow", "mr-cspine-wo"}


def test_control_a_device_named_in_words_that_is_no_implant_keeps_mri(engine):
    pump = {
        "resourceType": "Device",
        "id": "dev-3",
        "patient": {"reference": "Patient/pat-1"},
        "type": {
            "coding": [{"system": "http://snomed.info/sct", "code": "337414009", "display": "Blood glucose meter"}]
        },
    }
    assert "mr-cspine-wow" in _alternatives(engine, pump) or "mr-cspine-wo" in _alternatives(engine, pump)
