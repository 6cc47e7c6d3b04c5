"""Validate CDS Hooks feedback into records for the audit store."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.validation import schema_problem
from cds_service.store import FeedbackRecord

# a FHIR instant: a date and a time to the second, a fraction maybe, and its zone
_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")


def is_instant(value: str) -> bool:
    """Whether a feedback's outcomeTimestamp is an instant that exists (not "2026-02-30T00:00:00Z", "+25:00", year
    0: a thirty-third review found them stored)."""
    found = _INSTANT.fullmatch(value)
    if found is None:
        return False
    zone = "+00:00" if found[3] == "Z" else found[3]
    try:
        datetime.fromisoformat(found[1] + zone)
    except ValueError:
        return False
    return True


def parse_feedback(body: Any, service_id: str) -> list[FeedbackRecord]:
    problem = schema_problem(body, "feedback.schema.json")
    if problem:
        raise HookError(400, f"invalid feedback: {problem}")
    records = []
    for item in body["feedback"]:
        if not is_instant(item["outcomeTimestamp"]):
            raise HookError(
                400, "invalid feedback: outcomeTimestamp is not an instant (YYYY-MM-DDThh:mm:ss and a zone)"
            )
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
