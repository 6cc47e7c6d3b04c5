"""Medicines through HTTP: their prefetch keys, fetched with the Medication they name, another patient's ignored."""

from __future__ import annotations

import responses

from tests.builders import condition, medicine, order_json, patient
from tests.fhir_stubs import FHIR, data_calls, serve_chart
from tests.hook_requests import hook_body, prefetch_for

SELECT = "/cds-services/cspine-auc-select"


def chart(*extra):
    return [patient(), condition("M54.2", onset="2026-11-10"), *extra]


def indicators(response):
    assert response.status_code == 200, response.json
    return [c["indicator"] for c in response.json["cards"]]


def test_an_anticoagulant_in_the_prefetch_stops_the_warning(client):
    assert "warning" in indicators(
        client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch_for(chart())))
    )
    body = hook_body([order_json("72125")], prefetch=prefetch_for(chart(medicine("Eliquis 5 mg tablet"))))
    assert "warning" not in indicators(client.post(SELECT, json=body))


def test_a_statement_in_a_prefetch_bundle_is_read(client):
    taken = medicine("warfarin 5 mg", kind="MedicationStatement")
    body = hook_body([order_json("72125")], prefetch=prefetch_for(chart(taken)))
    assert "warning" not in indicators(client.post(SELECT, json=body))


@responses.activate
def test_medicines_are_fetched_with_the_medication_they_name(client):
    named = {"resourceType": "Medication", "id": "med-9", "code": {"text": "apixaban 5 mg"}}
    serve_chart(responses, chart(medicine(medicationReference={"reference": "Medication/med-9"}), named))
    response = client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR))
    assert "warning" not in indicators(response)
    urls = [c.request.url for c in data_calls(responses.calls)]
    (search,) = [u for u in urls if "/MedicationRequest?" in u]
    assert "patient=pat-1" in search
    assert "_include=MedicationRequest:medication" in search.replace("%3A", ":")
    assert not any("/MedicationStatement" in u for u in urls)  # US Core servers may not have them


@responses.activate
def test_a_prefetch_from_before_the_medicine_keys_fetches_only_them(client):
    serve_chart(responses, chart(medicine("warfarin 5 mg")))
    prefetch = prefetch_for(chart())
    del prefetch["medicationRequests"]
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch, fhir_server=FHIR))
    assert "warning" not in indicators(response)
    fetched = sorted(c.request.url.split("/r4/")[1].split("?")[0] for c in data_calls(responses.calls))
    assert fetched == ["MedicationRequest"]


def test_without_the_medicine_keys_or_a_fhir_server_there_is_no_decision(client):
    prefetch = prefetch_for(chart())
    del prefetch["medicationRequests"]
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch))
    assert response.status_code == 412
    assert "medicationRequests" in response.json["issue"][0]["diagnostics"]


def test_another_patients_medicine_is_ignored_and_said(client):
    theirs = medicine("warfarin 5 mg", subject={"reference": "Patient/someone-else"})
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch_for(chart(theirs))))
    assert "warning" in indicators(response)
    detail = next(c["detail"] for c in response.json["cards"] if c["indicator"] == "warning")
    assert f"MedicationRequest/{theirs['id']}" in detail
