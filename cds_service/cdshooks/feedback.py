"""Validate CDS Hooks feedback into records for the audit store."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

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


def check_against_card(
    item: FeedbackRecord, card: dict[str, Any] | None, override_reasons: Collection[tuple[str, str]]
) -> None:
    """400 unless a feedback item fits the card it names: an override reason is one this service offers, and for a
    card on record (feedback may arrive before its card reaches the database: it is linked then), the card is this
    service's, was given to the client that sends the feedback (when both are known: authentication on), and each
    accepted suggestion is one of the card's (a taken suggestion is what the analytics count)."""
    if item.override_code is not None and (item.override_system, item.override_code) not in override_reasons:
        raise HookError(400, "invalid feedback: overrideReason.reason is not one of this service's override reasons")
    if card is None:
        return
    if card.get("client") and item.client and card["client"] != item.client:
        raise HookError(400, f"invalid feedback: card {item.card_id} was given to another client")
    if card["service_id"] != item.service_id:
        raise HookError(400, f"invalid feedback: card {item.card_id} is a card of service {card['service_id']}")
    offered = {s.lower() for s in orjson.loads(card["suggestion_ids"])}  # (a UUID's case says nothing: RFC 4122)
    if any(s.lower() not in offered for s in item.accepted_suggestions):
        raise HookError(400, f"invalid feedback: an accepted suggestion is not one of card {item.card_id}'s")


def checked_feedback(
    body: Any,
    service_id: str,
    card_of: Callable[[str], dict[str, Any] | None],
    override_reasons: Collection[tuple[str, str]],
    client: str | None = None,
) -> list[FeedbackRecord]:
    """The feedback items of `client` (the authenticated sender's `iss`), each checked against the card it names
    (`card_of`: the card on record, or None); one item that does not fit refuses them all, so that nothing of a
    refused request is stored."""
    items = [_system_given(replace(item, client=client), override_reasons) for item in parse_feedback(body, service_id)]
    for item in items:
        check_against_card(item, card_of(item.card_id), override_reasons)
    return items


def _system_given(item: FeedbackRecord, override_reasons: Collection[tuple[str, str]]) -> FeedbackRecord:
    """An override reason sent with its code alone (Coding.system is optional) is the service's reason of that code,
    when it offers one only; otherwise it is checked (and refused) as sent."""
    if item.override_code is None or item.override_system is not None:
        return item
    systems = [system for system, code in override_reasons if code == item.override_code]
    return replace(item, override_system=systems[0]) if len(systems) == 1 else item
