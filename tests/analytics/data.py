"""A small, hand-countable audit trail for the analytics tests, written through the store's own write path.

Five hook calls (one refused 412), five orders, three warnings (one suggestion taken, one overridden
for patient preference, one ignored). EXPECTED holds what the page must show for it.
"""

from __future__ import annotations

from cds_service.cards.builder import NON_ADHERENCE
from cds_service.store import AuditStore, DecisionRecord, FeedbackRecord, HookCallRecord

OVERRIDE_SYSTEM = "urn:cds-service:override-reason"
SELECT, SIGN = ("cspine-auc-select", "order-select"), ("cspine-auc-sign", "order-sign")


def _decision(n: int, service, user, delivery, procedures, variants, outcome, category, card=None) -> DecisionRecord:
    return DecisionRecord(
        consult_id=f"urn:uuid:00000000-0000-0000-0000-{n:012d}",
        service_id=service[0],
        hook=service[1],
        hook_instance=f"hi-{n}",
        patient_id=f"pat-{n}",
        order_id=f"order-{n}",
        procedures=procedures,
        variants=variants,
        outcome=outcome,
        category=category,
        alternatives=[],
        evidence=[],
        reasons=[],
        topic="acr-cervical-pain-2024",
        card_ids=[card] if card else [],
        card_indicators=["warning"] if card else [],
        call_id=f"call-{n}",
        user_id=user,
        delivery=delivery,
    )


def _call(name, service, user, delivery, status, result, orders, latency) -> HookCallRecord:
    return HookCallRecord(
        call_id=name,
        service_id=service[0],
        hook=service[1],
        hook_instance=f"hi-{name}",
        user_id=user,
        status=status,
        result=result,
        orders=orders,
        latency_ms=latency,
        delivery=delivery,
    )


def load(store: AuditStore) -> None:
    """Write the calls, decisions, cards and feedback (and move them out of the journal)."""
    u1, u2 = "Practitioner/u1", "Practitioner/u2"
    store.record_decisions(
        [
            _decision(1, SELECT, u1, "active", ["xr-cspine"], [1], "not-appropriate", "UNA", card="card-1"),
            _decision(2, SELECT, u1, "active", ["mr-cspine-wo"], [1], "appropriate", "UA"),
        ],
        _call("call-a", SELECT, u1, "active", 200, "answered", 2, 2.0),
    )
    store.record_decisions(
        [
            _decision(
                3, SIGN, u2, "active", ["ct-cspine-w", "ct-myelo-cspine"], [2, 8], "not-appropriate", "UNA", "card-2"
            )
        ],
        _call("call-b", SIGN, u2, "active", 200, "answered", 1, 4.0),
    )
    store.record_decisions(
        [_decision(4, SELECT, u1, "shadow", ["xr-cspine"], [], "no-criteria-apply", None)],
        _call("call-c", SELECT, u1, "shadow", 200, "answered", 1, 3.0),
    )
    store.record_call(_call("call-d", SIGN, u2, "active", 412, "data-unavailable", 0, 10.0))
    store.record_decisions(
        [_decision(5, SELECT, u1, "active", ["xr-cspine"], [7], "not-appropriate", "UNA", card="card-3")],
        _call("call-e", SELECT, u1, "active", 200, "answered", 1, 1.0),
    )
    if store.journal is not None:
        store.journal.flush()
    store.record_feedback(
        FeedbackRecord(SELECT[0], "card-1", "accepted", "2026-11-20T10:00:00Z", ["s-1"], None, None, False)
    )
    store.record_feedback(
        FeedbackRecord(
            SIGN[0], "card-2", "overridden", "2026-11-20T10:00:00Z", [], NON_ADHERENCE, "prefers-alternative", False
        )
    )


# What the page shows for this data, whatever the day it was loaded (all of it falls on one day).
EXPECTED_SUMMARY = {
    "hook calls": 5,
    "orders of topic procedures": 5,
    "orders with a rating (appropriate or not)": 4,
    "rated-order rate (%)": 80.0,
    "not appropriate (UNA in every scenario)": 3,
    "UNA share of rated orders (%)": 75.0,
    "calls refused 412, data unavailable": 1,
    "412 rate (%)": 20.0,
    "warning cards": 3,
    "warnings ignored (no feedback) (%)": 33.3,
    "latency p95 (ms)": 10.0,
}
EXPECTED_LATENCY = {"calls": 5, "p50": 3.0, "p95": 10.0, "p99": 10.0}
# procedure -> (orders, rated, UNA, share)
EXPECTED_UNA_BY_PROCEDURE = {
    "xr-cspine": (3, 2, 2, 100.0),
    "mr-cspine-wo": (1, 1, 0, 0.0),
    "ct-cspine-w": (1, 1, 1, 100.0),
    "ct-myelo-cspine": (1, 1, 1, 100.0),
}
EXPECTED_UNA_BY_VARIANT = {1: (2, 2, 1, 50.0), 2: (1, 1, 1, 100.0), 8: (1, 1, 1, 100.0), 7: (1, 1, 1, 100.0)}
# (response, reason code) -> warning cards
EXPECTED_WARNINGS = {("taken", ""): 1, ("overridden", "prefers-alternative"): 1, ("ignored", ""): 1}
