"""What the audit trail keeps of a decision and of a feedback item, and their database rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson


@dataclass(frozen=True)
class DecisionRecord:
    """What is kept of one decision: codes, ids and references; no names, no free text."""

    consult_id: str
    service_id: str
    hook: str
    hook_instance: str
    patient_id: str
    order_id: str | None
    procedures: list[str]
    variants: list[int]
    outcome: str
    category: str | None
    alternatives: list[str]
    evidence: list[str]
    reasons: list[str]
    topic: str
    card_ids: list[str] = field(default_factory=list)
    card_indicators: list[str] = field(default_factory=list)
    suggestion_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FeedbackRecord:
    service_id: str
    card_id: str
    outcome: str
    outcome_timestamp: str
    accepted_suggestions: list[str]
    override_system: str | None
    override_code: str | None
    override_comment_given: bool

    def fingerprint(self) -> str:
        key = orjson.dumps(
            [
                self.service_id,
                self.card_id,
                self.outcome,
                self.outcome_timestamp,
                sorted(self.accepted_suggestions),
                self.override_system,
                self.override_code,
            ]
        )
        return hashlib.sha256(key).hexdigest()


def decision_rows(records: list[DecisionRecord], now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the `decisions` and `cards` tables for these records."""
    decision_rows = [
        {
            "consult_id": r.consult_id,
            "recorded_at": now,
            "service_id": r.service_id,
            "hook": r.hook,
            "hook_instance": r.hook_instance,
            "patient_id": r.patient_id,
            "order_id": r.order_id,
            "procedures": as_json(r.procedures),
            "variants": as_json(r.variants),
            "outcome": r.outcome,
            "category": r.category,
            "alternatives": as_json(r.alternatives),
            "evidence": as_json(r.evidence),
            "reasons": as_json(r.reasons),
            "topic": r.topic,
        }
        for r in records
    ]
    card_rows = [
        {
            "card_id": card_id,
            "consult_id": r.consult_id,
            "service_id": r.service_id,
            "hook_instance": r.hook_instance,
            "indicator": indicator,
            "suggestion_ids": as_json(r.suggestion_ids),
        }
        for r in records
        for card_id, indicator in zip(r.card_ids, r.card_indicators, strict=True)
    ]
    return decision_rows, card_rows


def as_json(value: list[Any]) -> str:
    return orjson.dumps(value).decode()
