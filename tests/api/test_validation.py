"""The compiled schema validator (fast path) agrees with the reference implementation (jsonschema)."""

from __future__ import annotations

import json
from typing import Any

import fastjsonschema
import pytest
from hypothesis import given

from cds_service.cdshooks.validation import compiled_validator, reference_validator, schema_problem
from tests.security.test_fuzz import feedback_bodies, fuzz_settings, mutated_bodies, valid_body


def compiled_accepts(document: Any, schema: str) -> bool:
    try:
        compiled_validator(schema)(document)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def agree(document: Any, schema: str) -> None:
    document = json.loads(json.dumps(document))  # what a client can send
    assert compiled_accepts(document, schema) == reference_validator(schema).is_valid(document), document


@fuzz_settings(1500)
@given(body=mutated_bodies())
def test_validators_agree_on_hook_requests(body):
    agree(body, "hook-request.schema.json")


@fuzz_settings(800)
@given(body=feedback_bodies())
def test_validators_agree_on_feedback(body):
    agree(body, "feedback.schema.json")


def test_a_refused_body_gets_the_reference_message():
    body = valid_body()
    del body["context"]["patientId"]
    assert not compiled_accepts(body, "hook-request.schema.json")
    assert schema_problem(body, "hook-request.schema.json") == "context: 'patientId' is a required property"


@pytest.mark.parametrize(
    ("patient_id", "valid"),
    [("..", False), (".", False), ("...", False), ("a/b", False), ("x" * 65, False), ("pat-1.2", True), ("A9", True)],
)
def test_patient_id_must_be_a_fhir_id_and_not_only_dots(patient_id, valid):
    """`..` used to pass, and the Patient read then went to the FHIR server's base URL."""
    body = valid_body()
    body["context"]["patientId"] = patient_id
    assert (schema_problem(body, "hook-request.schema.json") is None) == valid
    agree(body, "hook-request.schema.json")
