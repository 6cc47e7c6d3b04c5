"""Which FHIR servers the service may call (SSRF protection): an allow-list of base-URL prefixes.

A `fhirServer` is allowed when it starts with a configured prefix (CDS_FHIR_ALLOWED_SERVERS or the
calling client's `fhir_servers`) at a path boundary; in development mode loopback servers are allowed
too. Production mode requires https. Only http(s) URLs without credentials are ever considered.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from cds_service.security.clients import TrustedClient


class ServerNotAllowed(Exception):
    """The request names a FHIR server this service must not call; the message says why."""


class FhirServerPolicy:
    def __init__(self, allowed: str, production: bool) -> None:
        self.production = production
        self.allowed = tuple(_normal(p) for p in allowed.split(",") if p.strip())

    def check(self, url: str, client: TrustedClient | None) -> None:
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise ServerNotAllowed("fhirServer has an invalid port") from None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ServerNotAllowed(f"fhirServer must be an http(s) URL, not {parts.scheme or 'schemeless'}")
        if parts.username or parts.password:
            raise ServerNotAllowed("fhirServer must not carry credentials in the URL")
        if self.production and parts.scheme != "https":
            raise ServerNotAllowed("fhirServer must use https in production mode")
        if not self.production and _loopback(parts.hostname):
            return
        target = _normal(url)
        prefixes = self.allowed + tuple(_normal(p) for p in (client.fhir_servers if client else ()))
        if not any(target == p or target.startswith(p.rstrip("/") + "/") for p in prefixes):
            raise ServerNotAllowed(
                f"fhirServer {parts.scheme}://{parts.netloc} is not on this service's allow-list "
                "(CDS_FHIR_ALLOWED_SERVERS or the client's fhir_servers); send the data as prefetch, "
                "or ask the operator to allow the server"
            )


def _normal(url: str) -> str:
    parts = urlsplit(url.strip())
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}{parts.path.rstrip('/')}"


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
