"""Prefetch present / absent / null / OperationOutcome, FHIR server fetching, paging, failures -> 412.

Redirects and oversized answers: tests/security/test_outbound.py."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests
import responses

from cds_service.api import create_app
from cds_service.config import Settings
from tests.builders import condition, observation, order_json, patient
from tests.conftest import TODAY
from tests.fhir_stubs import FHIR, READS, data_calls, serve_chart
from tests.hook_requests import hook_body, prefetch_for, searchset
from tests.slow_clients import dripping_server

SELECT = "/cds-services/cspine-auc-select"
TOKEN = "secret-token-123"


def chart():
    return [patient(), condition("M54.2", onset="2026-11-10")]


def warning(response):
    return [c for c in response.json["cards"] if c["indicator"] == "warning"]


@responses.activate
def test_absent_prefetch_is_fetched_from_the_fhir_server_with_the_token(client):
    serve_chart(responses, chart(), token=TOKEN)
    response = client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR, token=TOKEN))
    assert response.status_code == 200 and warning(response)
    assert len(data_calls(responses.calls)) == READS  # the server takes no batches: a GET per key
    assert all(call.request.headers["Authorization"] == f"Bearer {TOKEN}" for call in responses.calls)


@responses.activate
def test_without_fhir_authorization_no_authorization_header_is_sent(client):
    serve_chart(responses, chart())
    client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR))
    assert all("Authorization" not in call.request.headers for call in responses.calls)


@responses.activate
def test_observation_search_is_narrow(client):
    serve_chart(responses, chart())
    client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR))
    url = next(c.request.url for c in responses.calls if "/Observation?" in c.request.url)
    assert "patient=pat-1" in url and "8310-5" in url and "date=ge2026-08-23" in url


@responses.activate
def test_partial_prefetch_fetches_only_the_missing_keys(client):
    serve_chart(responses, chart())
    prefetch = prefetch_for(chart())
    del prefetch["conditions"], prefetch["devices"]
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch, fhir_server=FHIR))
    assert warning(response)
    fetched = sorted(c.request.url.split("/r4/")[1].split("?")[0] for c in data_calls(responses.calls))
    assert fetched == ["Condition", "Device"]


@responses.activate
def test_complete_prefetch_makes_no_fhir_call(client):
    response = client.post(
        SELECT, json=hook_body([order_json("72125")], prefetch=prefetch_for(chart()), fhir_server=FHIR)
    )
    assert warning(response) and len(responses.calls) == 0


def test_null_prefetch_means_no_data(client):
    prefetch = prefetch_for(chart())
    prefetch["observations"] = None
    assert warning(client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch)))


@responses.activate
def test_operation_outcome_prefetch_is_fetched_again(client):
    serve_chart(responses, [*chart(), observation("8310-5", 39.2, "Cel")])
    prefetch = prefetch_for(chart())
    prefetch["observations"] = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch, fhir_server=FHIR))
    assert response.status_code == 200
    assert warning(response) == []  # the fever fetched again is a red flag: no warning


def test_operation_outcome_prefetch_without_fhir_server_is_412(client):
    prefetch = prefetch_for(chart())
    prefetch["observations"] = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch))
    assert response.status_code == 412
    assert response.json["resourceType"] == "OperationOutcome"
    assert "observations" in response.json["issue"][0]["diagnostics"]


def test_absent_prefetch_without_fhir_server_is_412(client):
    response = client.post(SELECT, json=hook_body([order_json("72125")]))
    assert response.status_code == 412
    assert "fhirServer" in response.json["issue"][0]["diagnostics"]


@responses.activate
def test_paging_beyond_the_first_page(client):
    many = [observation("8310-5", 36.8, "Cel") for _ in range(9)] + [observation("8310-5", 39.0, "Cel")]
    serve_chart(responses, chart() + many, page_size=3)
    response = client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR))
    assert response.status_code == 200
    assert warning(response) == []  # the fever is on the last page
    assert sum("Observation-page" in c.request.url for c in responses.calls) == 3


@responses.activate
def test_prefetch_bundle_with_next_link_is_completed_from_the_server(client):
    fever = observation("8310-5", 39.0, "Cel")
    responses.get(f"{FHIR}/Observation-page?n=1", json=searchset([fever]))
    prefetch = prefetch_for(chart())
    prefetch["observations"] = searchset([], next_url=f"{FHIR}/Observation-page?n=1")
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch, fhir_server=FHIR))
    assert response.status_code == 200 and warning(response) == []


@responses.activate
def test_next_link_to_another_host_is_not_followed(client):
    prefetch = prefetch_for(chart())
    prefetch["observations"] = searchset([], next_url="https://evil.example.com/steal")
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch, fhir_server=FHIR))
    assert response.status_code == 412
    assert len(responses.calls) == 0


@responses.activate
def test_too_many_pages_is_412_not_a_partial_decision(client, settings, knowledge):
    from dataclasses import replace

    from cds_service.api import create_app

    app = create_app(replace(settings, fhir_max_pages=2), knowledge=knowledge)
    many = [observation("8310-5", 36.8, "Cel") for _ in range(9)]
    serve_chart(responses, chart() + many, page_size=3)
    response = app.test_client().post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR))
    assert response.status_code == 412


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.exceptions.ConnectTimeout("timed out")},
        {"body": requests.exceptions.ReadTimeout("timed out")},
        {"status": 500, "json": {"resourceType": "OperationOutcome"}},
        {"status": 503, "body": "Service Unavailable"},
        {"status": 401, "json": {}},
        {"status": 200, "body": "<html>not json</html>"},
        {"status": 200, "json": {"resourceType": "Patient"}},
    ],
)
@responses.activate
def test_fhir_server_failures_are_412_without_warning(client, failure):
    serve_chart(responses, [patient()])
    responses.replace(responses.GET, re.compile(rf"{re.escape(FHIR)}/Condition\?.*"), **failure)
    response = client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR))
    assert response.status_code == 412
    assert response.json["resourceType"] == "OperationOutcome"
    assert response.json["issue"][0]["code"] == "incomplete"


@responses.activate
def test_missing_patient_is_412(client):
    serve_chart(responses, chart())
    responses.replace(responses.GET, f"{FHIR}/Patient/pat-1", status=404, json={})
    assert client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR)).status_code == 412


@responses.activate
def test_access_token_is_not_in_the_412_message(client):
    serve_chart(responses, [patient()])
    responses.replace(responses.GET, re.compile(rf"{re.escape(FHIR)}/Condition\?.*"), status=500)
    response = client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR, token=TOKEN))
    assert TOKEN not in response.get_data(as_text=True)


def chart_answers(path: str) -> bytes:
    """A chart that warns for CT with contrast (radiculopathy), as FHIR answers."""
    if "/Patient/" in path:
        return json.dumps(patient()).encode()
    found = [condition("M54.12")] if "/Condition" in path else []
    return json.dumps(searchset(found)).encode()


def test_an_answer_dripped_past_the_budget_is_a_412_not_a_card(tmp_path, knowledge):
    """Each byte arrives well within the per-read timeout; only the whole answer's deadline stops it."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/audit.sqlite3", fhir_timeout_seconds=2.0, fhir_budget_seconds=1.0
    )
    client = create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()
    with dripping_server(chart_answers, interval=0.02) as server:  # ~3 s per answer
        started = time.monotonic()
        response = client.post(SELECT, json=hook_body([order_json("72126")], fhir_server=f"{server}/fhir"))
        elapsed = time.monotonic() - started
    assert response.status_code == 412, response.json
    assert response.json["resourceType"] == "OperationOutcome" and "cards" not in response.json
    assert elapsed < 1.5


def test_the_same_answers_sent_at_once_give_the_warning(tmp_path, knowledge):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/audit.sqlite3", fhir_budget_seconds=5.0)
    client = create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()
    with dripping_server(chart_answers, interval=0) as server:
        response = client.post(SELECT, json=hook_body([order_json("72126")], fhir_server=f"{server}/fhir"))
    assert response.status_code == 200 and warning(response)
