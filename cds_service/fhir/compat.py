"""Cheap conversions of older FHIR shapes (STU3 / DSTU2) that real clients still send, to R4."""

from __future__ import annotations

from typing import Any

_STATUS_SYSTEMS = {
    ("Condition", "clinicalStatus"): "http://terminology.hl7.org/CodeSystem/condition-clinical",
    ("Condition", "verificationStatus"): "http://terminology.hl7.org/CodeSystem/condition-ver-status",
    ("AllergyIntolerance", "clinicalStatus"): "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
    (
        "AllergyIntolerance",
        "verificationStatus",
    ): "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
}
_PATIENT_AS_SUBJECT = frozenset({"Condition", "ServiceRequest", "Procedure"})  # DSTU2 `patient`
# the types some conversion below applies to; any other resource is returned as it is, unread
_OLDER_SHAPES = frozenset({"ProcedureRequest", *(owner for owner, _ in _STATUS_SYSTEMS), *_PATIENT_AS_SUBJECT})


def to_r4(resource: dict[str, Any]) -> dict[str, Any]:
    """Return an R4-shaped copy where an older shape is recognised; otherwise the resource itself."""
    kind = resource.get("resourceType")
    if type(kind) is not str or kind not in _OLDER_SHAPES:  # most of a chart (Observations): nothing to convert
        return resource
    if kind == "ProcedureRequest":  # STU3 name of ServiceRequest
        resource = {**resource, "resourceType": "ServiceRequest"}
        if resource.get("intent") is None:
            resource["intent"] = "order"
        kind = "ServiceRequest"
    changed = None
    for (owner, element), system in _STATUS_SYSTEMS.items():
        if kind == owner and isinstance(resource.get(element), str):
            changed = changed or dict(resource)
            changed[element] = {"coding": [{"system": system, "code": resource[element]}]}
    if kind in _PATIENT_AS_SUBJECT and "subject" not in resource and "patient" in resource:
        changed = changed or dict(resource)
        changed["subject"] = changed.pop("patient")  # DSTU2 Condition.patient
    return changed or resource
