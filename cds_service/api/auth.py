"""Client authentication for the CDS Hooks endpoints; request ids and security headers on every response."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, request

from cds_service.api.errors import operation_outcome
from cds_service.api.paths import RAW_PATH
from cds_service.config import Settings
from cds_service.security import AuthError, TokenVerifier

log = logging.getLogger("cds_service.auth")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # a caller's X-Request-ID is kept only if it is this plain

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",  # answers carry patient data
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def expected_audience(settings: Settings) -> str:
    """This endpoint's URL as the client must name it in `aud`: the configured public base URL + the path as the
    client sent it (`/cds-services//<id>` from a discovery URL with a trailing slash, which is served as one slash).

    Never the request's Host header: the caller chooses it (Settings.check refuses auth without the URL).
    """
    path = request.environ.get(RAW_PATH) or request.path
    return settings.public_base_url.rstrip("/") + path


def _needs_token(settings: Settings, header: str | None) -> bool:
    """Whether this request is checked: CDS Hooks paths (discovery as configured), never a CORS preflight; with
    optional auth only when a token is sent."""
    mode = settings.auth_mode
    if mode == "off" or request.method == "OPTIONS" or not request.path.startswith("/cds-services"):
        return False
    if request.path.rstrip("/") == "/cds-services" and not settings.auth_discovery:
        return False
    return not (mode == "optional" and not header)


def install(app: Flask, settings: Settings, verifier: TokenVerifier | None) -> None:
    """JWT check before CDS Hooks calls (never on preflight or /healthz); security headers after every response."""

    @app.before_request
    def request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex

    @app.before_request
    def authenticate() -> Response | None:
        header = request.headers.get("Authorization")
        if verifier is None or not _needs_token(settings, header):
            return None
        try:
            g.caller = verifier.verify(header, expected_audience(settings))
        except AuthError as exc:
            log.warning("authentication failed", extra={"reason": exc.reason, "iss": exc.iss, "path": request.path})
            response = operation_outcome(401, "authentication required", code="login")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return None

    @app.after_request
    def secure_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
