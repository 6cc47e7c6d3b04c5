"""No secrets or PHI in logs: a planted access token, JWT and patient name never appear, whatever happens."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import responses

from cds_service.logs import JsonFormatter
from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for, searchset
from tests.security.conftest import BASE, ISS
from tests.security.keys import claims

SELECT = "/cds-services/cspine-auc-select"
TOKEN = "planted-access-token-5d41402abc4b2a76"
NAME = "Zebedee Quixworth"
FHIR = "https://fhir.ehr.test/r4"


@pytest.fixture
def log_lines():
    """Everything logged while the test runs, as the production JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lambda: stream.getvalue()
    root.removeHandler(handler)
    root.setLevel(previous)


def named_patient():
    return {**patient(), "name": [{"family": "Quixworth", "given": ["Zebedee"], "text": NAME}]}


@responses.activate
def test_no_token_jwt_or_patient_name_in_any_log_line(make_app, ec_key, log_lines, monkeypatch):
    responses.add_passthru(re.compile(r"http://127\.0\.0\.1:\d+/jwks\.json"))  # the real local JWKS endpoint
    app = make_app(auth="optional")
    client = app.test_client()
    chart = [named_patient(), condition("M54.12", note=[{"text": f"radiculopathy, seen by {NAME}"}])]
    jwt_token = ec_key.sign(claims(ISS, BASE + SELECT))

    # 1. a normal call with a JWT, an access token and the name in the prefetch
    body = hook_body([order_json("72126")], prefetch=prefetch_for(chart), fhir_server=FHIR, token=TOKEN)
    ok = client.post(SELECT, json=body, headers={"Authorization": f"Bearer {jwt_token}"})
    assert ok.status_code == 200
    # 2. the FHIR server fails (412), the token was sent to it
    responses.get(f"{FHIR}/Patient/pat-1", json=named_patient())
    responses.get(re.compile(rf"{re.escape(FHIR)}/.*\?.*"), status=500, body=f"error for {NAME} {TOKEN}")
    failed = client.post(SELECT, json=hook_body([order_json("72126")], fhir_server=FHIR, token=TOKEN))
    assert failed.status_code == 412
    # 3. a rejected JWT (replayed)
    replay = client.post(SELECT, json=body, headers={"Authorization": f"Bearer {jwt_token}"})
    assert replay.status_code == 401
    # 4. an unexpected error whose message quotes the chart
    hooks = app.extensions["cds_service"].hooks

    def explode(*_args, **_kwargs):
        raise ValueError(f"cannot read {NAME} with {TOKEN}")

    monkeypatch.setattr(hooks.engine, "read_chart", explode)
    crashed = client.post(SELECT, json=body)
    assert crashed.status_code == 500
    assert NAME not in crashed.get_data(as_text=True) and TOKEN not in crashed.get_data(as_text=True)

    logged = log_lines()
    for secret in (TOKEN, NAME, "Quixworth", jwt_token, jwt_token.split(".")[1], jwt_token.split(".")[2]):
        assert secret not in logged
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    answered = [entry for entry in lines if entry["message"] == "hook answered"]
    assert answered and {"request_id", "service", "hook", "outcomes", "total_ms"} <= set(answered[0])
    assert any(entry["message"] == "unexpected error" and entry["error"] == "ValueError" for entry in lines)
    assert any(entry["message"] == "authentication failed" and "replay" in entry["reason"] for entry in lines)


def test_request_id_is_returned_and_a_safe_one_is_kept(make_app):
    client = make_app(auth="off").test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123-def"})
    assert given.headers["X-Request-ID"] == "abc-123-def"
    unsafe = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["X-Request-ID"])


def test_security_headers(make_app):
    client = make_app(auth="off").test_client()
    for response in (client.get("/cds-services"), client.post(SELECT, data=b"{"), client.get("/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_fhir_search_bodies_are_not_logged_either(make_app, log_lines):
    client = make_app(auth="off", fhir_allowed_servers=FHIR).test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{FHIR}/Patient/pat-1", json=named_patient())
        rsps.get(
            re.compile(rf"{re.escape(FHIR)}/Condition\?.*"),
            json=searchset([condition("M54.12", note=[{"text": NAME}])]),
        )
        rsps.get(re.compile(rf"{re.escape(FHIR)}/.*\?.*"), json=searchset([]))
        response = client.post(SELECT, json=hook_body([order_json("72126")], fhir_server=FHIR, token=TOKEN))
    assert response.status_code == 200
    assert NAME not in log_lines() and TOKEN not in log_lines()
