"""An Observation whose value is in a component, which a thirty-third review (2026-12-05) found not read: an eGFR of
22 sent as the component of an eGFR Observation left gadolinium on the card (policy §6, §10: an eGFR that cannot be
read is contrast unsafe). The component coded as the Observation's test is its value; with no such component the value
cannot be told (unreadable). Controls: an Observation with a value of its own reads it, whatever its components; a
component of 75 keeps gadolinium.

The chart is neck pain with a bone metastasis (variant 5; `metastasis_suggestions`).
"""

from __future__ import annotations

import pytest

from tests.builders import coding, observation
from tests.engine.metastasis_suggestions import suggestions

GADOLINIUM = {"mr-cspine-wow"}
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


def test_control_an_egfr_with_a_value_of_its_own_reads_it_whatever_its_components(engine):
    assert suggestions(engine, _egfr("62238-1", _component("62238-1", 12), value=80)) >= GADOLINIUM
    assert not GADOLINIUM & suggestions(engine, _egfr("62238-1", _component("62238-1", 80), value=12))
