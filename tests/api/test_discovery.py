"""GET /cds-services: two services (distinct ids), narrow prefetch templates, CORS."""

from __future__ import annotations

from tests.fhir_stubs import PREFETCH_KEYS


def test_discovery_lists_one_service_per_hook(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = response.json["services"]
    assert {s["hook"]: s["id"] for s in services} == {
        "order-select": "cspine-auc-select",
        "order-sign": "cspine-auc-sign",
    }
    for service in services:
        assert service["title"] and service["description"] and service["usageRequirements"]


def test_prefetch_templates_are_patient_scoped_and_narrow(client):
    prefetch = client.get("/cds-services").json["services"][0]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert set(prefetch) == set(PREFETCH_KEYS)
    for key, template in prefetch.items():
        if key != "patient":
            assert "patient={{context.patientId}}" in template
    assert "code=http://loinc.org|8310-5" in prefetch["observations"] or "|8310-5" in prefetch["observations"]
    assert "status=completed" in prefetch["procedures"]


def test_discovery_trailing_slash_is_not_redirected(client):
    assert client.get("/cds-services/").status_code == 200


def test_cors_preflight_is_answered_without_authentication(client):
    response = client.options(
        "/cds-services/cspine-auc-select",
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


def test_cors_headers_on_all_endpoints(client):
    for method, path in (("get", "/cds-services"), ("post", "/cds-services/cspine-auc-select/feedback")):
        response = getattr(client, method)(path, headers={"Origin": "https://sandbox.cds-hooks.org"}, json={})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", path


def test_health(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_discovery_names_the_cds_hooks_version(client):
    assert {s["version"] for s in client.get("/cds-services").json["services"]} == {"2.0.1"}


SANDBOX_ORIGIN = {"Origin": "https://sandbox.cds-hooks.org"}


def test_a_doubled_slash_is_served_not_redirected(client):
    """A discovery URL ending in '/' makes the sandbox call /cds-services//<id>: a 308 would break the preflight."""
    from tests.builders import condition, order_json, patient
    from tests.hook_requests import hook_body, prefetch_for

    preflight = client.options(
        "/cds-services//cspine-auc-select",
        headers={
            **SANDBOX_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    body = hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))
    response = client.post("/cds-services//cspine-auc-select", json=body, headers=SANDBOX_ORIGIN)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert [c["indicator"] for c in response.json["cards"]] == ["warning"]
    card = response.json["cards"][0]["uuid"]
    item = {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z"}
    feedback = client.post(
        "/cds-services//cspine-auc-select//feedback", json={"feedback": [item]}, headers=SANDBOX_ORIGIN
    )
    assert feedback.status_code == 200
    assert client.get("/cds-services//", headers=SANDBOX_ORIGIN).json["services"]


def test_an_unknown_path_is_a_404_with_cors_headers(client):
    response = client.post("/cds-services//no-such-service", json={}, headers=SANDBOX_ORIGIN)
    assert response.status_code == 404 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json["resourceType"] == "OperationOutcome"
