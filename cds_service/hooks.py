"""One hook call from request to response: orders -> data -> decisions -> cards -> audit trail.

Framework-free: the Flask layer hands over the parsed JSON body and returns what this produces.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date
from typing import Any

import requests

from cds_service.cards.builder import CardBuilder
from cds_service.cdshooks.configuration import CallOptions, OptionError
from cds_service.cdshooks.discovery import ServiceDefinition
from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.request import HookRequest, parse_hook_request
from cds_service.config import Settings
from cds_service.engine import Engine
from cds_service.engine.decision import order_date_of
from cds_service.fhir.client import Deadline, FhirClient
from cds_service.fhir.patient_data import DataUnavailable, data_keys, gather, observation_floor
from cds_service.knowledge.model import Knowledge
from cds_service.security import FhirServerPolicy, ServerNotAllowed
from cds_service.security.tokens import Caller
from cds_service.store import AuditStore, HookCallRecord
from cds_service.store.records import decision_record

log = logging.getLogger("cds_service.hooks")


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
        options = self._options(request)
        today = self.clock()
        siblings = [o.model for o in request.all_orders]
        rated = [(o, m) for o in request.orders if (m := self.engine.match(o.model, siblings)) is not None]
        if not rated:
            return {"cards": []}
        order_dates = [order_date_of(o.model, today) for o, _ in rated]
        client, no_client = self._client(request, caller)
        call_id = str(uuid.uuid4())
        try:
            resources = gather(
                self.keys,
                request.prefetch,
                request.patient_id,
                client,
                self.executor,
                Deadline.after(self.settings.fhir_budget_seconds),
                observation_floor(order_dates, self.k),
                no_client,
            )
        except DataUnavailable:
            self.store.record_call(self._call(service, request, options, call_id, 412, "data-unavailable", 0, started))
            raise
        fetched = time.perf_counter()
        chart = self.engine.read_chart(resources, [o.model for o, _ in rated], today, patient_id=request.patient_id)
        response: dict[str, Any] = {"cards": []}
        actions: list[dict[str, Any]] = []
        records = []
        for order, match in rated:
            decision = self.engine.evaluate_one(order.model, chart, today, siblings, match)
            choices = ()
            if service.hook == "order-select" and options.capture_indication and not options.shadow:
                choices = self.engine.capture(order.model, decision, chart, today, siblings)
            consult_id = f"urn:uuid:{uuid.uuid4()}"
            built = self.cards.build(decision, order.raw, consult_id, options, choices)
            response["cards"] += built.cards
            actions += built.system_actions
            records.append(
                decision_record(
                    decision,
                    topic=self.k.topic.id,
                    consult_id=consult_id,
                    service_id=service.id,
                    hook=service.hook,
                    hook_instance=request.hook_instance,
                    patient_id=request.patient_id,
                    call_id=call_id,
                    user_id=request.user_id,
                    delivery=options.delivery,
                    cards=built.cards,
                    suggestion_ids=built.suggestion_ids,
                )
            )
        if actions:
            response["systemActions"] = actions
            response["extension"] = {"systemActions": actions}
        auditing = time.perf_counter()
        call = self._call(service, request, options, call_id, 200, "answered", len(rated), started)
        self.store.record_decisions(records, call)
        audited = time.perf_counter()
        log.info(
            "hook answered",
            extra={
                "service": service.id,
                "hook": service.hook,
                "orders": len(rated),
                "outcomes": [r.outcome for r in records],
                "consult_ids": [r.consult_id for r in records],
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

    def _call(
        self,
        service: ServiceDefinition,
        request: HookRequest,
        options: CallOptions,
        call_id: str,
        status: int,
        result: str,
        orders: int,
        started: float,
    ) -> HookCallRecord:
        return HookCallRecord(
            call_id=call_id,
            service_id=service.id,
            hook=service.hook,
            hook_instance=request.hook_instance,
            user_id=request.user_id,
            status=status,
            result=result,
            orders=orders,
            latency_ms=(time.perf_counter() - started) * 1000,
            delivery=options.delivery,
            options=options.as_record(),
        )
