"""Errors as FHIR OperationOutcome responses with a status code a CDS client understands."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


class HookError(Exception):
    """A request the service cannot answer as asked: status code, OperationOutcome issue code, message."""

    def __init__(self, status: int, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def operation_outcome(status: int, message: str, code: str = "invalid", severity: str = "error") -> Response:
    body: dict[str, Any] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }
    response = jsonify(body)
    response.status_code = status
    return response
