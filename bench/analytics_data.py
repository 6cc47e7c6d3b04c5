"""Synthetic audit data for the analytics page: hook calls, decisions, cards and feedback.

`generate(url, decisions=1_000_000)` fills a (throw-away) database through the store's own tables,
deterministically from a seed: a year of calls from a few hundred ordering users, both services,
active and shadow delivery, 412s, the outcome mix of a typical site, warning cards and the feedback
clinicians gave on them. Used by bench/analytics_bench.py.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import create_engine, event, insert

from cds_service.cards.builder import OVERRIDE_REASONS
from cds_service.store.tables import cards, decisions, feedback, hook_calls, metadata

END = date(2026, 11, 30)
DAYS = 365
SERVICES = (("cspine-auc-select", "order-select", 0.6), ("cspine-auc-sign", "order-sign", 0.4))
# (procedure ids, weight): what clinicians order, ambiguous codes included
PROCEDURES = (
    (["xr-cspine"], 30),
    (["mr-cspine-wo"], 28),
    (["ct-cspine-wo"], 14),
    (["mr-cspine-wow"], 8),
    (["ct-cspine-w"], 4),
    (["xr-cspine-flexext"], 4),
    (["ct-cspine-w", "ct-myelo-cspine"], 2),
    (["mr-cspine-w"], 2),
    (["ct-cspine-wow"], 2),
    (["pet-fdg-ct-sbmt"], 1),
)
VARIANTS = (
    ([1], 18),
    ([7], 16),
    ([1, 7], 10),
    ([2], 12),
    ([8], 12),
    ([2, 8], 8),
    ([3], 6),
    ([4], 4),
    ([5], 6),
    ([6], 8),
)
OUTCOMES = (("appropriate", 55), ("not-appropriate", 12), ("no-criteria-apply", 18), ("insufficient-data", 15))
OVERRIDE_SYSTEM = "urn:cds-service:override-reason"


def _weighted(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights)[0]


def generate(url: str, decisions_wanted: int = 1_000_000, seed: int = 15, batch: int = 20_000) -> dict[str, int]:
    """Fill the database at `url` (tables created if missing); returns the row counts written."""
    engine = create_engine(url)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _fast(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")

    metadata.create_all(engine)
    rng = random.Random(seed)
    ids = random.Random(seed + 1)
    users = [f"Practitioner/p{n:04d}" for n in range(400)]
    start = datetime.combine(END - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    counts = {"hook_calls": 0, "decisions": 0, "cards": 0, "feedback": 0}
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in counts}

    def flush() -> None:
        with engine.begin() as connection:
            for table in (hook_calls, decisions, cards, feedback):
                if rows[table.name]:
                    connection.execute(insert(table), rows[table.name])
                    counts[table.name] += len(rows[table.name])
                    rows[table.name] = []

    made = 0
    span = DAYS * 86400
    while made < decisions_wanted:
        # calls arrive in time order (as the service writes them); weekdays busier than weekends
        when = start + timedelta(seconds=span * made / decisions_wanted + rng.random())
        if when.weekday() >= 5 and rng.random() < 0.6:
            when -= timedelta(days=2)
        service, hook, _ = rng.choices(SERVICES, [s[2] for s in SERVICES])[0]
        user = rng.choice(users)
        delivery = "shadow" if rng.random() < 0.15 else "active"
        call_id = str(uuid.UUID(int=ids.getrandbits(128)))
        hook_instance = str(uuid.UUID(int=ids.getrandbits(128)))
        roll = rng.random()
        if roll < 0.04:
            status, result, n = 412, "data-unavailable", 0
        elif roll < 0.042:
            status, result, n = 503, "store-unavailable", 0
        else:
            status, result, n = 200, "answered", (2 if rng.random() < 0.12 else 1)
        n = min(n, decisions_wanted - made)
        latency = rng.lognormvariate(1.0, 0.35) + (rng.expovariate(0.05) if rng.random() < 0.02 else 0)
        rows["hook_calls"].append(
            {
                "call_id": call_id,
                "received_at": when,
                "service_id": service,
                "hook": hook,
                "hook_instance": hook_instance,
                "user_id": user,
                "status": status,
                "result": result,
                "orders": n,
                "latency_ms": round(latency, 3),
                "delivery": delivery,
                "options": orjson.dumps({"delivery": delivery}).decode(),
            }
        )
        for _ in range(n):
            made += 1
            consult_id = f"urn:uuid:{uuid.UUID(int=ids.getrandbits(128))}"
            outcome = _weighted(rng, OUTCOMES)
            rated = outcome in ("appropriate", "not-appropriate")
            variants = _weighted(rng, VARIANTS) if rated or rng.random() < 0.3 else []
            category = (
                "UNA" if outcome == "not-appropriate" else rng.choice(["UA", "UA", "MBA", "MBA-D"]) if rated else None
            )
            rows["decisions"].append(
                {
                    "consult_id": consult_id,
                    "recorded_at": when,
                    "service_id": service,
                    "hook": hook,
                    "hook_instance": hook_instance,
                    "patient_id": f"pat-{rng.randrange(200_000)}",
                    "order_id": f"order-{made}",
                    "procedures": orjson.dumps(_weighted(rng, PROCEDURES)).decode(),
                    "variants": orjson.dumps(variants).decode(),
                    "outcome": outcome,
                    "category": category,
                    "alternatives": '["mr-cspine-wo"]' if outcome == "not-appropriate" else "[]",
                    "evidence": '["Condition/c-1","Patient/p-1"]',
                    "reasons": '["synthetic decision for the analytics benchmark"]',
                    "topic": "acr-cervical-pain-2024",
                    "call_id": call_id,
                    "user_id": user,
                    "delivery": delivery,
                }
            )
            if outcome != "not-appropriate" or delivery != "active":
                continue
            card_id = str(uuid.UUID(int=ids.getrandbits(128)))
            rows["cards"].append(
                {
                    "card_id": card_id,
                    "consult_id": consult_id,
                    "service_id": service,
                    "hook_instance": hook_instance,
                    "indicator": "warning",
                    "suggestion_ids": '["s-1"]',
                }
            )
            answer = rng.random()
            if answer < 0.35:
                outcome_fb, code = "accepted", None
            elif answer < 0.65:
                outcome_fb, code = "overridden", rng.choice(OVERRIDE_REASONS)[0]
            else:
                continue  # ignored: no feedback
            rows["feedback"].append(
                {
                    "fingerprint": uuid.UUID(int=ids.getrandbits(128)).hex,
                    "received_at": when + timedelta(seconds=20),
                    "service_id": service,
                    "card_id": card_id,
                    "consult_id": consult_id,
                    "outcome": outcome_fb,
                    "outcome_timestamp": (when + timedelta(seconds=15)).isoformat(),
                    "accepted_suggestions": '[{"id":"s-1"}]' if code is None else "[]",
                    "override_system": OVERRIDE_SYSTEM if code else None,
                    "override_code": code,
                    "override_comment_given": 0,
                }
            )
        if len(rows["decisions"]) >= batch:
            flush()
    flush()
    engine.dispose()
    return counts
