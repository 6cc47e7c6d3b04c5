"""Service configuration: a plain object read from CDS_* environment variables, with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, get_type_hints

PREFIX = "CDS_"


class ConfigError(ValueError):
    """A configuration value cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every setting, its default and (in the README) its CDS_<NAME> variable."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 4  # production server processes (one request at a time each: no GIL contention)
    threads: int = 1  # threads per process; raise when FHIR fetches are slow (they wait on the network)
    public_base_url: str = ""  # e.g. https://cds.example.org; default: as seen in the request
    database_url: str = "sqlite:///var/cds-service.sqlite3"
    # SQLite only: FULL = a committed record survives power loss; NORMAL (WAL) = survives a crash of the
    # service, may lose the last commits on power loss, and is several times faster.
    sqlite_synchronous: str = "FULL"
    mappings_dir: str = ""  # default: the mappings shipped with the service
    fhir_timeout_seconds: float = 2.0  # per FHIR call
    fhir_budget_seconds: float = 4.0  # all FHIR calls of one hook request
    fhir_max_pages: int = 20  # per search, following Bundle next links
    fhir_max_response_bytes: int = 20_000_000
    fhir_parallel: int = 6
    max_request_bytes: int = 5_000_000
    card_better_alternative: bool = True  # info card when a Usually Appropriate study would be better
    card_no_rating: bool = False  # info card explaining why no rating applies (out of scope, red flag, ...)
    card_insufficient_data: bool = False  # info card asking for the indication
    qcdsm_gcode: str = ""  # Argonaut pama-rating-qcdsm-consulted value, when the site has one
    code_system_base: str = "urn:cds-service"  # base for this service's own code systems
    log_level: str = "INFO"

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
