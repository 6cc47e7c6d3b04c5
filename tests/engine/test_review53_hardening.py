"""A fifty-third review, hardening: long runs without a space in a text, a red flag's lab under a lab's own code, an
eGFR with no value.

Chart: acute neck pain (variant 1), where an MRI without contrast (72141) is Usually Not Appropriate; or a known
cancer (variant 5), where radiographs (72040) are and an MRI with contrast is the first alternative.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.text.reader import MAX_RUN_CHARS, TextTooLong, _without_long_runs
from tests.builders import condition, observation, order_json, patient
from tests.text_cases import TODAY


def _decide(engine, code: str, chart: list[dict[str, Any]], reason: str | None = None) -> Any:
    draft = order_json(code)
    if reason:
        draft["reasonCode"] = [{"text": reason}]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(draft)], [patient(), *chart], today=TODAY)
    return decision


# -- runs without a space ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("run", ["%" * 8000, "()" * 500, "(" * 300 + ")" * 300, "-" * 64, "=" * 120])
def test_a_long_run_of_marks_is_read_as_spaces(run):
    # spaCy's tokenizer costs the square of such a run (8 000 "%" took 10 s): it never sees it
    text = f"neck pain x 2 wks {run} fever"
    assert _without_long_runs(text) == f"neck pain x 2 wks {' ' * len(run)} fever"


@pytest.mark.parametrize("run", ["'s" * 200, "x" * (MAX_RUN_CHARS + 1), "a%" * 200])
def test_a_long_run_with_words_in_it_is_not_read(run):
    with pytest.raises(TextTooLong):
        _without_long_runs(f"neck pain x 2 wks {run}")


@pytest.mark.parametrize("text", ["neck pain ---- fever", "x" * MAX_RUN_CHARS, "fever (" + "_" * 61 + ")"])
def test_short_runs_are_read_as_written(text):
    assert _without_long_runs(text) == text


@pytest.mark.parametrize("run", ["https://example.org/" + "a/" * 300, "www.example.org/x", "_" * 300])
def test_a_web_address_or_a_long_rule_is_read_as_spaces(run):
    text = f"breast ca 2019 {run} neck pain"
    assert _without_long_runs(text) == f"breast ca 2019 {' ' * len(run)} neck pain"


def test_the_words_beside_a_run_of_marks_are_read_where_they_stand(knowledge):
    from cds_service.engine.text.reader import TextReader

    text = "neck pain x 2 wks " + "%" * 100 + " fever"
    found = {m.concept: text[m.start : m.end] for m in TextReader(knowledge).read(text)}
    assert found == {"neck-pain": "neck pain", "fever": "fever"}


def test_an_order_whose_words_hold_a_long_run_is_not_rated(engine):
    decision = _decide(engine, "72141", [], reason="neck pain x 2 wks " + "'s" * 4000)
    assert decision.outcome.value == "insufficient-data"


# -- a red flag's lab under a lab's own code ---------------------------------------------------------------------------
def _local(text: str, value: Any, unit: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "obs-local",
        "status": "final",
        "code": {"coding": [{"system": "urn:oid:1.2.840.1", "code": "LAB-77", "display": text}], "text": text},
        "subject": {"reference": "Patient/pat-1"},
        "effectiveDateTime": "2026-11-19",
    }
    if value is not None:
        found["valueQuantity"] = {"value": value, **({"unit": unit} if unit else {})}
    return found


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("CRP", 150, "mg/L"),
        ("hs-CRP", 40, "mg/L"),
        ("C-Reactive Protein", 9, "mg/dL"),
        ("Body temperature", 39.6, "Cel"),
        ("Temp (oral)", 102.2, "[degF]"),
        ("Tmax", 38.4, "C"),
        ("WBC", 19, "10*3/uL"),
        ("Sed Rate", 88, "mm/h"),
        ("ESR (Westergren)", 64, "mm/hr"),
        ("CRP", 150, "furlongs"),  # (a unit that cannot be converted)
    ],
)
def test_a_red_flags_lab_under_a_local_code_blocks(engine, name, value, unit):
    # each gave a warning: the lab was read only under its LOINC codes
    chart = [condition("M54.2", onset="2026-11-10"), _local(name, value, unit)]
    assert _decide(engine, "72141", chart).outcome.value != "not-appropriate"


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("CRP", 3, "mg/L"),
        ("Temp (oral)", 98.6, "[degF]"),
        ("WBC", 7.2, "10*3/uL"),
        ("WBC, urine", 50, "/hpf"),
        ("Room temperature", 40, "Cel"),
        ("CRP", None, None),  # (no value: nothing told)
    ],
)
def test_a_normal_or_another_tests_local_lab_keeps_the_warning(engine, name, value, unit):
    chart = [condition("M54.2", onset="2026-11-10"), _local(name, value, unit)]
    assert _decide(engine, "72141", chart).outcome.value == "not-appropriate"


# -- an eGFR with no value ---------------------------------------------------------------------------------------------
def _suggested(decision: Any) -> list[str]:
    return [a.procedure.id for a in decision.alternatives]


@pytest.mark.parametrize("shape", ["no value", "a unit and no number", "a reference range only"])
def test_an_egfr_with_no_value_is_contrast_unsafe(engine, shape):
    egfr = observation("98979-8", None, None)
    if shape == "a unit and no number":
        egfr["valueQuantity"] = {"unit": "mL/min/{1.73_m2}"}
    elif shape == "a reference range only":
        egfr["referenceRange"] = [{"low": {"value": 60}}]
    decision = _decide(engine, "72040", [condition("C50.911"), condition("M54.2", onset="2026-11-10"), egfr])
    assert decision.outcome.value == "not-appropriate"
    assert not any(p.endswith("-w") or p.endswith("-wow") for p in _suggested(decision) if p.startswith("mr"))


def test_an_egfr_not_done_says_nothing(engine):
    egfr = observation("98979-8", None, None)
    egfr["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                            "code": "not-performed"}]}  # fmt: skip
    decision = _decide(engine, "72040", [condition("C50.911"), condition("M54.2", onset="2026-11-10"), egfr])
    assert "mr-cspine-wow" in _suggested(decision)


def test_a_red_flags_local_lab_given_as_a_string_blocks(engine):
    crp = _local("CRP", None, None)
    crp["valueString"] = "150 mg/L"  # (unreadable: it blocks)
    assert _decide(engine, "72141", [condition("M54.2", onset="2026-11-10"), crp]).outcome.value == "no-criteria-apply"


@pytest.mark.parametrize("name", ["Total leucocyte count", "Leucocytes"])
def test_a_white_cell_count_spelt_the_british_way_blocks(engine, name):
    chart = [condition("M54.2", onset="2026-11-10"), _local(name, 14, "10*9/L")]
    assert _decide(engine, "72141", chart).outcome.value == "no-criteria-apply"
