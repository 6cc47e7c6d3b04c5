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
