"""Validate CDS Hooks feedback into records for the audit store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.validation import schema_problem
from cds_service.store import FeedbackRecord


def is_instant(value: str) -> bool:
    """Whether a feedback's outcomeTimestamp is a date and a time that exist, as ISO 8601 writes them (a zone, "T" or
    a space, seconds or not: EHRs write all of these; not "2026-02-30T00:00:00Z", "25:61", year 0: a thirty-third
    review found them stored)."""
    text = value.strip()
    if len(text) < len("YYYY-MM-DDThh:mm") or text[10:11] not in ("T", "t", " "):
        return False
    text = text[:10] + "T" + text[11:]
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        datetime.fromisoformat(text)
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
            raise HookError(400, "invalid feedback: outcomeTimestamp is not a date and a time (YYYY-MM-DDThh:mm:ssZ)")
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
