"""Record every decision (keyed by its consult id) and every feedback item, idempotently."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from cds_service.store.tables import cards, decisions, feedback, metadata, token_ids


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
        key = json.dumps(
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
        return hashlib.sha256(key.encode()).hexdigest()


class AuditStore:
    """Decisions and feedback in one database; create_all on start-up."""

    def __init__(self, url: str, sqlite_synchronous: str = "FULL") -> None:
        self.engine = _engine(url, sqlite_synchronous)
        metadata.create_all(self.engine)
        self._claims = 0

    def record_decisions(self, records: list[DecisionRecord]) -> None:
        """Store decisions and their cards in one transaction."""
        if not records:
            return
        now = datetime.now(UTC)
        decision_rows = [
            {
                "consult_id": r.consult_id,
                "recorded_at": now,
                "service_id": r.service_id,
                "hook": r.hook,
                "hook_instance": r.hook_instance,
                "patient_id": r.patient_id,
                "order_id": r.order_id,
                "procedures": json.dumps(r.procedures),
                "variants": json.dumps(r.variants),
                "outcome": r.outcome,
                "category": r.category,
                "alternatives": json.dumps(r.alternatives),
                "evidence": json.dumps(r.evidence),
                "reasons": json.dumps(r.reasons),
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
                "suggestion_ids": json.dumps(r.suggestion_ids),
            }
            for r in records
            for card_id, indicator in zip(r.card_ids, r.card_indicators, strict=True)
        ]
        with self.engine.begin() as connection:
            connection.execute(insert(decisions), decision_rows)
            if card_rows:
                connection.execute(insert(cards), card_rows)

    def record_feedback(self, item: FeedbackRecord) -> bool:
        """Store one feedback item; False if the same item was stored before (idempotent)."""
        with self.engine.begin() as connection:
            consult_id = connection.execute(
                select(cards.c.consult_id).where(cards.c.card_id == item.card_id)
            ).scalar_one_or_none()
        row = {
            "fingerprint": item.fingerprint(),
            "received_at": datetime.now(UTC),
            "service_id": item.service_id,
            "card_id": item.card_id,
            "consult_id": consult_id,
            "outcome": item.outcome,
            "outcome_timestamp": item.outcome_timestamp,
            "accepted_suggestions": json.dumps(item.accepted_suggestions),
            "override_system": item.override_system,
            "override_code": item.override_code,
            "override_comment_given": int(item.override_comment_given),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(feedback), [row])
        except IntegrityError:
            return False
        return True

    def claim_token_id(self, issuer: str, jti: str, expires_at: float) -> bool:
        """Record a JWT id; False if this issuer used it before (a replay). Expired ids are pruned."""
        now = time.time()
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(token_ids), [{"issuer": issuer, "jti": jti, "expires_at": expires_at}])
                self._claims += 1
                if self._claims % 500 == 1:
                    connection.execute(delete(token_ids).where(token_ids.c.expires_at < now))
        except IntegrityError:
            return False
        return True

    def decision(self, consult_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(decisions).where(decisions.c.consult_id == consult_id)).mappings().first()
        return dict(row) if row else None

    def card(self, card_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(cards).where(cards.c.card_id == card_id)).mappings().first()
        return dict(row) if row else None

    def feedback_for(self, card_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(feedback).where(feedback.c.card_id == card_id)).mappings().all()
        return [dict(r) for r in rows]

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(select(1))


def _engine(url: str, sqlite_synchronous: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if sqlite_synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
        raise ValueError(f"SQLite synchronous mode must be FULL, NORMAL or EXTRA, not {sqlite_synchronous!r}")
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine
