"""One hook call from request to response: orders -> data -> decisions -> cards -> audit trail.

Framework-free: the Flask layer hands over the parsed JSON body and returns what this produces.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import requests

from cds_service.cards.builder import CardBuilder, CardResult
from cds_service.cdshooks.configuration import CallOptions, OptionError
from cds_service.cdshooks.discovery import ServiceDefinition
from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.request import HookRequest, OrderInput, parse_hook_request
from cds_service.config import Settings
from cds_service.engine import Chart, Engine
from cds_service.engine.capture import CaptureChoice
from cds_service.engine.decision import order_date_of
from cds_service.engine.model import OrderMatch
from cds_service.engine.order import live_draft
from cds_service.fhir.batch import BatchSupport
from cds_service.fhir.client import Deadline, FhirClient
from cds_service.fhir.patient_data import DataUnavailable, data_keys, gather, observation_floor
from cds_service.knowledge.model import Knowledge
from cds_service.security import FhirServerPolicy, ServerNotAllowed
from cds_service.security.tokens import Caller
from cds_service.store import AuditStore, HookCallRecord
from cds_service.store.records import DecisionRecord, decision_record

log = logging.getLogger("cds_service.hooks")

Rated = tuple[OrderInput, OrderMatch]  # a draft order and the topic procedure(s) it stands for
# Neck imaging orders one call rates at most. Each is decided with every other draft's words, and its card shows
# them: the work and the answer grow with the square of their number (a twenty-sixth review: 1 000 drafts of one
# study held a worker 2 to 5 s). No EHR signs more than a few at once; more is refused, not half answered.
MAX_RATED_ORDERS = 25


@dataclass(frozen=True)
class HookCall:
    """One call in progress: what was asked, under which options, on which day, since when."""

    service: ServiceDefinition
    request: HookRequest
    options: CallOptions
    today: date
    started: float
    caller: Caller | None = None
    call_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def siblings(self) -> list[Any]:
        return [o.model for o in self.request.all_orders]

    def record(self, status: int, result: str, orders: int) -> HookCallRecord:
        """What the audit trail keeps of the call itself."""
        return HookCallRecord(
            call_id=self.call_id,
            service_id=self.service.id,
            hook=self.service.hook,
            hook_instance=self.request.hook_instance,
            user_id=self.request.user_id,
            status=status,
            result=result,
            orders=orders,
            latency_ms=(time.perf_counter() - self.started) * 1000,
            delivery=self.options.delivery,
            options=self.options.as_record(),
            client=self.caller.client.iss if self.caller else None,
            tenant=self.caller.tenant if self.caller else None,
        )


@dataclass(frozen=True)
class Answer:
    """One order's part of the response, and its audit record."""

    cards: CardResult
    record: DecisionRecord


class HookService:
    """Answers order-select / order-sign calls. Shared by all requests; holds no per-request state."""

    def __init__(
        self,
        knowledge: Knowledge,
        settings: Settings,
        store: AuditStore,
        session: requests.Session,
        executor: Executor,
        clock: Callable[[], date] = date.today,
    ) -> None:
        self.k = knowledge
        self.policy = FhirServerPolicy(settings.fhir_allowed_servers, settings.production)
        self.clock = clock
        self.settings = settings
        self.store = store
        self.session = session
        self.executor = executor
        self.batch = BatchSupport() if settings.fhir_batch == "auto" else None
        self.engine = Engine(knowledge)
        self.cards = CardBuilder(knowledge, settings)
        self.keys = data_keys(knowledge)
        self.defaults = settings.call_options()

    def handle(self, service: ServiceDefinition, body: Any, caller: Caller | None = None) -> dict[str, Any]:
        """The CDS Hooks response body; raises HookError / DataUnavailable for 4xx answers.

        `caller`: the authenticated client, whose `fhir_servers` extend the outbound allow-list.
        """
        started = time.perf_counter()
        request = parse_hook_request(body, service.hook)
        call = HookCall(service, request, self._options(request), self.clock(), started, caller)
        siblings = call.siblings
        live = [o for o in request.orders if live_draft(o.model, self.k)]  # (a revoked draft is not rated)
        rated = [(o, m) for o in live if (m := self.engine.match(o.model, siblings)) is not None]
        if not rated:
            return {"cards": []}
        if len(rated) > MAX_RATED_ORDERS:
            raise HookError(400, f"{len(rated)} neck imaging orders in one call; at most {MAX_RATED_ORDERS} are rated")
        resources = self._gather(call, rated, caller)
        fetched = time.perf_counter()
        orders = [o.model for o, _ in rated]
        chart = self.engine.read_chart(resources, orders, call.today, patient_id=request.patient_id)
        answers = [self._answer(call, order, match, chart) for order, match in rated]
        auditing = time.perf_counter()
        self.store.record_decisions([a.record for a in answers], call.record(200, "answered", len(rated)))
        audited = time.perf_counter()
        response = _response(answers)
        log.info(
            "hook answered",
            extra={
                "service": service.id,
                "hook": service.hook,
                "orders": len(rated),
                "outcomes": [a.record.outcome for a in answers],
                "consult_ids": [a.record.consult_id for a in answers],
                "cards": len(response["cards"]),
                "fetch_ms": round((fetched - started) * 1000, 1),
                "audit_ms": round((audited - auditing) * 1000, 2),
                "total_ms": round((audited - started) * 1000, 1),
            },
        )
        return response

    def _options(self, request: HookRequest) -> CallOptions:
        """The deployment's options, overridden by the request's `extension` configuration (400 if unusable)."""
        try:
            return self.defaults.with_configuration(request.extension)
        except OptionError as exc:
            raise HookError(400, f"invalid configuration: {exc}") from None

    def _gather(self, call: HookCall, rated: Sequence[Rated], caller: Caller | None) -> list[Any]:
        """The chart from prefetch and the FHIR server; a call that cannot get it is recorded as a 412."""
        request = call.request
        order_dates = [order_date_of(o.model, call.today) for o, _ in rated]
        client, no_client = self._client(request, caller)
        try:
            return gather(
                self.keys,
                request.prefetch,
                request.patient_id,
                client,
                self.executor,
                Deadline.after(self.settings.fhir_budget_seconds),
                observation_floor(order_dates, self.k),
                no_client,
                self.batch,
            )
        except DataUnavailable:
            self.store.record_call(call.record(412, "data-unavailable", 0))
            raise

    def _answer(self, call: HookCall, order: OrderInput, match: OrderMatch, chart: Chart) -> Answer:
        """Decide one order, build its cards (and the capture card's choices, policy §9) and its audit record."""
        siblings = call.siblings
        decision = self.engine.evaluate_one(order.model, chart, call.today, siblings, match)
        choices: tuple[CaptureChoice, ...] = ()
        options = call.options
        if call.service.hook == "order-select" and options.capture_indication and not options.shadow:
            choices = self.engine.capture(order.model, decision, chart, call.today, siblings)
        consult_id = f"urn:uuid:{uuid.uuid4()}"
        built = self.cards.build(decision, order.raw, consult_id, options, choices)
        record = decision_record(
            decision,
            topic=self.k.topic.id,
            consult_id=consult_id,
            service_id=call.service.id,
            hook=call.service.hook,
            hook_instance=call.request.hook_instance,
            patient_id=call.request.patient_id,
            call_id=call.call_id,
            user_id=call.request.user_id,
            delivery=options.delivery,
            cards=built.cards,
            suggestion_ids=built.suggestion_ids,
            suggested=built.suggested,
        )
        return Answer(built, record)

    def _client(self, request: HookRequest, caller: Caller | None) -> tuple[FhirClient | None, str]:
        """A client for the request's FHIR server, or None and why none (used only if a fetch is needed)."""
        if not request.fhir_server:
            return None, "the request names no fhirServer to read it from"
        try:
            self.policy.check(request.fhir_server, caller.client if caller else None)
        except ServerNotAllowed as exc:
            return None, str(exc)
        return FhirClient(
            self.session,
            request.fhir_server,
            request.access_token,
            timeout=self.settings.fhir_timeout_seconds,
            max_bytes=self.settings.fhir_max_response_bytes,
            max_pages=self.settings.fhir_max_pages,
        ), ""


def _response(answers: Sequence[Answer]) -> dict[str, Any]:
    """The response body: every card, and the rating updates both where CDS Hooks 2.0 puts them and where the
    Argonaut PAMA convention (and the sandbox) reads them."""
    response: dict[str, Any] = {"cards": [card for a in answers for card in a.cards.cards]}
    actions = [action for a in answers for action in a.cards.system_actions]
    if actions:
        response["systemActions"] = actions
        response["extension"] = {"systemActions": actions}
    return response
