"""The Argonaut PAMA rating extensions on a ServiceRequest."""

from __future__ import annotations

from typing import Any

from cds_service.knowledge.model import Category

PAMA_RATING = "http://fhir.org/argonaut/Extension/pama-rating"
PAMA_RATING_SYSTEM = "http://fhir.org/argonaut/CodeSystem/pama-rating"
CONSULT_ID = "http://fhir.org/argonaut/Extension/pama-rating-consult-id"
AUC_APPLIED = "http://fhir.org/argonaut/Extension/pama-rating-auc-applied"
QCDSM_CONSULTED = "http://fhir.org/argonaut/Extension/pama-rating-qcdsm-consulted"
ARGONAUT_URLS = {PAMA_RATING, CONSULT_ID, AUC_APPLIED, QCDSM_CONSULTED}


def rating_extensions(
    rating: str,
    category: Category | None,
    consult_id: str,
    auc_url: str,
    category_system: str,
    qcdsm_gcode: str = "",
) -> list[dict[str, Any]]:
    """pama-rating (+ the ACR category as a translation coding), consult id, AUC applied (+ qCDSM)."""
    codings: list[dict[str, Any]] = [{"system": PAMA_RATING_SYSTEM, "code": rating}]
    if category is not None:
        codings.append({"system": category_system, "code": category.code, "display": category.name})
    extensions = [
        {"url": PAMA_RATING, "valueCodeableConcept": {"coding": codings}},
        {"url": CONSULT_ID, "valueUri": consult_id},
        {"url": AUC_APPLIED, "valueUri": auc_url},
    ]
    if qcdsm_gcode:
        extensions.append({"url": QCDSM_CONSULTED, "valueString": qcdsm_gcode})
    return extensions


def with_rating(order: dict[str, Any], extensions: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of the order with earlier Argonaut rating extensions replaced by `extensions`."""
    kept = [e for e in order.get("extension") or () if isinstance(e, dict) and e.get("url") not in ARGONAUT_URLS]
    return {**order, "extension": kept + extensions}
