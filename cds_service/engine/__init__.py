"""The clinical engine: pure Python, no web framework; FHIR in, explainable decisions out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.chart import Chart, ChartReader
from cds_service.engine.decision import decide, order_date_of
from cds_service.engine.model import Decision, Evidence, Finding, OrderMatch, Outcome
from cds_service.engine.order import match_order
from cds_service.knowledge.model import Knowledge

__all__ = ["Chart", "Decision", "Engine", "Evidence", "Finding", "Outcome"]


class Engine:
    """Rates imaging orders against the knowledge base. Thread-safe: it holds no per-request state."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.reader = ChartReader(knowledge)

    def read_chart(
        self, resources: Iterable[Mapping[str, Any]], orders: Sequence[ServiceRequest], today: date
    ) -> Chart:
        """Read the chart, skipping Observations too old to matter for any of the orders."""
        dates = [order_date_of(o, today) for o in orders] or [today]
        return self.reader.read(resources, not_before=min(dates))

    def evaluate(
        self, orders: Sequence[ServiceRequest], resources: Iterable[Mapping[str, Any]], today: date | None = None
    ) -> list[Decision]:
        """One decision per order; `resources` is the patient's chart (any FHIR resources)."""
        today = today or date.today()
        chart = self.read_chart(resources, orders, today)
        return [decide(order, chart, self.knowledge, today, siblings=orders) for order in orders]

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
        return decide(order, chart, self.knowledge, today, siblings, match)
