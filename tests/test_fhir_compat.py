"""Older FHIR shapes made R4 (fhir/compat.py), and everything else passed through untouched."""

from __future__ import annotations

import pytest

from cds_service.fhir.compat import to_r4


def test_an_stu3_procedure_request_becomes_a_service_request():
    converted = to_r4({"resourceType": "ProcedureRequest", "id": "p"})
    assert converted == {"resourceType": "ServiceRequest", "id": "p", "intent": "order"}


def test_a_status_given_as_a_plain_code_becomes_an_hl7_coding():
    converted = to_r4({"resourceType": "Condition", "clinicalStatus": "active", "patient": {"reference": "Patient/1"}})
    assert converted["clinicalStatus"]["coding"][0]["code"] == "active"
    assert converted["subject"] == {"reference": "Patient/1"} and "patient" not in converted


@pytest.mark.parametrize("kind", ["Observation", "Patient", None, ["Condition"], {"a": 1}, 7])
def test_other_resources_and_unreadable_types_are_passed_through_as_they_are(kind):
    resource = {"resourceType": kind, "clinicalStatus": "active"}
    assert to_r4(resource) is resource


STU3_DRAFT = {
    "resourceType": "ProcedureRequest",
    "id": "pr-1",
    "status": "draft",
    "intent": "order",
    "subject": {"reference": "Patient/pat-1"},
    "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72126"}]},
    "requester": {"agent": {"reference": "Practitioner/dr-1"}, "onBehalfOf": {"reference": "Organization/o-1"}},
    "context": {"reference": "Encounter/e-1"},
    "performer": {"reference": "Organization/radiology"},
    "definition": [{"reference": "http://example.org/PlanDefinition/neck-imaging"}, {"display": "no reference"}],
}


def test_an_stu3_procedure_request_s_reshaped_elements_take_their_r4_shape():
    converted = to_r4(STU3_DRAFT)
    assert converted["resourceType"] == "ServiceRequest"
    assert converted["requester"] == {"reference": "Practitioner/dr-1"}
    assert converted["encounter"] == {"reference": "Encounter/e-1"} and "context" not in converted
    assert converted["performer"] == [{"reference": "Organization/radiology"}]
    assert converted["instantiatesUri"] == ["http://example.org/PlanDefinition/neck-imaging"]
    assert "definition" not in converted
    assert STU3_DRAFT["requester"]["agent"] == {"reference": "Practitioner/dr-1"}  # the draft as sent is untouched


def test_an_stu3_procedure_request_s_values_without_an_r4_place_are_left_out_of_the_copy():
    converted = to_r4(
        {**STU3_DRAFT, "context": {"reference": "EpisodeOfCare/ep-1"}, "requester": {"onBehalfOf": {"display": "x"}}}
    )
    assert "context" not in converted and "encounter" not in converted and "requester" not in converted


@pytest.mark.parametrize(("stu3", "r4"), [("suspended", "on-hold"), ("cancelled", "revoked"), ("draft", "draft")])
def test_an_stu3_procedure_request_s_renamed_statuses_are_read_as_r4_s(stu3, r4):
    assert to_r4({**STU3_DRAFT, "status": stu3})["status"] == r4


def test_an_r4_service_request_s_own_elements_are_not_touched():
    r4 = {**STU3_DRAFT, "resourceType": "ServiceRequest", "status": "cancelled"}
    assert to_r4(r4) is r4
