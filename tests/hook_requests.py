"""Build CDS Hooks request bodies from chart resources (the shapes the sandbox and EHRs send)."""

from __future__ import annotations

import uuid
from typing import Any

KEYS = {
    "Patient": "patient",
    "Condition": "conditions",
    "Observation": "observations",
    "Procedure": "procedures",
    "AllergyIntolerance": "allergies",
    "Device": "devices",
    "MedicationRequest": "medicationRequests",
    "Medication": "medicationRequests",  # as the search's _include brings it
    "MedicationStatement": "medicationRequests",  # no key of its own: any prefetch Bundle is read whole
    "MedicationAdministration": "medicationRequests",  # (the same)
}


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def prefetch_for(chart: list[dict[str, Any]]) -> dict[str, Any]:
    """Every prefetch key filled from the chart (empty searches as empty Bundles)."""
    prefetch: dict[str, Any] = {key: searchset([]) for key in set(KEYS.values()) if key != "patient"}
    prefetch["patient"] = None
    for resource in chart:
        key = KEYS.get(resource["resourceType"])
        if key == "patient":
            prefetch["patient"] = resource
        elif key:
            prefetch[key]["entry"].append({"resource": resource, "search": {"mode": "match"}})
    return prefetch


def hook_body(
    orders: list[dict[str, Any]],
    *,
    hook: str = "order-select",
    selections: list[str] | None = None,
    prefetch: dict[str, Any] | None = None,
    fhir_server: str | None = None,
    token: str | None = None,
    patient_id: str = "pat-1",
    bundle_type: str | None = None,
) -> dict[str, Any]:
    draft: dict[str, Any] = {"resourceType": "Bundle", "entry": [{"resource": o} for o in orders]}
    if bundle_type:
        draft["type"] = bundle_type
    context: dict[str, Any] = {"userId": "Practitioner/doc-1", "patientId": patient_id, "draftOrders": draft}
    if hook == "order-select":
        context["selections"] = (
            selections if selections is not None else [f"{o['resourceType']}/{o['id']}" for o in orders[:1]]
        )
    body: dict[str, Any] = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context}
    if fhir_server:
        body["fhirServer"] = fhir_server
    if token:
        body["fhirAuthorization"] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "cds-service",
        }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def sandbox_order(code: str | None = "72141", reasons: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The PAMA tab's draft: id example-request-id, intent plan, CPT study, SNOMED reasons (maybe none)."""
    coding: dict[str, Any] = {}
    if code:
        coding = {"system": "http://www.ama-assn.org/go/cpt", "code": code, "display": f"CPT {code}"}
    order: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": "example-request-id",
        "status": "draft",
        "intent": "plan",
        "code": {"coding": [coding]},
        "subject": {"reference": "Patient/pat-1"},
        "reasonCode": [
            {"coding": [{"system": "http://snomed.info/sct", "code": c, "display": d}], "text": d}
            for c, d in (reasons or [])
        ],
    }
    if code:
        order["code"]["text"] = f"CPT {code}"
    return order
