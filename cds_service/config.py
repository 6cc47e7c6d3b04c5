"""Service configuration: a plain object read from CDS_* environment variables, with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

from cds_service.cdshooks.configuration import CallOptions

PREFIX = "CDS_"
SQLITE_SYNC_LEVELS = ("FULL", "NORMAL", "EXTRA")
AUDIT_FLUSH_SECONDS = 1.0  # how often each process moves its journal into the database, by default
ANALYTICS_PASSWORD_MIN = 12
DELIVERIES = ("active", "shadow")
FHIR_BATCH = ("auto", "off")


class ConfigError(ValueError):
    """A configuration value cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every setting, its default and (in the README) its CDS_<NAME> variable."""

    mode: str = "development"  # or "production": stricter defaults and start-up checks (SECURITY.md)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4  # production server processes (one request at a time each: no GIL contention)
    threads: int = 1  # threads per process; raise when FHIR fetches are slow (they wait on the network)
    public_base_url: str = ""  # e.g. https://cds.example.org: the JWT audience; required whenever auth is on
    database_url: str = "sqlite:///var/cds-service.sqlite3"
    # SQLite only: FULL = a committed record survives power loss; NORMAL (WAL) = survives a crash of the
    # service, may lose the last commits on power loss, and is several times faster.
    sqlite_synchronous: str = "FULL"
    # SQLite only: decisions are journaled per process (synced as above) and moved into the database
    # in batches at this interval; other processes' reads see them after at most this long.
    audit_flush_seconds: float = AUDIT_FLUSH_SECONDS
    mappings_dir: str = ""  # default: the mappings shipped with the service
    fhir_timeout_seconds: float = 2.0  # per FHIR call
    fhir_budget_seconds: float = 4.0  # all FHIR calls of one hook request
    fhir_max_pages: int = 20  # per search, following Bundle next links
    fhir_max_response_bytes: int = 20_000_000
    fhir_parallel: int = 8  # the GETs of one chart at once (a Patient read and seven searches)
    # auto: two or more keys to fetch go to the FHIR server in one batch request when its CapabilityStatement
    # lists batch (or transaction); GETs in parallel otherwise, or when the batch fails. off: GETs always.
    fhir_batch: str = "auto"
    max_request_bytes: int = 5_000_000
    # Slow or idle clients (serve): time to send a request's headers (also how long an idle keep-alive
    # connection stays open), time to send its body once the headers are in, open connections per worker.
    http_header_timeout_seconds: float = 10.0
    http_body_timeout_seconds: float = 10.0
    http_max_connections: int = 2048
    # What a hook call shows (README "Modes and options"); a call may override each for itself
    # (cdshooks/configuration.py).
    delivery: str = "active"  # or "shadow": evaluate and record, show no card
    rating_actions: bool = True  # attach the Argonaut pama-rating to rated orders (systemActions)
    card_better_alternative: bool = True  # info card when a Usually Appropriate study would be better
    card_no_rating: bool = False  # info card explaining why no rating applies (out of scope, red flag, ...)
    card_insufficient_data: bool = False  # info card saying the indication is missing (when no capture card)
    card_capture_indication: bool = True  # order-select, no indication anywhere: coded reasons, each rated
    qcdsm_gcode: str = ""  # Argonaut pama-rating-qcdsm-consulted value, when the site has one
    code_system_base: str = "urn:cds-service"  # base for this service's own code systems
    log_level: str = "INFO"
    # Client authentication (CDS Hooks JWT), see SECURITY.md
    auth: str = ""  # required | optional | off; default: required in production, off in development
    auth_discovery: bool = True  # also require the JWT on GET /cds-services
    trusted_clients: str = ""  # path of a YAML/JSON file listing the trusted CDS clients
    trust_sandbox: bool = False  # DEMO ONLY: trust the public CDS Hooks sandbox (its private key is public)
    jwt_leeway_seconds: int = 60
    jwt_max_lifetime_seconds: int = 3600  # longer-lived tokens are refused; jti are kept this long
    jwks_timeout_seconds: float = 2.0  # one JWKS fetch as a whole (connect + answer)
    jwks_min_refresh_seconds: float = 10.0  # at most one JWKS refetch per client and interval (unknown kid)
    jwks_max_age_seconds: float = 900.0  # a fetched key set is trusted this long at most (Cache-Control, >= 60)
    # Outbound calls: FHIR base URLs the service may call (comma-separated prefixes), besides each
    # trusted client's own list; loopback is also allowed in development mode.
    fhir_allowed_servers: str = ""
    # The analytics page (/analytics, README "For the radiology informatics team"): off (404) unless a
    # password is set; HTTP Basic with this user name, its own credential (not the CDS Hooks JWT).
    analytics_password: str = ""
    analytics_user: str = "analytics"
    # More audit stores the page can show besides the service's own, e.g. a replay's:
    # "replay-2025=sqlite:///var/replay-2025.sqlite3,other=postgresql://..." (read only).
    analytics_databases: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read CDS_<FIELD> variables (upper case); `overrides` win over the environment."""
        environ = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in fields(cls):
            name = PREFIX + field.name.upper()
            if name in environ:
                values[field.name] = _convert(name, environ[name], hints[field.name])
        values.update(overrides)
        return cls(**values)

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def auth_mode(self) -> str:
        return self.auth or ("required" if self.production else "off")

    def check(self) -> None:
        """Refuse combinations that would be unsafe or cannot work; ConfigError names the variable."""
        if self.mode not in {"development", "production"}:
            raise ConfigError(f"CDS_MODE={self.mode!r}: use 'development' or 'production'")
        if self.auth_mode not in {"required", "optional", "off"}:
            raise ConfigError(f"CDS_AUTH={self.auth!r}: use 'required', 'optional' or 'off'")
        if self.delivery not in DELIVERIES:
            raise ConfigError(f"CDS_DELIVERY={self.delivery!r}: use {' or '.join(DELIVERIES)}")
        if self.fhir_batch not in FHIR_BATCH:
            raise ConfigError(f"CDS_FHIR_BATCH={self.fhir_batch!r}: use {' or '.join(FHIR_BATCH)}")
        if self.sqlite_synchronous.upper() not in SQLITE_SYNC_LEVELS:
            raise ConfigError(f"CDS_SQLITE_SYNCHRONOUS={self.sqlite_synchronous!r}: use FULL, NORMAL or EXTRA")
        if not 0 < self.audit_flush_seconds <= 3600:
            raise ConfigError(f"CDS_AUDIT_FLUSH_SECONDS={self.audit_flush_seconds}: use a value above 0 and up to 3600")
        if self.auth_mode != "off" and not self.public_base_url.startswith(("https://", "http://")):
            # the JWT audience must not come from the request's Host header, which the caller chooses
            raise ConfigError(
                f"CDS_AUTH={self.auth_mode} needs CDS_PUBLIC_BASE_URL=http(s)://... (the JWT audience, minus the path)"
            )
        self._check_http()
        self._check_analytics()
        if self.production:
            self._check_production()

    def _check_production(self) -> None:
        if self.auth_mode != "required":
            raise ConfigError("CDS_MODE=production needs CDS_AUTH=required (or unset)")
        if self.trust_sandbox:
            raise ConfigError("CDS_TRUST_SANDBOX authenticates nothing (its key is public); not in production")
        if not self.trusted_clients:
            raise ConfigError("CDS_MODE=production needs CDS_TRUSTED_CLIENTS (the file of trusted CDS clients)")
        if not self.public_base_url.startswith("https://"):
            raise ConfigError("CDS_MODE=production needs CDS_PUBLIC_BASE_URL=https://... (the JWT audience)")

    def _check_http(self) -> None:
        for name in ("http_header_timeout_seconds", "http_body_timeout_seconds"):
            if not 0 < getattr(self, name) <= 600:
                raise ConfigError(f"CDS_{name.upper()}={getattr(self, name)}: use a value above 0 and up to 600")
        if self.http_max_connections < 16:
            raise ConfigError(f"CDS_HTTP_MAX_CONNECTIONS={self.http_max_connections}: use 16 or more")

    def _check_analytics(self) -> None:
        if self.analytics_password and len(self.analytics_password) < ANALYTICS_PASSWORD_MIN:
            raise ConfigError(f"CDS_ANALYTICS_PASSWORD: use at least {ANALYTICS_PASSWORD_MIN} characters")
        if not self.analytics_user or ":" in self.analytics_user:
            raise ConfigError("CDS_ANALYTICS_USER: a non-empty name without ':'")
        self.analytics_stores()  # raises ConfigError when malformed

    def call_options(self) -> CallOptions:
        """The options a hook call gets unless it overrides them (options.py)."""
        return CallOptions(
            shadow=self.delivery == "shadow",
            rating_actions=self.rating_actions,
            better_alternative_card=self.card_better_alternative,
            no_rating_card=self.card_no_rating,
            insufficient_data_card=self.card_insufficient_data,
            capture_indication=self.card_capture_indication,
        )

    def analytics_stores(self) -> dict[str, str]:
        """CDS_ANALYTICS_DATABASES as {name: database URL}, in the order given."""
        stores: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in self.analytics_databases.split(","))):
            name, sep, url = item.partition("=")
            name, url = name.strip(), url.strip()
            if not sep or not name or not url or not name.replace("-", "").replace("_", "").isalnum():
                raise ConfigError(f"CDS_ANALYTICS_DATABASES: expected name=URL items, got {item.split('=')[0]!r}...")
            if name == "live" or name in stores:
                raise ConfigError(f"CDS_ANALYTICS_DATABASES: the name {name!r} is taken")
            stores[name] = url
        return stores

    @property
    def mappings_path(self) -> Path | None:
        return Path(self.mappings_dir) if self.mappings_dir else None


def _convert(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a valid {kind.__name__}") from None
    return raw
