"""The Flask application (app factory): CDS Hooks endpoints over the engine."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests
from flask import Flask, Response
from flask_cors import CORS
from werkzeug.exceptions import HTTPException

from cds_service.analytics import views as analytics
from cds_service.api import auth
from cds_service.api.errors import HookError, operation_outcome
from cds_service.api.json_provider import OrjsonProvider
from cds_service.api.paths import CollapseSlashes
from cds_service.api.routes import blueprint
from cds_service.bounded_http import cookieless_session
from cds_service.cdshooks.discovery import ServiceDefinition, discovery_document, services
from cds_service.cdshooks.validation import prepare_validators
from cds_service.config import Settings
from cds_service.hooks import HookService
from cds_service.knowledge import Knowledge, load_knowledge
from cds_service.logs import frames
from cds_service.security import TokenVerifier, load_trusted_clients
from cds_service.security.jwks import JwksCache
from cds_service.store import AuditStore, StoreRefused, StoreUnavailable

log = logging.getLogger("cds_service.api")


@dataclass
class AppState:
    """Everything the routes share, built once per process."""

    settings: Settings
    services: dict[str, ServiceDefinition]
    discovery: dict[str, Any]
    hooks: HookService
    store: AuditStore


def create_app(
    settings: Settings | None = None,
    *,
    knowledge: Knowledge | None = None,
    store: AuditStore | None = None,
    session: requests.Session | None = None,
    clock: Callable[[], date] = date.today,
) -> Flask:
    """Build the app. Mappings are loaded and validated here, so a bad mapping fails at start-up."""
    settings = settings or Settings.from_env()
    settings.check()
    knowledge = knowledge or load_knowledge(settings.mappings_path)
    prepare_validators()
    store = store or AuditStore(settings.database_url, settings.sqlite_synchronous, settings.audit_flush_seconds)
    session = session or cookieless_session()  # FHIR calls: one connection pool, no cookie shared between callers
    executor = ThreadPoolExecutor(max_workers=settings.fhir_parallel, thread_name_prefix="fhir")
    hooks = HookService(knowledge, settings, store, session, executor, clock)
    definitions = services(knowledge)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json = OrjsonProvider(app)  # keeps the CDS Hooks field order readable (no key sorting)
    app.extensions["cds_service"] = AppState(
        settings=settings,
        services={d.id: d for d in definitions},
        discovery=discovery_document(definitions, {k.name: k.template for k in hooks.keys}, hooks.defaults),
        hooks=hooks,
        store=store,
    )
    app.register_blueprint(blueprint)
    app.wsgi_app = CollapseSlashes(app.wsgi_app)  # type: ignore[method-assign]
    CORS(
        app,
        resources={r"/cds-services*": {"origins": "*"}},
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Location", "Content-Location"],
        max_age=600,
        send_wildcard=True,
    )
    auth.install(app, settings, _verifier(settings, store))
    analytics.install(app, settings, store.engine, knowledge, tuple(d.id for d in definitions))
    _register_errors(app)
    return app


def _verifier(settings: Settings, store: AuditStore) -> TokenVerifier | None:
    """The JWT verifier for the configured trusted clients; None (and a loud warning) when auth is off."""
    if settings.auth_mode == "off":
        log.warning(
            "AUTHENTICATION IS OFF (CDS_AUTH=off, development mode): any caller can use this service; "
            "never expose it to a network"
        )
        return None
    clients = load_trusted_clients(settings.trusted_clients, settings.trust_sandbox)
    for client in clients.values():
        if client.demo:
            log.warning("trusting a DEMO client whose signing key is public", extra={"iss": client.iss})
    if not clients:
        log.warning("no trusted clients configured: every authenticated call will be refused")
    keys = JwksCache(
        cookieless_session(),
        settings.jwks_timeout_seconds,
        settings.jwks_min_refresh_seconds,
        settings.jwks_max_age_seconds,
    )
    return TokenVerifier(
        clients, keys, store.claim_token_id, settings.jwt_leeway_seconds, settings.jwt_max_lifetime_seconds
    )


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HookError)
    def hook_error(error: HookError) -> Response:
        return operation_outcome(error.status, error.message, error.code)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        allowed = ", ".join(getattr(error, "valid_methods", None) or ())
        messages = {
            404: "no such endpoint; the CDS Hooks discovery document is at GET /cds-services",
            405: f"method not allowed here; allowed: {allowed}",
            413: f"the request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes",
        }
        code = {404: "not-found", 413: "too-costly"}.get(status, "invalid")
        response = operation_outcome(status, messages.get(status, error.description or "bad request"), code)
        if status == 405 and allowed:
            response.headers["Allow"] = allowed
        return response

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(_error: StoreUnavailable) -> Response:
        # a decision that cannot be recorded is not given: nothing answered may be missing from the audit trail
        return operation_outcome(
            503, "the service cannot record this call right now, so it gives no answer; try again", code="transient"
        )

    @app.errorhandler(StoreRefused)
    def store_refused(_error: StoreRefused) -> Response:
        # a value the database can never store: not an outage (503 would invite the same call again); no answer,
        # as nothing answered may be missing from the audit trail
        return operation_outcome(
            400, "the request has a value the audit database cannot store (too long, or a NUL character)"
        )

    @app.errorhandler(RecursionError)
    def too_deep(_error: RecursionError) -> Response:
        return operation_outcome(400, "the request's JSON is nested too deeply to process", code="too-costly")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        # where it happened, never the message: it may quote request content (PHI) or a token
        log.error("unexpected error", extra={"error": type(error).__name__, "where": frames(error)})
        return operation_outcome(500, "internal error; it has been logged", code="exception")
