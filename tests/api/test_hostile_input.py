"""Hostile values in a hook call or feedback (review 18b): each gets a 400 OperationOutcome, never a 500, and
never a 503 "try again" for a value the audit database can never store.

D1: a primitive extension (`_x`) given as a JSON-text string; D3: an access token an HTTP header cannot carry;
D7: NUL characters and ids longer than their audit column.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cds_service.fhir.batch import BatchSupport
from cds_service.fhir.client import Deadline, FhirClient, FhirUnavailable
from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for, searchset

SELECT = "/cds-services/cspine-auc-select"
SIGN = "/cds-services/cspine-auc-sign"
FEEDBACK = f"{SELECT}/feedback"
FHIR = "https://fhir.example.org/r4"  # allowed in tests/api/conftest.py


def chart():
    return [patient(), condition("M54.2", onset="2026-11-10")]


def outcome(response, status: int) -> str:
    """The diagnostics of a one-issue error OperationOutcome answered with `status`."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    (issue,) = body["issue"]
    assert issue["severity"] == "error" and issue["code"] == "invalid"
    return issue["diagnostics"]


# D1 -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["5", "null", "[1]", "true", '"s"', "1e400"])
def test_a_primitive_extension_given_as_json_text_is_a_400(client, text):
    order = order_json("72125")
    order["_status"] = text
    response = client.post(SELECT, json=hook_body([order], prefetch=prefetch_for(chart())))
    message = outcome(response, 400)
    assert "ServiceRequest/order-1 is not valid FHIR R4" in message and "_status" in message


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_a_nested_primitive_extension_given_as_json_text_is_a_400_naming_where_and_an_object_is_read(client, hook):
    path = SELECT if hook == "order-select" else SIGN
    order = order_json("72125")
    order["code"]["coding"][0]["_system"] = "5"
    assert "code.coding[0]._system" in outcome(client.post(path, json=hook_body([order], hook=hook)), 400)
    order["code"]["coding"][0]["_system"] = {"extension": [{"url": "http://example.org/x", "valueString": "y"}]}
    response = client.post(path, json=hook_body([order], hook=hook, prefetch=prefetch_for(chart())))
    assert response.status_code == 200 and response.get_json()["cards"]


# D3 -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["abc\u20ac", "abc def", "abc\u00e9", "tab\there"])
def test_an_access_token_an_http_header_cannot_carry_is_a_400_that_does_not_quote_it(client, token):
    body = hook_body([order_json("72125")], fhir_server=FHIR, token=token)
    message = outcome(client.post(SELECT, json=body), 400)
    assert "access_token" in message and token not in message


@pytest.fixture
def fhir_server() -> Iterator[str]:
    """A real HTTP FHIR server (the header is encoded by http.client, which `responses` never reaches)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(patient() if "/Patient/" in self.path else searchset([])).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/r4"
    finally:
        server.shutdown()
        server.server_close()


def test_a_token_that_cannot_be_encoded_in_the_header_is_fhir_unavailable_without_the_token(app, fhir_server):
    """The outbound call's own guard (behind the 400 above): a header-encoding error is an unusable exchange."""
    client = FhirClient(
        app.extensions["cds_service"].hooks.session, fhir_server, "abc\u20ac", timeout=2, max_bytes=10**6, max_pages=5
    )
    with pytest.raises(FhirUnavailable) as caught:
        client.read("Patient/pat-1", Deadline.after(5))
    assert "\u20ac" not in str(caught.value)
    assert BatchSupport().supported(client, Deadline.after(5)) is False  # the capability check: no batches, no crash


# D7 -------------------------------------------------------------------------------------------------------------


def test_a_nul_in_user_id_is_a_400(client):
    body = hook_body([order_json("72125")], prefetch=prefetch_for(chart()))
    body["context"]["userId"] = "Practitioner/a\u0000b"
    assert "context/userId" in outcome(client.post(SELECT, json=body), 400)


def test_a_nul_in_hook_instance_is_a_400(client):
    body = hook_body([order_json("72125")], prefetch=prefetch_for(chart()))
    body["hookInstance"] = "x\u0000"
    assert "hookInstance" in outcome(client.post(SELECT, json=body), 400)


