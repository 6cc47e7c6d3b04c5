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

from cds_service.api.discovery import discovery_document, services
from cds_service.api.errors import HookError, operation_outcome
from cds_service.api.routes import blueprint
from cds_service.config import Settings
from cds_service.hooks import HookService, ServiceDefinition
from cds_service.knowledge import Knowledge, load_knowledge
from cds_service.store import AuditStore

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
    knowledge = knowledge or load_knowledge(settings.mappings_path)
    store = store or AuditStore(settings.database_url, settings.sqlite_synchronous)
    executor = ThreadPoolExecutor(max_workers=settings.fhir_parallel, thread_name_prefix="fhir")
    hooks = HookService(knowledge, settings, store, session or requests.Session(), executor, clock)
    definitions = services(knowledge)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # keep the CDS Hooks field order readable
    app.extensions["cds_service"] = AppState(
        settings=settings,
        services={d.id: d for d in definitions},
        discovery=discovery_document(definitions, hooks.keys),
        hooks=hooks,
        store=store,
    )
    app.register_blueprint(blueprint)
    CORS(
        app,
        resources={r"/cds-services*": {"origins": "*"}},
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Location", "Content-Location"],
        max_age=600,
        send_wildcard=True,
    )
    _register_errors(app)
    return app


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

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
        return operation_outcome(500, "internal error; it has been logged", code="exception")
