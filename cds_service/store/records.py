"""What the audit trail keeps of a decision and of a feedback item, and their database rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from cds_service.engine.model import Decision
from cds_service.report import mention_dict


@dataclass(frozen=True)
class SuggestedRating:
    """The rating a card's suggestion carries, under its own consult id (table `suggested_ratings`)."""

    consult_id: str
    card_id: str
    suggestion_id: str
    procedures: tuple[str, ...]  # the suggested resource's study
    rating: str  # its pama-rating code
    category: str | None = None  # its ACR category's code
    reason: str | None = None  # the finding a capture choice adds as the reason (none for a swapped study)


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
    suggested: list[SuggestedRating] = field(default_factory=list)  # the ratings the suggestions carry
    call_id: str | None = None
    user_id: str | None = None
    delivery: str = "active"
    mentions: list[dict[str, Any]] = field(default_factory=list)  # concept, context, element, offsets: no words


def decision_record(
    decision: Decision,
    *,
    topic: str,
    consult_id: str,
    service_id: str,
    hook: str,
    hook_instance: str,
    patient_id: str,
    call_id: str | None = None,
    user_id: str | None = None,
    delivery: str = "active",
    cards: list[dict[str, Any]] | None = None,
    suggestion_ids: list[str] | None = None,
    suggested: list[SuggestedRating] | None = None,
) -> DecisionRecord:
    """What the audit trail keeps of one decision (the live service and `cds-service replay` both use this)."""
    category = decision.worst_category
    return DecisionRecord(
        consult_id=consult_id,
        service_id=service_id,
        hook=hook,
        hook_instance=hook_instance,
        patient_id=patient_id,
        order_id=decision.order_id,
        procedures=[p.id for p in decision.match.procedures] if decision.match else [],
        variants=[v.number for v in decision.variants],
        outcome=decision.outcome.value,
        category=category.code if category else None,
        alternatives=[a.procedure.id for a in decision.alternatives],
        evidence=sorted({e.reference for f in decision.findings for e in f.evidence}),
        reasons=list(decision.reasons),
        topic=topic,
        card_ids=[c["uuid"] for c in cards or ()],
        card_indicators=[c["indicator"] for c in cards or ()],
        suggestion_ids=list(suggestion_ids or ()),
        suggested=list(suggested or ()),
        call_id=call_id,
        user_id=user_id,
        delivery=delivery,
        mentions=[mention_dict(m) for m in decision.mentions],
    )


@dataclass(frozen=True)
class HookCallRecord:
    """One hook call: who called which service, what was answered, how long it took, under which options."""

    call_id: str
    service_id: str
    hook: str
    hook_instance: str
    user_id: str | None
    status: int
    result: str  # answered | data-unavailable | store-unavailable
    orders: int
    latency_ms: float
    delivery: str
    options: dict[str, Any] = field(default_factory=dict)
    client: str | None = None  # the authenticated client's `iss`
    tenant: str | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "received_at": now,
            "service_id": self.service_id,
            "hook": self.hook,
            "hook_instance": self.hook_instance,
            "user_id": self.user_id,
            "status": self.status,
            "result": self.result,
            "orders": self.orders,
            "latency_ms": round(self.latency_ms, 3),
            "delivery": self.delivery,
            "options": orjson.dumps(self.options, option=orjson.OPT_SORT_KEYS).decode(),
            "client": self.client,
            "tenant": self.tenant,
        }


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
    client: str | None = None  # the authenticated client that sent it

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
            "call_id": r.call_id,
            "user_id": r.user_id,
            "delivery": r.delivery,
            "mentions": as_json(r.mentions),
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


def suggested_rows(records: list[DecisionRecord], now: datetime) -> list[dict[str, Any]]:
    """Rows of the `suggested_ratings` table for these records."""
    return [
        {
            "consult_id": s.consult_id,
            "recorded_at": now,
            "card_id": s.card_id,
            "suggestion_id": s.suggestion_id,
            "decision_consult_id": r.consult_id,
            "procedures": as_json(list(s.procedures)),
            "reason": s.reason,
            "rating": s.rating,
            "category": s.category,
        }
        for r in records
        for s in r.suggested
    ]


def as_json(value: list[Any]) -> str:
    return orjson.dumps(value).decode()