@pytest.mark.parametrize("length", [201, 255])
def test_a_draft_order_id_longer_than_its_audit_column_is_a_400_on_order_sign_and_200_is_answered(client, length):
    body = hook_body([order_json("72125", oid="a" * length)], hook="order-sign", prefetch=prefetch_for(chart()))
    assert "context/draftOrders/entry/0/resource/id" in outcome(client.post(SIGN, json=body), 400)
    body = hook_body([order_json("72125", oid="a" * 200)], hook="order-sign", prefetch=prefetch_for(chart()))
    assert client.post(SIGN, json=body).status_code == 200


def feedback(**item):
    base = {"card": "card-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z"}
    base["overrideReason"] = {"reason": {"code": "x", "system": "urn:y"}}
    base.update(item)
    return {"feedback": [base]}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (feedback(card="c\u0000"), "feedback/0/card"),
        (feedback(outcomeTimestamp="2026-11-21T10:00:00Z\u0000"), "feedback/0/outcomeTimestamp"),
        (feedback(overrideReason={"reason": {"code": "x\u0000", "system": "urn:y"}}), "feedback/0/overrideReason"),
        (feedback(overrideReason={"reason": {"code": "x", "system": "urn:\u0000"}}), "feedback/0/overrideReason"),
    ],
)
def test_a_nul_in_a_stored_feedback_value_is_a_400(client, store, body, where):
    assert where in outcome(client.post(FEEDBACK, json=body), 400)
    assert store.feedback_for(body["feedback"][0]["card"]) == []


# D6 -------------------------------------------------------------------------------------------------------------


def _warning(response) -> bool:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return any(card["indicator"] == "warning" for card in response.get_json()["cards"])


def test_a_prefetch_entry_without_its_resource_is_unreadable_data_not_left_out(client):
    # (the entry carrying a red flag was skipped: a CT warned for acute neck pain, V1)
    prefetch = prefetch_for(chart())
    prefetch["conditions"]["entry"].append({"fullUrl": f"{FHIR}/Condition/red-flag", "search": {"mode": "match"}})
    assert not _warning(client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch)))


def test_control_the_same_prefetch_without_that_entry_warns(client):
    assert _warning(client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch_for(chart()))))


# Review 20a: elements given as JSON text, a URL urllib3 refuses, data nested too deeply -----------------------------


@pytest.mark.parametrize("element", ["code", "note", "reasonCode"])
def test_a_draft_order_element_given_as_json_text_is_a_400(client, element):
    draft = order_json("72125", text=None) | {"note": [{"text": "metastatic cancer"}], "reasonCode": [{"text": "x"}]}
    draft[element] = json.dumps(draft[element])
    diagnostics = outcome(client.post(SELECT, json=hook_body([draft], prefetch=prefetch_for(chart()))), 400)
    assert f"{element}: an element given as JSON text" in diagnostics


def test_another_patient_s_condition_whose_subject_is_json_text_is_never_counted(client):
    # (fhir.resources read the text as the subject while the patient check saw a string: a warning from Patient/other)
    other = condition("M54.2", onset="2026-11-10") | {"subject": json.dumps({"reference": "Patient/other"})}
    prefetch = prefetch_for([patient(), other])
    assert not _warning(client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch)))


def test_a_fhir_server_url_urllib3_refuses_is_a_412(client):
    body = hook_body([order_json("72125")], fhir_server="http://[::1%25" + "a" * 63 + "]:1/r4", token="abc")
    response = client.post(SELECT, json=body)
    assert response.status_code == 412 and response.get_json()["resourceType"] == "OperationOutcome"


def test_a_prefetch_resource_nested_too_deeply_is_unreadable_not_the_request_s_fault(client):
    body = hook_body([order_json("72125")], prefetch=prefetch_for(chart()))
    body["prefetch"]["conditions"]["entry"][0]["resource"]["note"] = "__DEEP__"
    raw = json.dumps(body).replace('"__DEEP__"', "[" * 990 + "1" + "]" * 990)
    response = client.post(SELECT, data=raw, content_type="application/json")
    assert response.status_code == 200 and not _warning(response)
