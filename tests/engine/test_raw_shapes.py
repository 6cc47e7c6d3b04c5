"""The chart reader's checks on raw resources before any validation: a CodeableConcept's shape, and whose a
resource is (its subject or patient Reference, in every form an EHR writes it)."""

from __future__ import annotations

from typing import Any

import pytest

from cds_service.engine.chart import Unreadable, codings
from cds_service.knowledge.model import Context
from tests.builders import condition, device, order, patient
from tests.conftest import TODAY

PATIENT = "pat-1"


# -- codings: the shape of a CodeableConcept ---------------------------------------------------------------
@pytest.mark.parametrize(
    "element",
    [
        {"coding": [{"system": "http://snomed.info/sct", "code": "279039007", "display": "Low back pain"}]},
        {"text": "Neck pain", "coding": [{"code": "x"}, {"system": "s", "display": "d"}]},
        {"coding": [{"system": None, "code": "x", "display": None}]},  # nulls are absent values
        {"coding": []},
    ],
)
def test_the_codings_of_a_wellformed_concept_are_its_coding_list(element):
    assert codings(element) is element["coding"]


@pytest.mark.parametrize("element", [None, {}, {"text": "Neck pain"}])
def test_a_concept_without_codings_has_none(element):
    assert codings(element) == []


@pytest.mark.parametrize(
    ("element", "message"),
    [
        (["not", "an", "object"], "a CodeableConcept is not an object"),
        ({"text": 12}, "a CodeableConcept's text is not a string"),
        ({"coding": {"code": "x"}}, "coding is not a list of objects"),
        ({"coding": [{"code": "x"}, "M54.2"]}, "coding is not a list of objects"),
        # an object with a wrong value before a non-object: the list's shape is reported, as before the loop
        ({"coding": [{"code": 5}, None]}, "coding is not a list of objects"),
        ({"coding": [{"code": "x"}, {"system": ["http://loinc.org"]}]}, "a coding's system is not a string"),
        ({"coding": [{"code": 722}]}, "a coding's code is not a string"),
        ({"coding": [{"code": "x", "display": {"text": "neck"}}]}, "a coding's display is not a string"),
        ({"coding": [{"system": 1, "code": 2}]}, "a coding's system is not a string"),  # the first element first
    ],
)
def test_a_malformed_concept_is_unreadable_and_says_why(element, message):
    with pytest.raises(Unreadable) as raised:
        codings(element)
    assert str(raised.value) == message


def test_a_malformed_coding_in_a_condition_makes_the_chart_unreadable(engine):
    bad = condition("M54.2") | {"code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": 542}]}}
    chart = engine.read_chart([patient(), bad], [], TODAY, patient_id=PATIENT)
    assert any("a coding's code is not a string" in p for p in chart.problems)


# -- whose a resource is -------------------------------------------------------------------------------
def _read(engine: Any, subject: Any) -> Any:
    resource = condition("S13.4XXA", onset="2026-11-19", cid="c-1") | {"subject": subject}
    return engine.read_chart([patient(), resource], [], TODAY, patient_id=PATIENT)


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": f"Patient/{PATIENT}"},
        {"reference": f"https://ehr.example.org/fhir/Patient/{PATIENT}"},
        {"reference": f"Patient/{PATIENT}/_history/3"},
        {"reference": f"Patient/{PATIENT}/"},
        {"reference": f"Patient/{PATIENT}", "display": "the patient"},
    ],
)
def test_a_resource_of_the_hooks_patient_is_read(engine, subject):
    chart = _read(engine, subject)
    assert [(c.resource.id, c.context) for c in chart.conditions] == [("c-1", Context.AFFIRMED)]
    assert chart.ignored == []


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": "urn:uuid:5f0c1a9e-8a43-4f0e-9d1b-6c2f3a1b7e20"},
        {"identifier": {"system": "urn:mrn", "value": "123"}},  # no reference string
        {"display": "Jane Doe"},
        {"reference": "Group/pat-1"},
        {"reference": "#patient"},
        None,
    ],
)
def test_a_resource_whose_subject_names_no_patient_is_read_with_an_unknown_status(engine, subject):
    """It may hold a red flag (kept, so it can block) or be someone else's (so it never leads to a warning)."""
    chart = _read(engine, subject)
    assert [(c.resource.id, c.context) for c in chart.conditions] == [("c-1", Context.UNKNOWN)]
    assert chart.ignored == ["Condition/c-1 names no readable Patient as its subject: read as uncertain"]


@pytest.mark.parametrize("subject", [{"reference": "Group/pat-1"}, {"display": "Jane Doe"}, None])
def test_a_neck_pain_whose_owner_cannot_be_told_does_not_warn(engine, subject):
    neck = condition("M54.2", onset="2026-11-10", cid="c-2") | {"subject": subject}
    if subject is None:
        del neck["subject"]
    control = condition("M54.2", onset="2026-11-10", cid="c-2")
    rated = [
        engine.evaluate([order("72141", "cpt")], [patient(), c], TODAY, patient_id=PATIENT) for c in (neck, control)
    ]
    assert [decision.outcome.pama_rating for (decision,) in rated] == [None, "not-appropriate"]


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/someone-else",
        f"Patient/{PATIENT}-2",  # a longer id that begins with the patient's
        "https://ehr.example.org/fhir/Patient/someone-else/_history/1",
    ],
)
def test_a_resource_of_another_patient_is_ignored_and_reported(engine, reference):
    chart = _read(engine, {"reference": reference})
    assert chart.conditions == []
    assert chart.ignored == ["Condition/c-1 belongs to another patient; not used"]


def test_a_device_belongs_by_its_patient_element(engine):
    own = device("pacemaker") | {"patient": {"reference": f"Patient/{PATIENT}"}, "id": "d-1"}
    other = device("pacemaker") | {"patient": {"reference": "Patient/someone-else"}, "id": "d-2"}
    chart = engine.read_chart([patient(), own, other], [], TODAY, patient_id=PATIENT)
    assert [e.resource.id for e in chart.allergies_and_devices] == ["d-1"]
    assert chart.ignored == ["Device/d-2 belongs to another patient; not used"]


@pytest.mark.parametrize(
    ("patient_id", "reference"),
    [  # ids with a "/" (not valid FHIR ids, but the reader takes any string): read as before, by their last part
        ("x/_history/1", "Patient/x/_history/1"),
        ("a/Patient/b", "Patient/a/Patient/b"),
        ("x/", "Patient/x/"),
    ],
)
def test_a_patient_id_with_a_slash_is_not_taken_as_the_subjects(engine, patient_id, reference):
    resource = condition("S13.4XXA", onset="2026-11-19", cid="c-1") | {"subject": {"reference": reference}}
    chart = engine.read_chart([resource], [], TODAY, patient_id=patient_id)
    assert chart.conditions == []
    assert chart.ignored == ["Condition/c-1 belongs to another patient; not used"]


@pytest.mark.parametrize("subject", [{"reference": 42}, "Patient/pat-1", ["Patient/pat-1"]])
def test_a_subject_that_cannot_be_read_is_never_called_another_patients(engine, subject):
    chart = _read(engine, subject)
    assert not any("another patient" in note for note in chart.ignored)
    assert chart.conditions == []
    assert chart.problems == ["Condition/c-1 cannot be read (not valid FHIR R4, 1 problem(s))"]
