"""The clinical engine: pure Python, no web framework; FHIR in, explainable decisions out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.capture import CaptureChoice, capture_choices
from cds_service.engine.chart import Chart, ChartReader, referenced_id
from cds_service.engine.decision import decide, order_date_of
from cds_service.engine.model import Coding, Decision, Evidence, Finding, Mention, OrderMatch, Outcome
from cds_service.engine.order import match_order
from cds_service.engine.recognise import order_words_size
from cds_service.engine.text import TextReader
from cds_service.knowledge.model import Knowledge

__all__ = ["CaptureChoice", "Chart", "Coding", "Decision", "Engine", "Evidence", "Finding", "Mention", "Outcome"]


class Engine:
    """Rates imaging orders against the knowledge base. Thread-safe: it holds no per-request state.

    Building one loads the text reader's pipeline (about a second): build it once per process.
    """

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.reader = ChartReader(knowledge, TextReader(knowledge))

    def read_chart(
        self,
        resources: Iterable[Mapping[str, Any]],
        orders: Sequence[ServiceRequest],
        today: date,
        *,
        patient_id: str | None = None,
        problems: Sequence[str] = (),
    ) -> Chart:
        """Read the chart for these orders (`patient_id`: the hook's patient; `problems`: what the caller could not
        read, e.g. a Bundle entry that is not a resource), skipping Observations too old to matter."""
        dates = [order_date_of(o, today) for o in orders] or [today]
        reasons = frozenset(  # the Reference's one field read, not the model dumped (~40 µs each)
            rid for o in orders for r in o.reasonReference or () if (rid := referenced_id(r.reference, "Condition"))
        )
        chart = self.reader.read(resources, patient_id=patient_id, not_before=min(dates), reason_ids=reasons)
        chart.problems[:0] = problems
        chart.order_words = sum(order_words_size(o) for o in orders)
        return chart

    def evaluate(
        self,
        orders: Sequence[ServiceRequest],
        resources: Iterable[Mapping[str, Any]],
        today: date | None = None,
        *,
        patient_id: str | None = None,
        siblings: Sequence[ServiceRequest] | None = None,
    ) -> list[Decision]:
        """One decision per order; `resources` is the patient's chart (any FHIR resources); `siblings`: the orders
        placed with them, which some are rated with (a PET beside an MRI is PET/MRI; by default `orders`). As in a
        hook call, the chart is read for the orders the topic rates: another order's words and dates count for
        nothing."""
        today = today or date.today()
        siblings = orders if siblings is None else siblings
        matches = [self.match(order, siblings) for order in orders]
        rated = [order for order, match in zip(orders, matches, strict=True) if match is not None]
        chart = self.read_chart(resources, rated, today, patient_id=patient_id)
        return [decide(o, chart, self.reader, today, siblings, m) for o, m in zip(orders, matches, strict=True)]

    def match(self, order: ServiceRequest, siblings: Sequence[ServiceRequest] = ()) -> OrderMatch | None:
        """The procedure(s) an order stands for; None if the topic does not rate it (no data needed)."""
        return match_order(order, siblings, self.knowledge)

    def evaluate_one(
        self,
        order: ServiceRequest,
        chart: Chart,
        today: date,
        siblings: Sequence[ServiceRequest] = (),
        match: OrderMatch | None = None,
    ) -> Decision:
        return decide(order, chart, self.reader, today, siblings, match)

    def capture(
        self,
        order: ServiceRequest,
        decision: Decision,
        chart: Chart,
        today: date,
        siblings: Sequence[ServiceRequest] = (),
    ) -> tuple[CaptureChoice, ...]:
        """Policy §9: for an order with no indication anywhere, the rating it would get with each coded reason."""
        return capture_choices(
            order, decision, self.knowledge, lambda o: decide(o, chart, self.reader, today, siblings, decision.match)
        )
