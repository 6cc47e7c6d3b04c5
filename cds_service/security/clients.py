"""The trusted CDS clients: issuer, where its keys come from, allowed algorithms, tenants, FHIR servers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from cds_service.config import ConfigError

DEFAULT_ALGORITHMS = ("ES384", "RS384")
_SCHEMA = json.loads((Path(__file__).parent / "trusted-clients.schema.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class TrustedClient:
    """One CDS client allowed to call the service."""

    iss: str
    label: str = ""
    jku: tuple[str, ...] = ()  # JWKS URLs this client may name (fetched only if listed here)
    jwks: dict[str, Any] | None = None  # keys given out of band
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    tenants: tuple[str, ...] = ()  # when set, the token's `tenant` must be one of these
    fhir_servers: tuple[str, ...] = ()  # FHIR base URLs this client's requests may name
    demo: bool = False  # authenticates nothing (a published private key): development only

    def kid_in_static_keys(self, kid: str) -> dict[str, Any] | None:
        return next((k for k in (self.jwks or {}).get("keys", ()) if k.get("kid") == kid), None)


# The public CDS Hooks sandbox (sandbox.cds-hooks.org). Its private key is published in its repository,
# so anyone can sign as it: this entry is for demonstrations only and is refused in production mode.
SANDBOX = TrustedClient(
    iss="https://sandbox.cds-hooks.org",
    label="CDS Hooks sandbox (DEMO ONLY: its signing key is public)",
    jku=("https://sandbox.cds-hooks.org/.well-known/jwks.json",),
    jwks={
        "keys": [
            {
                "kty": "EC",
                "crv": "P-384",
                "use": "sig",
                "alg": "ES384",
                "kid": "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f",
                "x": "dw_JGR8nB2I6XveNxUOl2qk699ZPLM2nYI5STSdiEl9avAkrm3CkfYMbrrjr8laB",
                "y": "Sm3mLE-n1zYNla_aiE3cb3nZsL51RbC7ysw3q8aJLxGm-hx79RPMYpITDjp7kgzy",
            }
        ]
    },
    algorithms=("ES384",),
    demo=True,
)


def load_trusted_clients(path: str, include_sandbox: bool = False) -> dict[str, TrustedClient]:
    """Trusted clients by `iss`, from a YAML/JSON file (schema: trusted-clients.schema.json)."""
    clients: dict[str, TrustedClient] = {}
    if path:
        try:
            document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"CDS_TRUSTED_CLIENTS={path}: cannot read it ({exc})") from None
        try:
            jsonschema.validate(document, _SCHEMA)
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
            raise ConfigError(f"CDS_TRUSTED_CLIENTS={path}: at {where}: {exc.message}") from None
        for entry in document["clients"]:
            if entry["iss"] in clients:
                raise ConfigError(f"CDS_TRUSTED_CLIENTS={path}: issuer {entry['iss']} is listed twice")
            clients[entry["iss"]] = TrustedClient(
                iss=entry["iss"],
                label=entry.get("label", ""),
                jku=tuple(entry.get("jku", ())),
                jwks=entry.get("jwks"),
                algorithms=tuple(entry.get("algorithms", DEFAULT_ALGORITHMS)),
                tenants=tuple(entry.get("tenants", ())),
                fhir_servers=tuple(entry.get("fhir_servers", ())),
            )
    if include_sandbox:
        clients.setdefault(SANDBOX.iss, SANDBOX)
    return clients
