"""The HTTP surface: discovery, service calls, feedback, health. Thin: parsing and status codes only."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from cds_service.api.errors import HookError, operation_outcome
from cds_service.cdshooks.feedback import checked_feedback
from cds_service.fhir.patient_data import DataUnavailable

log = logging.getLogger("cds_service.api")
blueprint = Blueprint("cds_hooks", __name__)


def _state() -> Any:
    return current_app.extensions["cds_service"]


def _body() -> bytes:
    """The request body; 413 when over the limit, also for a chunked body (no Content-Length)."""
    data = request.get_data()
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    # the input stream cuts a chunked body at the limit without a word: refuse it if more follows
    if request.content_length is None and limit and len(data) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return data


def _json_body() -> Any:
    data = _body()
    if not data:
        raise HookError(400, "the request body is empty; send a JSON object")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if str(exc).startswith("depth limit"):  # orjson stops at 1024 levels
            raise HookError(400, "the request body's JSON is nested too deeply") from None
        raise HookError(400, f"the request body is not valid JSON ({str(exc)[:120]})") from None


@blueprint.get("/cds-services", strict_slashes=False)
def discovery() -> Response:
    return jsonify(_state().discovery)


def _service(service_id: str) -> Any:
    """The service definition with this id; 404 if there is none."""
    service = _state().services.get(service_id)
    if service is None:
        raise HookError(404, f"no CDS service '{service_id}'; see GET /cds-services", code="not-found")
    return service


@blueprint.post("/cds-services/<service_id>", strict_slashes=False)
def call_service(service_id: str) -> Response:
    state = _state()
    service = _service(service_id)
    body = _json_body()
    try:
        return jsonify(state.hooks.handle(service, body, g.get("caller")))
    except DataUnavailable as exc:
        log.warning("data unavailable", extra={"service": service_id, "key": exc.key, "reason": exc.reason})
        return operation_outcome(
            412, f"the patient's data could not be obtained, so no rating was made: {exc}", code="incomplete"
        )


@blueprint.post("/cds-services/<service_id>/feedback", strict_slashes=False)
def feedback(service_id: str) -> Response:
    state = _state()
    _service(service_id)
    caller = g.get("caller")
    sender = caller.client.iss if caller else None
    items = checked_feedback(_json_body(), service_id, state.store.card, state.hooks.cards.override_reasons, sender)
    stored = sum(state.store.record_feedback(item) for item in items)
    log.info("feedback stored", extra={"service": service_id, "items": len(items), "new": stored})
    return jsonify({})


@blueprint.get("/healthz")
def health() -> Response:
    _state().store.ping()
    return jsonify({"status": "ok"})
