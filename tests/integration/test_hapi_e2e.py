"""End to end through the real HTTP path: the CDS service (granian) reads each chart from a real HAPI FHIR
server, with no prefetch, partial prefetch, paging, a bearer token, and a HAPI that hangs or is gone."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine import Engine, Outcome
from tests.chart_cases import CASES
from tests.conftest import load_chart
from tests.fhir_stubs import KINDS, READS
from tests.fixtures.large_chart import ORDER as LARGE_ORDER
from tests.fixtures.large_chart import PATIENT as LARGE_PATIENT
from tests.fixtures.large_chart import TEMPERATURES
from tests.hook_requests import hook_body
from tests.integration.conftest import E2E_SERVICE_ENV
from tests.integration.hapi import HapiServer
from tests.servers import cds_service

pytestmark = pytest.mark.integration

SELECT = "/cds-services/cspine-auc-select"
SIGN = "/cds-services/cspine-auc-sign"
PAMA = "http://fhir.org/argonaut/Extension/pama-rating"


def chart_order(name: str) -> dict[str, Any]:
    """The fixture chart's draft ServiceRequest (its subject names the patient)."""
    return next(r for r in load_chart(name) if r["resourceType"] == "ServiceRequest")


def large_chart_order(hapi: HapiServer) -> dict[str, Any]:
    return requests.get(f"{hapi.base}/ServiceRequest/{LARGE_ORDER}", timeout=10).json()


def first_temperature_page(hapi: HapiServer) -> dict[str, Any]:
    """The first page (200) of the large chart's temperatures, newest first, as HAPI returns it."""
    return requests.get(
        f"{hapi.base}/Observation",
        params={"patient": LARGE_PATIENT, "code": "http://loinc.org|8310-5", "_sort": "-date", "_count": 200},
        timeout=30,
    ).json()


def patient_of(order: dict[str, Any]) -> str:
    return order["subject"]["reference"].removeprefix("Patient/")


def call(service: str, body: dict[str, Any], path: str = SELECT) -> requests.Response:
    return requests.post(f"{service}{path}", json=body, timeout=60)


def no_prefetch_call(service: str, hapi: HapiServer, order: dict[str, Any], **kwargs: Any) -> requests.Response:
    body = hook_body([order], patient_id=patient_of(order), fhir_server=hapi.base, **kwargs)
    assert "prefetch" not in body
    return call(service, body)


def fhir_reads(hapi: HapiServer) -> list[str]:
    """The reads and searches the service made since the log was cleared, as GET URLs: each GET, and each
    entry of a batch POSTed to the base URL (the CapabilityStatement is not chart data)."""
    reads = []
    for seen in hapi.requests_seen():
        if seen["method"] == "GET" and not seen["url"].startswith(f"{hapi.path}/metadata"):
            reads.append(seen["url"])
        elif seen["method"] == "POST" and seen["url"].rstrip("/") == hapi.path:
            reads += [f"{hapi.path}/{unquote(e['request']['url'])}" for e in json.loads(seen["body"])["entry"]]
    return reads


def rating(response: dict[str, Any]) -> list[str]:
    """[pama-rating, ACR category...] of the single systemAction."""
    (action,) = response["systemActions"]
    ext = next(e for e in action["resource"]["extension"] if e["url"] == PAMA)
    return [c["code"] for c in ext["valueCodeableConcept"]["coding"]]


def recommended_procedure(card: dict[str, Any], engine: Engine) -> str:
    """The procedure id of the card's recommended suggestion, read back through the order-code mapping."""
    suggestion = next(s for s in card["suggestions"] if s.get("isRecommended"))
    (action,) = suggestion["actions"]
    match = engine.match(ServiceRequest.model_validate(action["resource"]))
    assert match is not None and not match.ambiguous
    return match.procedures[0].id


