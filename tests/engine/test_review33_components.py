"""An Observation whose value is in a component, which a thirty-third review (2026-12-05) found not read: an eGFR of
22 sent as the component of an eGFR Observation left gadolinium on the card (policy §6, §10: an eGFR that cannot be
read is contrast unsafe). The component coded as the Observation's test is its value; with no such component the value
cannot be told (unreadable); values that disagree (two components, its own value and a component) are borderline.
Controls: a component of 75 keeps gadolinium, and so does its own value beside a component that agrees.

The chart is neck pain with a bone metastasis (variant 5; `metastasis_suggestions`).
"""

from __future__ import annotations

import pytest

from tests.builders import coding, observation
from tests.engine.metastasis_suggestions import suggestions

GADOLINIUM = {"mr-cspine-wow"}
V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
EGFR = ["33914-3", "62238-1", "48642-3"]


def _component(loinc: str, value: float, unit: str = "mL/min/{1.73_m2}") -> dict:
    quantity = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    return {"code": {"coding": [coding("loinc", loinc)]}, "valueQuantity": quantity}


def _egfr(loinc: str, *components: dict, value: float | None = None) -> dict:
    out = observation(loinc, value, "mL/min/{1.73_m2}" if value is not None else None)
    return out | {"component": list(components)}


@pytest.mark.parametrize("loinc", EGFR)
def test_an_egfr_below_30_in_its_component_removes_gadolinium(engine, loinc):
    left = suggestions(engine, _egfr(loinc, _component(loinc, 22)))
    assert left and not GADOLINIUM & left and "mr-cspine-wo" in left


def test_an_egfr_whose_components_are_other_tests_is_unreadable(engine):
    left = suggestions(engine, _egfr("62238-1", _component("2160-0", 1.9, "mg/dL")))
    assert left and not GADOLINIUM & left


def test_control_an_egfr_of_75_in_its_component_keeps_gadolinium(engine):
    assert suggestions(engine, _egfr("62238-1", _component("62238-1", 75))) >= GADOLINIUM


def test_an_egfrs_own_value_and_a_component_that_disagree_are_borderline(engine):
    assert not GADOLINIUM & suggestions(engine, _egfr("62238-1", _component("62238-1", 12), value=80))
    assert not GADOLINIUM & suggestions(engine, _egfr("62238-1", _component("62238-1", 80), value=12))
    assert suggestions(engine, _egfr("62238-1", _component("62238-1", 75), value=80)) >= GADOLINIUM  # (they agree)


def test_an_egfr_said_absent_beside_a_component_is_borderline(engine):
    egfr = _egfr("62238-1", _component("62238-1", 70))
    absent = {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "error"}
    egfr["dataAbsentReason"] = {"coding": [absent]}
    assert not GADOLINIUM & suggestions(engine, egfr)


def test_egfr_components_that_disagree_are_borderline_whichever_comes_first(engine):
    for first, second in ((35, 24), (24, 35)):
        egfr = _egfr("62238-1", _component("48642-3", first), _component("48643-1", second))
        left = suggestions(engine, egfr)
        assert left and not GADOLINIUM & left, (first, second)


def test_an_egfr_flagged_low_whose_component_is_normal_is_borderline(engine):
    egfr = _egfr("62238-1", _component("62238-1", 70))
    egfr["interpretation"] = [{"coding": [{"system": V3, "code": "LL"}]}]
    assert not GADOLINIUM & suggestions(engine, egfr)


def _v4_outcome(engine, *components: dict) -> str:
    """Radiographs for neck pain with a fever (variant 4 when a WBC is high: radiographs Usually Not Appropriate)."""
    from fhir.resources.R4B.servicerequest import ServiceRequest

    from tests.builders import condition, order_json, patient
    from tests.conftest import TODAY
    from tests.engine.metastasis_suggestions import ACUTE

    wbc = observation("6690-2", None, None) | {"component": list(components)}
    chart = [patient(), condition("M54.2", onset=ACUTE), observation("8310-5", 38.9, "Cel"), wbc]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(order_json("72040"))], chart, today=TODAY)
    return decision.outcome.value


def test_wbc_components_that_disagree_make_no_warning_whichever_comes_first(engine):
    high, normal = _component("6690-2", 15, "10*3/uL"), _component("6690-2", 7, "10*3/uL")
    assert _v4_outcome(engine, high, normal) != "not-appropriate"
    assert _v4_outcome(engine, normal, high) != "not-appropriate"


def test_control_one_high_wbc_component_with_a_fever_warns_on_radiographs(engine):
    assert _v4_outcome(engine, _component("6690-2", 15, "10*3/uL")) == "not-appropriate"


# -- a re-review's (36) holes: a fever the Observation itself doubts -----------------------------------------------
def _fever_and_crp(engine, **fever_elements) -> str:
    """Radiographs for neck pain with a temperature of 38.6 and a CRP of 50 (variant 4: they warn)."""
    from fhir.resources.R4B.servicerequest import ServiceRequest

    from tests.builders import condition, order_json, patient
    from tests.conftest import TODAY
    from tests.engine.metastasis_suggestions import ACUTE

    fever = observation("8310-5", 38.6, "Cel") | fever_elements
    chart = [patient(), condition("M54.2", onset=ACUTE), fever, observation("1988-5", 50, "mg/L")]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(order_json("72040"))], chart, today=TODAY)
    return decision.outcome.value


def test_control_a_fever_and_a_crp_warn_on_radiographs(engine):
    assert _fever_and_crp(engine) == "not-appropriate"


@pytest.mark.parametrize(
    "elements",
    [
        {"interpretation": [{"coding": [{"system": V3, "code": "N"}]}]},
        {"interpretation": [{"text": "Normal"}]},
        {"focus": [{"reference": "Patient/donor-7"}]},
    ],
)
def test_a_fever_flagged_normal_or_about_another_focus_makes_no_warning(engine, elements):
    assert _fever_and_crp(engine, **elements) != "not-appropriate"
