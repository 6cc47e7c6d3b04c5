"""Rate an order for a patient: the whole engine pipeline for one ServiceRequest (policy §6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.alternatives import rank_alternatives
from cds_service.engine.chart import Chart, ChartReader
from cds_service.engine.dates import DayRange, day_range, plausible
from cds_service.engine.facts import PatientFacts, build_facts
from cds_service.engine.model import Decision, OrderMatch, OrderRating, Outcome, Scenario
from cds_service.engine.order import match_order
from cds_service.engine.recognise import recognise
from cds_service.engine.variants import infer_scenario
from cds_service.knowledge.model import Effect, Knowledge, Role


def order_date_of(order: ServiceRequest, today: date) -> date:
    """The order date: authoredOn, else (absent, a sentinel such as 0001-01-01, or in the future) today; the first day
    of an authoredOn given only to the month or the year."""
    return order_days_of(order, today)[0]


def order_days_of(order: ServiceRequest, today: date, birth: DayRange | None = None) -> tuple[date, date]:
    """The first and the last day the order may have been written: one day, unless authoredOn is given only to the
    month or the year ("2026-11": any day of it, not after today); today when authoredOn is impossible (a sentinel,
    in the future, or before the patient's `birth`)."""
    authored = plausible(day_range(order.authoredOn), today, birth)
    return (min(authored.earliest, today), min(authored.latest, today)) if authored else (today, today)


def decide(
    order: ServiceRequest,
    chart: Chart,
    reader: ChartReader,
    today: date,
    siblings: Sequence[ServiceRequest] = (),
    match: OrderMatch | None = None,
) -> Decision:
    """The decision for one order, with everything needed to explain it (`match`: if already known). An order whose
    date is given only to the month or the year is rated on each day it may have been written (`_days_between`): a
    warning needs them all (durations and recent events depend on the day; a twenty-ninth review: "2026-11" read as
    its first day made a 31-to-51-day pain acute; a thirtieth: a red flag's 14-day window inside the month)."""
    # (an authoredOn before the birth is no date: "1900-01-01" read as the order's day made the birth "after the
    # order", so the age unknown and nothing rated; a forty-second review)
    first, last = order_days_of(order, today, chart.birth_days)
    decision = _decide_on(order, first, chart, reader, siblings, match)
    if decision.outcome is not Outcome.NOT_APPROPRIATE:
        return decision
    for day in _days_between(first, last):
        other = _decide_on(order, day, chart, reader, siblings, match)
        if other.outcome is not Outcome.NOT_APPROPRIATE:
            why = f"the order's date is not given to the day (authoredOn {order.authoredOn}): rated on {day} too"
            return replace(other, reasons=(*other.reasons, why))
    return decision


def _days_between(first: date, last: date) -> list[date]:
    """The days after `first` an order dated only to the month or the year may have been written, last first: every
    day of a month; of a longer span every seventh day and the last (no window of the policy is shorter than 14
    days, so each holds one of them)."""
    span = (last - first).days
    step = 1 if span <= 31 else 7
    days = [first + timedelta(days=n) for n in range(step, span, step)]
    return [last, *reversed(days)] if span > 0 else []


def _decide_on(
    order: ServiceRequest,
    order_date: date,
    chart: Chart,
    reader: ChartReader,
    siblings: Sequence[ServiceRequest],
    match: OrderMatch | None,
) -> Decision:
    """The decision for one order written on `order_date`."""
    k = reader.k
    match = match or match_order(order, siblings, k)
    if match is None:
        return _not_applicable(order, order_date, "the order is not one of the imaging procedures this ACR topic rates")
    unrated = _not_an_order_to_rate(order)
    if unrated:
        return _not_applicable(order, order_date, unrated, match)
    recognised = recognise(chart, order, order_date, k, reader, siblings)
    facts = build_facts(recognised, order_date, k)
    # a neck reason may be in the order's unread words: then the data is insufficient, not the order out of topic
    if match.needs_neck_reason and not _neck_reason(facts, k) and not recognised.order_words_unread:
        return _not_applicable(
            order,
            order_date,
            "a whole-body study, or a code that does not name the region, is rated against this topic only when "
            "the order's own reason is a neck indication",
            match,
            facts,
        )
    scenario = infer_scenario(facts, k)
    if scenario.outcome is not None:
        reasons = _reasons(scenario, facts)
        explained = _explained(scenario, facts, match, k)
        return Decision(order.id, order_date, scenario.outcome, match, reasons=reasons, **explained)
    return _rated(order, order_date, match, scenario, facts, k)


def _not_an_order_to_rate(order: ServiceRequest) -> str | None:
    """Why an order is no request to perform its study as written, or None: `doNotPerform` (it asks that the study
    not be done), or a modifier this service does not know (`modifierExtension`, `implicitRules`: FHIR forbids
    reading a resource as if it were absent)."""
    if order.doNotPerform:
        return "the order asks that the study not be done (doNotPerform): not rated"
    if order.modifierExtension or order.implicitRules:
        return "the order carries a modifier this service does not know (modifierExtension, implicitRules): not rated"
    return None


def _rated(
    order: ServiceRequest, order_date: date, match: OrderMatch, scenario: Scenario, facts: PatientFacts, k: Knowledge
) -> Decision:
    """The decision once the candidate variants are known: the order's rating in each, and the alternatives."""
    common = _explained(scenario, facts, match, k)
    variants = tuple(k.variants[n] for n in scenario.variants)
    ratings = tuple(OrderRating(v, p, v.rating_of(p.id)) for v in variants for p in match.procedures)
    unrated = [r for r in ratings if r.rating is None]
    if unrated:
        reasons = _reasons(scenario, facts) + tuple(
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
        reasons=_reasons(scenario, facts),
        better_alternative=outcome is Outcome.APPROPRIATE and bool(alternatives),
        **common,
    )


def _explained(scenario: Scenario, facts: PatientFacts, match: OrderMatch, k: Knowledge) -> dict[str, Any]:
    """What every decision past the order match carries to explain itself."""
    return {
        "findings": facts.findings,
        "widened": facts.widened,
        "duration": facts.duration,
        "mentions": facts.mentions,
        "ignored": facts.ignored,
        "routed_to": scenario.routed_to,
        "against_ordered": tuple(
            c
            for c in facts.contraindications
            if any(k.contraindications[c.id].excludes_procedure(p) for p in match.procedures)
        ),
    }


def _not_applicable(
    order: ServiceRequest,
    order_date: date,
    reason: str,
    match: OrderMatch | None = None,
    facts: PatientFacts | None = None,
) -> Decision:
    extra = {"findings": facts.findings, "mentions": facts.mentions} if facts else {}
    return Decision(order.id, order_date, Outcome.NOT_APPLICABLE, match, reasons=(reason,), **extra)


def _neck_reason(facts: PatientFacts, k: Knowledge) -> bool:
    """Whether the order itself states a neck indication (reasonCode, its words, note, reasonReference)."""
    return any(
        m.order_reason
        and m.concept in k.findings
        and k.concept(m.concept).role is Role.INDICATION
        and k.concept(m.concept).effect(m.context) is not Effect.IGNORE
        for m in facts.mentions
    )


def _reasons(scenario: Scenario, facts: PatientFacts) -> tuple[str, ...]:
    return scenario.reasons + facts.ignored