@pytest.mark.parametrize(("chart", "outcome", "variants", "categories", "recommended"), CASES)
def test_chart_without_prefetch(service, live_hapi, engine, chart, outcome, variants, categories, recommended):
    order = chart_order(chart)
    response = no_prefetch_call(service, live_hapi, order)
    assert response.status_code == 200, response.text
    body = response.json()
    assert rating(body) == [outcome.pama_rating, *categories]
    if recommended is None:
        assert body["cards"] == []
    else:
        (card,) = body["cards"]
        assert card["indicator"] == ("warning" if outcome is Outcome.NOT_APPROPRIATE else "info")
        assert recommended_procedure(card, engine) == recommended
        for number in variants:
            assert f"**ACR variant {number}:**" in card["detail"]
    # the service read the chart itself: patient, conditions, observations, procedures, allergies, devices
    reads = fhir_reads(live_hapi)
    patient = patient_of(order)
    assert f"{live_hapi.path}/Patient/{patient}" in reads
    for kind in ("Condition", "Observation", "Procedure", "AllergyIntolerance", "Device"):
        assert any(u.startswith(f"{live_hapi.path}/{kind}?") and f"patient={patient}" in u for u in reads), kind


def test_card_basis_names_the_resources_read_from_hapi(service, live_hapi):
    response = no_prefetch_call(service, live_hapi, chart_order("vignette-002-cancer-radiculopathy")).json()
    (card,) = response["cards"]
    assert "Condition/vig-cancer-breast-ca" in card["detail"]
    assert "Condition/vig-cancer-radic" in card["detail"]


def test_readme_worked_example_against_hapi(service, live_hapi):
    """The README's hook call without prefetch gives the warning the README describes."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"-d '(\{\n  \"hook\".*?)'\n```", readme, re.DOTALL)
    assert example, "the worked example is missing from the README"
    body = json.loads(example.group(1))
    assert "prefetch" not in body
    body["fhirServer"] = live_hapi.base
    response = call(service, body).json()
    (card,) = response["cards"]
    assert card["indicator"] == "warning"
    assert "variant 5" in card["summary"] and "MRI without and with contrast" in card["summary"]
    assert "Condition/vig-cancer-breast-ca" in card["detail"]


def test_the_decision_comes_from_one_batch(service, live_hapi):
    """HAPI takes batches: the chart's reads go in one POST to the base URL, none as a GET of its own."""
    response = no_prefetch_call(service, live_hapi, chart_order("vignette-002-cancer-radiculopathy"))
    (card,) = response.json()["cards"]
    assert card["indicator"] == "warning" and "Condition/vig-cancer-breast-ca" in card["detail"]
    seen = [r for r in live_hapi.requests_seen() if not r["url"].startswith(f"{live_hapi.path}/metadata")]
    assert [(r["method"], r["url"].rstrip("/")) for r in seen] == [("POST", live_hapi.path)]
    batch = json.loads(seen[0]["body"])
    assert batch["type"] == "batch" and {e["request"]["method"] for e in batch["entry"]} == {"GET"}
    assert [e["request"]["url"].split("?")[0] for e in batch["entry"]] == ["Patient/vig-cancer", *KINDS]


def test_with_batch_off_the_same_decision_comes_from_gets(tmp_path, service, live_hapi):
    order = chart_order("vignette-002-cancer-radiculopathy")
    batched = no_prefetch_call(service, live_hapi, order).json()
    live_hapi.clear_requests()
    with cds_service(tmp_path, **E2E_SERVICE_ENV, CDS_FHIR_BATCH="off") as get_service:
        read_by_gets = no_prefetch_call(get_service, live_hapi, order).json()
    assert {r["method"] for r in live_hapi.requests_seen()} == {"GET"}
    assert len(fhir_reads(live_hapi)) == READS
    assert rating(read_by_gets) == rating(batched) == ["not-appropriate", "UNA"]
    assert [c["summary"] for c in read_by_gets["cards"]] == [c["summary"] for c in batched["cards"]]


def test_order_sign_without_prefetch(service, live_hapi):
    order = chart_order("v1-acute-neck-pain")
    body = hook_body([order], hook="order-sign", patient_id=patient_of(order), fhir_server=live_hapi.base)
    response = call(service, body, SIGN).json()
    assert [c["indicator"] for c in response["cards"]] == ["warning"]


