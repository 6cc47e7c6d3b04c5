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
_STU3_STATUSES = {"suspended": "on-hold", "cancelled": "revoked"}  # ProcedureRequest.status, renamed in R4
_PATIENT_AS_SUBJECT = frozenset({"Condition", "ServiceRequest", "Procedure"})  # DSTU2 `patient`
# the types some conversion below applies to; any other resource is returned as it is, unread
_OLDER_SHAPES = frozenset({"ProcedureRequest", *(owner for owner, _ in _STATUS_SYSTEMS), *_PATIENT_AS_SUBJECT})


def to_r4(resource: dict[str, Any]) -> dict[str, Any]:
    """Return an R4-shaped copy where an older shape is recognised; otherwise the resource itself."""
    kind = resource.get("resourceType")
    if type(kind) is not str or kind not in _OLDER_SHAPES:  # most of a chart (Observations): nothing to convert
        return resource
    if kind == "ProcedureRequest":  # STU3 name of ServiceRequest
        resource = _procedure_request_as_r4(resource)
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


def _procedure_request_as_r4(resource: dict[str, Any]) -> dict[str, Any]:
    """An STU3 ProcedureRequest as an R4 ServiceRequest: the elements R4 renamed or reshaped are moved (`requester`
    was `{agent, onBehalfOf}`, `context` is `encounter`, `performer` a list, `definition` is `instantiates…`, the
    statuses `suspended` and `cancelled` are `on-hold` and `revoked`); an STU3 value that does not fit is dropped
    from the copy the service reads (none it rates by: code, reasons, body site, notes and dates keep their names).
    The draft as sent is what an action updates."""
    converted = {**resource, "resourceType": "ServiceRequest"}
    if converted.get("intent") is None:
        converted["intent"] = "order"
    requester = converted.get("requester")
    if isinstance(requester, dict) and ("agent" in requester or "onBehalfOf" in requester):
        agent = requester.get("agent")
        converted.pop("requester")
        if isinstance(agent, dict):
            converted["requester"] = agent
    context = converted.pop("context", None)
    if isinstance(context, dict) and str(context.get("reference", "")).startswith("Encounter/"):
        converted.setdefault("encounter", context)
    performer = converted.get("performer")
    if isinstance(performer, dict):
        converted["performer"] = [performer]
    definition = converted.pop("definition", None)
    uris = [d.get("reference") for d in definition if isinstance(d, dict)] if isinstance(definition, list) else []
    if any(isinstance(uri, str) for uri in uris):
        converted.setdefault("instantiatesUri", [uri for uri in uris if isinstance(uri, str)])
    status = converted.get("status")
    if isinstance(status, str) and status in _STU3_STATUSES:
        converted["status"] = _STU3_STATUSES[status]
    return converted
