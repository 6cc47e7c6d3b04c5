"""Validate a CDS Hooks request and pick the orders to rate (policy: selections for order-select)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.validation import schema_problem
from cds_service.fhir.compat import to_r4
from cds_service.fhir.json_text import json_text_element
from cds_service.json_bytes import dumps


@dataclass(frozen=True)
class OrderInput:
    """One draft order: the JSON as received (to echo back in actions: an STU3 ProcedureRequest stays one) and its
    validated model (R4)."""

    raw: dict[str, Any]
    model: ServiceRequest


@dataclass(frozen=True)
class HookRequest:
    hook: str
    hook_instance: str
    patient_id: str
    user_id: str | None
    fhir_server: str | None
    access_token: str | None
    prefetch: dict[str, Any]
    orders: list[OrderInput]  # the orders to rate
    all_orders: list[OrderInput]  # every draft ServiceRequest (context for rules R3/R7)
    extension: Any = None  # the request's `extension` object (per-call configuration, options.py)


def parse_hook_request(body: Any, expected_hook: str) -> HookRequest:
    """Check the request against CDS Hooks 2.0 and the hook definition; 400 with a precise message."""
    _check(body, expected_hook)
    context = body["context"]
    drafts = [
        (e["resource"], to_r4(e["resource"]))
        for e in context["draftOrders"].get("entry") or ()
        if isinstance(e.get("resource"), dict)
    ]
    references = [f"{conv['resourceType']}/{conv.get('id')}" for _, conv in drafts if conv.get("id") is not None]
    twice = sorted(r for r, n in Counter(references).items() if n > 1)
    if twice:
        raise HookError(400, f"context.draftOrders has more than one entry {twice[0]}; resource ids must be unique")
    requests = [(sent, conv) for sent, conv in drafts if conv.get("resourceType") == "ServiceRequest"]
    service_requests = [conv for _, conv in requests]
    chosen = _selected(context["selections"], drafts) if expected_hook == "order-select" else service_requests
    all_orders = [_order(sent, conv) for sent, conv in requests]
    for conv in service_requests:
        _check_subject(conv, context["patientId"])
    wanted = {id(raw) for raw in chosen}
    orders = [o for o, raw in zip(all_orders, service_requests, strict=True) if id(raw) in wanted]
    authorization = body.get("fhirAuthorization") or {}
    return HookRequest(
        hook=body["hook"],
        hook_instance=body["hookInstance"],
        patient_id=context["patientId"],
        user_id=context.get("userId") if isinstance(context.get("userId"), str) else None,
        fhir_server=body.get("fhirServer"),
        access_token=authorization.get("access_token"),
        prefetch=body.get("prefetch") or {},
        orders=orders,
        all_orders=all_orders,
        extension=body.get("extension"),
    )


def _check(body: Any, expected_hook: str) -> None:
    """The schema, the hook, and the invariants a schema cannot say."""
    problem = schema_problem(body, "hook-request.schema.json")
    if problem:
        raise HookError(400, f"invalid hook request: {problem}")
    if body["hook"] != expected_hook:
        raise HookError(400, f"this service answers '{expected_hook}', not '{body['hook']}'")
    if "fhirAuthorization" in body and "fhirServer" not in body:
        raise HookError(400, "fhirAuthorization is given without fhirServer (CDS Hooks invariant cds-r-1)")
    if expected_hook == "order-select" and not isinstance(body["context"].get("selections"), list):
        raise HookError(400, "context.selections is required for order-select")
    token = (body.get("fhirAuthorization") or {}).get("access_token")
    if isinstance(token, str) and not _header_safe(token):
        # said without quoting the token: the message goes back to the client and may reach a log there
        raise HookError(400, "fhirAuthorization.access_token may hold only visible ASCII characters (RFC 6750)")


def _check_subject(raw: dict[str, Any], patient_id: str) -> None:
    """400 when a draft's subject reference names another patient, or something else than a Patient ("Group/g-1"):
    its chart is not the one this call sends. A subject without a reference string (an identifier, a display, a
    urn:uuid) names no other patient: the draft is the hook patient's, as its context says."""
    subject = raw.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    if not isinstance(reference, str) or reference.strip().startswith(("urn:", "#")) or "/" not in reference:
        return
    parts = reference.strip().split("/_history/")[0].rstrip("/").split("/")
    if len(parts) < 2:
        return  # ("Patient/": names no one)
    if parts[-2].lower() != "patient" or parts[-1] != patient_id:  # (an id's case counts: another patient's)
        raise HookError(
            400,
            f"draft order {raw.get('resourceType')}/{raw.get('id')} has a subject other than "
            f"Patient/{patient_id[:100]} (context.patientId)",  # (what it names is not quoted back: it may be a name)
        )


def _header_safe(token: str) -> bool:
    """Whether the token can go in an Authorization header as it is: visible ASCII only (RFC 6750's b64token is a
    subset). Any other character would fail in the HTTP library when the FHIR server is called, or change the header.
    """
    return all("!" <= ch <= "~" for ch in token)