def test_partial_prefetch_fetches_only_the_absent_keys(service, live_hapi):
    order = chart_order("v4-suspected-infection")
    patient = patient_of(order)
    given = {
        "patient": requests.get(f"{live_hapi.base}/Patient/{patient}", timeout=10).json(),
        "conditions": requests.get(f"{live_hapi.base}/Condition?patient={patient}", timeout=10).json(),
    }
    live_hapi.clear_requests()
    body = hook_body([order], patient_id=patient, fhir_server=live_hapi.base, prefetch=given)
    response = call(service, body).json()
    assert rating(response) == ["not-appropriate", "UNA"]
    reads = fhir_reads(live_hapi)
    path = live_hapi.path
    assert not any(u.startswith((f"{path}/Patient", f"{path}/Condition")) for u in reads)
    assert any(u.startswith(f"{path}/Observation?") for u in reads)


def test_every_page_of_a_large_chart_is_read(service, live_hapi):
    """The only fever is the oldest of 1 000 temperatures, on the last page: a red flag, so no warning."""
    response = no_prefetch_call(service, live_hapi, large_chart_order(live_hapi))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cards"] == []
    assert rating(body) == ["no-criteria-apply"]
    pages = [r["url"] for r in live_hapi.requests_seen() if "_getpages=" in r["url"]]
    assert len(pages) >= TEMPERATURES // 200 - 1


def test_large_chart_without_the_last_page_would_warn(service, live_hapi):
    """The control for the test above: the same chart minus the fever gives the warning."""
    temperatures = first_temperature_page(live_hapi)
    order = large_chart_order(live_hapi)
    del temperatures["link"]  # only the first page: no fever in it
    prefetch = {"observations": temperatures}
    body = hook_body([order], patient_id=LARGE_PATIENT, fhir_server=live_hapi.base, prefetch=prefetch)
    response = call(service, body).json()
    assert rating(response) == ["not-appropriate", "UNA"]
    assert [c["indicator"] for c in response["cards"]] == ["warning"]


def test_prefetch_bundle_with_a_next_link_is_followed_on_the_fhir_server(service, live_hapi):
    first_page = first_temperature_page(live_hapi)
    assert any(link["relation"] == "next" for link in first_page["link"])
    order = large_chart_order(live_hapi)
    live_hapi.clear_requests()
    body = hook_body(
        [order], patient_id=LARGE_PATIENT, fhir_server=live_hapi.base, prefetch={"observations": first_page}
    )
    response = call(service, body).json()
    assert rating(response) == ["no-criteria-apply"]
    assert any("_getpages=" in r["url"] for r in live_hapi.requests_seen())


def test_bearer_token_reaches_the_fhir_server(service, live_hapi):
    token = f"test-token-{uuid.uuid4()}"
    response = no_prefetch_call(service, live_hapi, chart_order("v2-acute-radiculopathy"), token=token)
    assert response.status_code == 200
    assert len(fhir_reads(live_hapi)) >= 6
    assert {r["authorization"] for r in live_hapi.requests_seen()} == {f"Bearer {token}"}


def test_no_token_means_no_authorization_header(service, live_hapi):
    response = no_prefetch_call(service, live_hapi, chart_order("v2-acute-radiculopathy"))
    assert response.status_code == 200
    assert {r["authorization"] for r in live_hapi.requests_seen()} == {""}


def test_unknown_patient_is_412_not_a_guess(service, live_hapi):
    order = {**chart_order("v1-acute-neck-pain"), "subject": {"reference": "Patient/nobody-here"}}
    response = no_prefetch_call(service, live_hapi, order)
    assert response.status_code == 412
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "patient" in outcome["issue"][0]["diagnostics"]


def test_hanging_fhir_server_gives_412_within_the_timeout(tmp_path, live_hapi):
    order = chart_order("v1-acute-neck-pain")
    env = {**E2E_SERVICE_ENV, "CDS_FHIR_TIMEOUT_SECONDS": "1", "CDS_FHIR_BUDGET_SECONDS": "2"}
    with cds_service(tmp_path, **env) as quick_service:
        live_hapi.pause()
        try:
            response = no_prefetch_call(quick_service, live_hapi, order)
        finally:
            live_hapi.resume()
    assert response.status_code == 412
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.elapsed.total_seconds() < 5


@pytest.mark.stops_hapi
def test_stopped_fhir_server_gives_412_and_no_warning(service, hapi):
    order = chart_order("v1-acute-neck-pain")
    assert no_prefetch_call(service, hapi, order).status_code == 200
    hapi.stop()
    response = no_prefetch_call(service, hapi, order)
    assert response.status_code == 412
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and "cards" not in body
