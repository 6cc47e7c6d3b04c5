"""Status codes with OperationOutcome bodies: 400, 404, 405, 413, 412 (data), 503 (audit trail), 500 (unexpected)."""

from __future__ import annotations

import pytest

from cds_service.store import journal
from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for
from tests.store.test_journal import FaultyOs, no_space

SELECT = "/cds-services/cspine-auc-select"


def outcome(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["diagnostics"]
    return body["issue"][0]["diagnostics"]


def test_malformed_json_is_400(client):
    message = outcome(client.post(SELECT, data="{not json", content_type="application/json"), 400)
    assert "JSON" in message


def test_empty_body_is_400(client):
    assert "empty" in outcome(client.post(SELECT, data=b"", content_type="application/json"), 400)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b.pop("hook"), "hook"),
        (lambda b: b.pop("hookInstance"), "hookInstance"),
        (lambda b: b.pop("context"), "context"),
        (lambda b: b["context"].pop("patientId"), "patientId"),
        (lambda b: b["context"].pop("draftOrders"), "draftOrders"),
        (lambda b: b["context"].pop("selections"), "selections"),
        (lambda b: b.update(hookInstance=42), "hookInstance"),
        (lambda b: b["context"].update(draftOrders=[]), "draftOrders"),
        (lambda b: b.update(fhirAuthorization={"access_token": "x", "token_type": "Bearer"}), "fhirServer"),
        (lambda b: b["context"].update(selections=["ServiceRequest/nowhere"]), "nowhere"),
        (lambda b: b.update(hook="order-sign"), "order-select"),
        (lambda b: b["context"]["draftOrders"]["entry"][0]["resource"].update(status=7), "ServiceRequest/order-1"),
    ],
)
def test_invalid_requests_are_400_with_a_precise_message(client, mutate, expected):
    body = hook_body([order_json("72125")])
    mutate(body)
    assert expected in outcome(client.post(SELECT, json=body), 400)


def test_json_array_body_is_400(client):
    assert outcome(client.post(SELECT, json=[1, 2]), 400)


def test_unknown_service_is_404(client):
    assert "nope" in outcome(client.post("/cds-services/nope", json=hook_body([order_json()])), 404)
    assert outcome(client.post("/cds-services/nope/feedback", json={"feedback": []}), 404)


def test_unknown_path_is_404(client):
    assert "/cds-services" in outcome(client.get("/nothing-here"), 404)


def test_wrong_method_is_405(client):
    response = client.get(SELECT)
    outcome(response, 405)
    assert "POST" in response.headers["Allow"]
    outcome(client.delete("/cds-services"), 405)


def test_oversized_body_is_413(settings, knowledge):
    from dataclasses import replace

    from cds_service.api import create_app

    app = create_app(replace(settings, max_request_bytes=1000), knowledge=knowledge)
    big = hook_body([order_json("72125", text="x" * 5000)])
    assert "larger" in outcome(app.test_client().post(SELECT, json=big), 413)


def test_unexpected_error_is_500_operation_outcome(client, app, monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app.extensions["cds_service"].hooks, "handle", boom)
    message = outcome(client.post(SELECT, json=hook_body([order_json()])), 500)
    assert "secret detail" not in message


@pytest.mark.parametrize("fault", ["write", "fdatasync"])
def test_a_call_whose_record_cannot_be_made_durable_gets_503_and_no_rating(client, store, monkeypatch, fault):
    monkeypatch.setattr(journal, "os", FaultyOs(**{fault: no_space}))
    body = hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))
    response = client.post(SELECT, json=body)
    assert "cannot record" in outcome(response, 503)
    assert "cards" not in response.json and "systemActions" not in response.json
    monkeypatch.undo()
    assert client.post(SELECT, json=body).status_code == 200  # once the disk has room again