def _selected(selections: list[Any], drafts: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
    """The selected ServiceRequests (R4 form); each selection must name a draft (by its type as sent or as read, and
    its id: a draft without an id cannot be selected)."""
    named = [(orig, conv) for orig, conv in drafts if isinstance(conv.get("id"), str)]
    by_reference = {f"{orig['resourceType']}/{orig['id']}": conv for orig, conv in named}
    by_reference.update({f"{conv['resourceType']}/{conv['id']}": conv for _, conv in named})
    chosen = []
    for i, reference in enumerate(selections):
        if reference not in by_reference:
            raise HookError(400, f"context.selections[{i}] '{reference}' is not an entry of context.draftOrders")
        if by_reference[reference].get("resourceType") == "ServiceRequest":
            chosen.append(by_reference[reference])
    return chosen


# The draft's own dates: one that is not a valid date is an unknown date (policy §10: the order is dated today), not
# a reason to refuse the whole call.
DATE_FIELDS = frozenset({"authoredOn", "occurrenceDateTime", "occurrencePeriod", "occurrenceTiming"})
DATE_STRINGS = frozenset({"authoredOn", "occurrenceDateTime"})


def draft_order(raw: dict[str, Any]) -> ServiceRequest:
    """The R4 model of one draft order, checked as a hook call's drafts are; HookError (400) when it is not valid."""
    return _order(raw, raw).model


def _order(sent: dict[str, Any], raw: dict[str, Any]) -> OrderInput:
    """The draft as sent and its model, validated from `raw`, its R4 form."""
    if where := json_text_element(raw):  # (fhir.resources would read the text as the element)
        raise _invalid(raw, ValueError(f"{where}: an element given as JSON text, not as JSON"))
    try:
        cleaned = _without_empty(raw)
        return OrderInput(sent, _validated(dumps(cleaned, sort_keys=True)))
    except (ValidationError, ValueError, TypeError) as exc:
        raise _invalid(raw, exc) from None
    except AttributeError:
        # fhir.resources reads a string where it expects an object as JSON text, and its primitive-extension check
        # then calls .get on whatever that text was ('_status': "5" -> 5): an invalid draft, not a crash
        problem = _extension_problem(raw) or "an element that must be a JSON object is not one"
        raise _invalid(raw, ValueError(problem)) from None
    except KeyError:  # fhir.resources looks a contained resource's type up by name: "Foo", an R5-only type
        raise _invalid(raw, ValueError("a contained resource is of a type FHIR R4 does not have")) from None


@lru_cache(maxsize=64)
def _validated(document: bytes) -> ServiceRequest:
    """The R4 model of a draft (JSON with sorted keys); a draft whose only problems are its dates is read without
    them (a date that is not a string, which the model would read as seconds since 1970, included).

    order-select fires again for the same draft as the clinician edits the order: each version is validated once
    per process (a few dozen, small enough to keep the garbage collector's passes short). Models are never mutated.
    """
    cleaned = {k: v for k, v in orjson.loads(document).items() if k not in DATE_STRINGS or isinstance(v, str)}
    try:
        return ServiceRequest.model_validate(cleaned)
    except ValidationError as exc:
        if not all(error["loc"] and error["loc"][0] in DATE_FIELDS for error in exc.errors()):
            raise
    return ServiceRequest.model_validate({k: v for k, v in cleaned.items() if k not in DATE_FIELDS})


def _invalid(raw: dict[str, Any], exc: Exception) -> HookError:
    """400: the draft is not valid FHIR R4 (how many problems, and the first)."""
    count = exc.error_count() if isinstance(exc, ValidationError) else 1
    first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
    location = ".".join(str(p) for p in first["loc"])
    where = f"{location}: " if location else ""
    return HookError(
        400,
        f"draft order ServiceRequest/{raw.get('id')} is not valid FHIR R4 ({count} problem(s); first: "
        f"{where}{first['msg'][:200]})",
    )


def _extension_problem(value: Any, path: str = "") -> str | None:
    """Where the first primitive extension ('_x') is neither an object nor a list of objects (or nulls), and why."""
    if isinstance(value, list):
        return next((p for i, v in enumerate(value) if (p := _extension_problem(v, f"{path}[{i}]"))), None)
    if not isinstance(value, dict):
        return None
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key.startswith("_") and not _extension_shaped(item):
            return f"{where}: a primitive extension must be an object (or a list of them), not {type(item).__name__}"
        if problem := _extension_problem(item, where):
            return problem
    return None


def _extension_shaped(value: Any) -> bool:
    if isinstance(value, list):
        return all(v is None or isinstance(v, dict) for v in value)
    return value is None or isinstance(value, dict)


def _without_empty(value: Any) -> Any:
    """Drop empty objects, arrays and strings (clients send `coding: [{}]` and `reasonCode: []`)."""
    if isinstance(value, dict):
        cleaned = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in ({}, [], "", None)}
    if isinstance(value, list):
        cleaned_items = [_without_empty(v) for v in value]
        return [v for v in cleaned_items if v not in ({}, [], "", None)]
    return value
