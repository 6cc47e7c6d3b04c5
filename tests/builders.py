"""Small builders for FHIR R4 JSON used by the tests (the fixtures/ charts show the full shapes)."""

from __future__ import annotations

import itertools
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

SYSTEMS = {
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "snomed": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
    "cpt": "http://www.ama-assn.org/go/cpt",
    "hcpcs": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "radlex": "http://radlex.org",
    "icd10pcs": "http://www.cms.gov/Medicare/Coding/ICD10",
}
ORDER_DATE = "2026-11-21"
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": SYSTEMS.get(system, system), "code": code}
    if display:
        out["display"] = display
    return out


def patient(birth_date: str | None = "1970-01-15", pid: str = "pat-1") -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": pid}
    if birth_date:
        out["birthDate"] = birth_date
    return out


def condition(
    code: str,
    system: str = "icd10cm",
    *,
    onset: str | None = None,
    recorded: str | None = None,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    onset_age: tuple[float, str] | None = None,
    cid: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid or _id("cond"),
        "subject": {"reference": "Patient/pat-1"},
        "code": {"coding": [coding(system, code)]},
    }
    if clinical:
        out["clinicalStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}]
        }
    if verification:
        out["verificationStatus"] = {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]
        }
    if onset:
        out["onsetDateTime"] = onset
    if onset_age:
        out["onsetAge"] = {
            "value": onset_age[0],
            "unit": onset_age[1],
            "system": "http://unitsofmeasure.org",
            "code": onset_age[1],
        }
    if recorded:
        out["recordedDate"] = recorded
    out.update(extra)
    return out


def observation(
    loinc: str,
    value: float | None,
    unit: str | None,
    *,
    when: str = "2026-11-20T09:00:00Z",
    status: str = "final",
    interpretation: str | None = None,
    high: float | None = None,
    ucum: bool = True,
    oid: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid or _id("obs"),
        "status": status,
        "code": {"coding": [coding("loinc", loinc)]},
        "subject": {"reference": "Patient/pat-1"},
        "effectiveDateTime": when,
    }
    if value is not None:
        quantity: dict[str, Any] = {"value": value}
        if unit:
            quantity["unit"] = unit
            if ucum:
                quantity |= {"system": "http://unitsofmeasure.org", "code": unit}
        out["valueQuantity"] = quantity
    if interpretation:
        out["interpretation"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": interpretation,
                    }
                ]
            }
        ]
    if high is not None:
        out["referenceRange"] = [{"high": {"value": high}}]
    return out


def procedure(
    code: str,
    system: str = "cpt",
    *,
    performed: str | None = "2024-11-02",
    status: str = "completed",
    pid: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": pid or _id("proc"),
        "status": status,
        "subject": {"reference": "Patient/pat-1"},
        "code": {"coding": [coding(system, code)]},
    }
    if performed:
        out["performedDateTime"] = performed
    return out


def allergy(text: str, *, clinical: str = "active", aid: str | None = None) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": aid or _id("allergy"),
        "patient": {"reference": "Patient/pat-1"},
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": clinical}
            ]
        },
        "code": {"text": text},
    }


def device(text: str | None = None, snomed: str | None = None, *, status: str = "active") -> dict[str, Any]:
    concept: dict[str, Any] = {}
    if text:
        concept["text"] = text
    if snomed:
        concept["coding"] = [coding("snomed", snomed)]
    return {
        "resourceType": "Device",
        "id": _id("device"),
        "status": status,
        "type": concept,
        "patient": {"reference": "Patient/pat-1"},
    }


def medicine(
    text: str | None = None,
    *,
    kind: str = "MedicationRequest",
    status: str | None = "active",
    codings: list[dict[str, Any]] | None = None,
    **elements: Any,
) -> dict[str, Any]:
    """A MedicationRequest (or MedicationStatement) naming its medicine in medicationCodeableConcept, unless
    `elements` name it otherwise (medicationReference, contained)."""
    out: dict[str, Any] = {"resourceType": kind, "id": _id("med"), "subject": {"reference": "Patient/pat-1"}}
    if kind == "MedicationRequest":
        out["intent"] = "order"
    if status is not None:
        out["status"] = status
    if text is not None or codings:
        out["medicationCodeableConcept"] = {
            **({"text": text} if text else {}),
            **({"coding": codings} if codings else {}),
        }
    return out | elements


def order_json(
    code: str | None = "72141",
    system: str = "cpt",
    *,
    oid: str = "order-1",
    authored: str | None = ORDER_DATE,
    text: str | None = None,
    reasons: list[tuple[str, str]] | None = None,
    reason_refs: list[str] | None = None,
    extra_codings: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": ([coding(system, code)] if code else []) + (extra_codings or [])}
    if text:
        concept["text"] = text
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": oid,
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/pat-1"},
        "code": concept,
    }
    if authored:
        out["authoredOn"] = authored
    if reasons:
        out["reasonCode"] = [{"coding": [coding(s, c)]} for s, c in reasons]
    if reason_refs:
        out["reasonReference"] = [{"reference": r} for r in reason_refs]
    return out


def order(*args: Any, **kwargs: Any) -> ServiceRequest:
    return ServiceRequest.model_validate(order_json(*args, **kwargs))
