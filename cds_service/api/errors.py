"""Protocol errors as Flask responses (the OperationOutcome itself is built by cds_service.cdshooks)."""

from __future__ import annotations

from flask import Response, jsonify

from cds_service.cdshooks.errors import HookError, outcome_body

__all__ = ["HookError", "operation_outcome"]


def operation_outcome(status: int, message: str, code: str = "invalid", severity: str = "error") -> Response:
    response = jsonify(outcome_body(message, code, severity))
    response.status_code = status
    return response
