"""Validate CDS Hooks feedback into records for the audit store."""

from __future__ import annotations

from typing import Any

from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.validation import schema_problem
from cds_service.store import FeedbackRecord


def parse_feedback(body: Any, service_id: str) -> list[FeedbackRecord]:
    problem = schema_problem(body, "feedback.schema.json")
    if problem:
        raise HookError(400, f"invalid feedback: {problem}")
    records = []
    for item in body["feedback"]:
        override = item.get("overrideReason") or {}
        reason = override.get("reason") or {}
        records.append(
            FeedbackRecord(
                service_id=service_id,
                card_id=item["card"],
                outcome=item["outcome"],
                outcome_timestamp=item["outcomeTimestamp"],
                accepted_suggestions=[s["id"] for s in item.get("acceptedSuggestions") or ()],
                override_system=reason.get("system"),
                override_code=reason.get("code"),
                override_comment_given=bool(override.get("userComment")),
            )
        )
    return records
