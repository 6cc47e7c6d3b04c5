"""GET /cds-services: two services (distinct ids), narrow prefetch templates, CORS."""

from __future__ import annotations


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
    assert set(prefetch) == {"patient", "conditions", "observations", "procedures", "allergies", "devices"}
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
