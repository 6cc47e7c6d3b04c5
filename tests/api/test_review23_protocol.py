"""Review 23c (the protocol): a draft order for another subject is refused; a schema error about fhirAuthorization
never quotes what was sent (an access token may be in it)."""

from __future__ import annotations

import pytest

from tests.api.test_hostile_input import FHIR, SELECT, SIGN, chart, outcome
from tests.builders import order_json
from tests.hook_requests import hook_body, prefetch_for


@pytest.mark.parametrize(
    "reference", ["Patient/someone-else", "Patient/PAT-1", "Group/pat-1", "https://ehr.example.org/fhir/Group/g-1/"]
)
@pytest.mark.parametrize("path", [SELECT, SIGN])
def test_a_draft_order_whose_subject_names_another_patient_or_no_patient_is_a_400(client, reference, path):
    order = order_json("72141") | {"subject": {"reference": reference}}
    hook = "order-select" if path == SELECT else "order-sign"
    message = outcome(client.post(path, json=hook_body([order], hook=hook, prefetch=prefetch_for(chart()))), 400)
    assert "ServiceRequest/order-1" in message and "context.patientId" in message


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": "Patient/pat-1"},
        {"reference": "https://ehr.example.org/fhir/Patient/pat-1/_history/2"},
        {"reference": "urn:uuid:0b7c8f2e-52a4-4f5e-9a51-2f7d6c1e4a10"},
        {"display": "the patient"},
        {"identifier": {"system": "urn:mrn", "value": "123"}},
        {"reference": "Patient/pat-1 "},  # (review 24: written loosely, still the hook patient)
        {"reference": "patient/pat-1"},
        {"reference": "Patient/"},
    ],
)
def test_a_draft_order_of_the_hooks_patient_or_naming_no_other_is_rated(client, subject):
    order = order_json("72141") | {"subject": subject}
    response = client.post(SELECT, json=hook_body([order], prefetch=prefetch_for(chart())))
    assert response.status_code == 200
    assert [card["indicator"] for card in response.get_json()["cards"]] == ["warning"]


@pytest.mark.parametrize(
    "authorization",
    [
        ["SECRET-TOKEN-123"],
        "SECRET-TOKEN-123",
        {"access_token": "SECRET-TOKEN-123"},  # token_type, expires_in, scope, subject missing
        {
            "access_token": "SECRET-TOKEN-123",
            "token_type": "Bearer",
            "expires_in": "soon",
            "scope": "x",
            "subject": "y",
        },
    ],
)
def test_a_schema_error_in_fhir_authorization_does_not_quote_the_token(client, authorization):
    body = hook_body([order_json("72141")], fhir_server=FHIR) | {"fhirAuthorization": authorization}
    message = outcome(client.post(SELECT, json=body), 400)
    assert "fhirAuthorization" in message and "SECRET-TOKEN-123" not in message


# -- a prefetch Bundle that says it is incomplete ----------------------------------------------------------------
def _outcome(severity: str) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": "exception"}]}


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["entry"].append({"resource": _outcome("error"), "search": {"mode": "outcome"}}),
        lambda b: b["entry"].append({"resource": _outcome("fatal")}),
        lambda b: b.update(link={"relation": "next", "url": f"{FHIR}/Condition?page=2"}),  # not a list
        lambda b: b.update(link=[{"relation": "next"}]),
        lambda b: b.update(link=[{"relation": "next", "url": " "}]),
        lambda b: b.update(total=50),  # 50 matches, one here, no next page
        lambda b: b["entry"].append({"resource": {"resourceType": "Bundle", "type": "searchset", "entry": []}}),
    ],
)
def test_a_prefetch_bundle_that_says_it_is_incomplete_is_not_read_as_complete(client, change):
    prefetch = prefetch_for(chart())
    change(prefetch["conditions"])
    response = client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch))
    assert response.status_code == 412
    assert response.get_json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["entry"].append({"resource": _outcome("information"), "search": {"mode": "outcome"}}),
        lambda b: b.update(total=1),
        lambda b: b.update(link=[{"relation": "self", "url": f"{FHIR}/Condition?patient=pat-1"}]),
    ],
)
def test_control_a_complete_prefetch_bundle_with_messages_or_links_is_read(client, change):
    prefetch = prefetch_for(chart())
    change(prefetch["conditions"])
    response = client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch))
    assert response.status_code == 200
    assert [card["indicator"] for card in response.get_json()["cards"]] == ["warning"]


def test_a_next_link_written_in_capitals_is_followed(client):
    prefetch = prefetch_for(chart())
    prefetch["conditions"]["link"] = [{"relation": "NEXT", "url": f"{FHIR}/Condition?page=2"}]
    response = client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch))
    assert response.status_code == 412  # no fhirServer to fetch the next page from: not read as the whole list


@pytest.mark.parametrize("status", ["revoked", "entered-in-error", "completed"])
@pytest.mark.parametrize("path", [SELECT, SIGN])
def test_a_draft_that_is_not_being_placed_gets_no_card(client, status, path):
    hook = "order-select" if path == SELECT else "order-sign"
    order = order_json("72141") | {"status": status}
    response = client.post(path, json=hook_body([order], hook=hook, prefetch=prefetch_for(chart())))
    assert response.status_code == 200 and response.get_json()["cards"] == []


def test_control_a_draft_being_placed_gets_its_warning(client):
    response = client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch_for(chart())))
    assert [card["indicator"] for card in response.get_json()["cards"]] == ["warning"]
