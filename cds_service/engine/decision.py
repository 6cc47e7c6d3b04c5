"""Rate an order for a patient: the whole engine pipeline for one ServiceRequest (policy §6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.alternatives import rank_alternatives
from cds_service.engine.chart import Chart
from cds_service.engine.dates import day_range
from cds_service.engine.findings import read_facts
from cds_service.engine.model import Decision, OrderMatch, OrderRating, Outcome
from cds_service.engine.order import match_order
from cds_service.engine.variants import infer_scenario
from cds_service.knowledge.model import Knowledge


def order_date_of(order: ServiceRequest, today: date) -> date:
    """The order date: authoredOn, else today."""
    authored = day_range(order.authoredOn)
    return authored.earliest if authored else today


def decide(
    order: ServiceRequest,
    chart: Chart,
    k: Knowledge,
    today: date,
    siblings: Sequence[ServiceRequest] = (),
    match: OrderMatch | None = None,
) -> Decision:
    """The decision for one order, with everything needed to explain it (`match`: if already known)."""
    order_date = order_date_of(order, today)
    match = match or match_order(order, siblings, k)
    if match is None:
        return Decision(
            order.id,
            order_date,
            Outcome.NOT_APPLICABLE,
            None,
            reasons=("the order is not one of the imaging procedures this ACR topic rates",),
        )
    facts = read_facts(chart, order, order_date, k)
    scenario = infer_scenario(facts, k)
    common = {"findings": facts.findings, "duration": facts.duration, "routed_to": scenario.routed_to}
    if scenario.outcome is not None:
        return Decision(order.id, order_date, scenario.outcome, match, reasons=scenario.reasons, **common)

    variants = tuple(k.variants[n] for n in scenario.variants)
    ratings = tuple(OrderRating(v, p, v.rating_of(p.id)) for v in variants for p in match.procedures)
    unrated = [r for r in ratings if r.rating is None]
    if unrated:
        reasons = scenario.reasons + tuple(
            f"variant {r.variant.number} does not rate {r.procedure.name}" for r in unrated
        )
        return Decision(
            order.id, order_date, Outcome.NO_CRITERIA_APPLY, match, variants, ratings, reasons=reasons, **common
        )

    alternatives, exclusions = rank_alternatives(variants, match.procedures, facts.contraindications, k)
    if all(r.rating and r.rating.category.pama == "not-appropriate" for r in ratings):
        outcome = Outcome.NOT_APPROPRIATE
    else:
        # Appropriate: only a Usually Appropriate study is worth suggesting, and only for a weaker order.
        outcome = Outcome.APPROPRIATE
        best_rank = min(c.rank for c in k.categories.values())
        weaker = max(r.rating.category.rank for r in ratings if r.rating) > best_rank
        alternatives = tuple(a for a in alternatives if weaker and a.worst.rank == best_rank)
        exclusions = tuple(e for e in exclusions if weaker and e.worst.rank == best_rank)
    return Decision(
        order.id,
        order_date,
        outcome,
        match,
        variants,
        ratings,
        alternatives,
        exclusions,
        reasons=scenario.reasons,
        better_alternative=outcome is Outcome.APPROPRIATE and bool(alternatives),
        **common,
    )
