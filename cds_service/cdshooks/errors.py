"""Protocol errors: a status code a CDS client understands and a FHIR OperationOutcome that says why."""

from __future__ import annotations

from typing import Any


class HookError(Exception):
    """A request the service cannot answer as asked: status code, OperationOutcome issue code, message."""

    def __init__(self, status: int, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def outcome(self) -> dict[str, Any]:
        return outcome_body(self.message, self.code)


def outcome_body(message: str, code: str = "invalid", severity: str = "error") -> dict[str, Any]:
    """An OperationOutcome with one issue."""
    return {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code, "diagnostics": message}]}
