from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml
from flask import Flask

from cds_service.api import create_app
from cds_service.config import Settings
from tests.conftest import TODAY
from tests.security.keys import JwksEndpoint, SigningKey, jwks_server

ISS = "https://ehr.test"
BASE = "https://cds.example.org"


@pytest.fixture(scope="session")
def ec_key() -> SigningKey:
    return SigningKey.es384()


@pytest.fixture(scope="session")
def rsa_key() -> SigningKey:
    return SigningKey.rs384()


@pytest.fixture
def jwks(ec_key: SigningKey, rsa_key: SigningKey) -> Iterator[JwksEndpoint]:
    with jwks_server() as endpoint:
        endpoint.keys = [ec_key.public_jwk(), rsa_key.public_jwk()]
        yield endpoint


@pytest.fixture
def make_app(tmp_path, knowledge, jwks) -> Callable[..., Flask]:
    """An app that trusts ISS with keys at the local JWKS endpoint; keyword arguments override settings."""

    def build(client: dict[str, Any] | None = None, **overrides: Any) -> Flask:
        entry = client or {"iss": ISS, "jku": [f"{jwks.url}/jwks.json"], "fhir_servers": ["https://fhir.ehr.test/r4"]}
        path = tmp_path / "clients.yaml"
        path.write_text(yaml.safe_dump({"clients": [entry]}))
        settings = {
            "auth": "required",
            "public_base_url": BASE,
            "trusted_clients": str(path),
            "database_url": f"sqlite:///{tmp_path}/audit.sqlite3",
            "jwks_min_refresh_seconds": 0.0,
            "fhir_timeout_seconds": 0.5,
            **overrides,
        }
        return create_app(Settings(**settings), knowledge=knowledge, clock=lambda: TODAY)

    return build


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Report how many generated requests the fuzz tests sent (issue: at least 10 000 per CI run)."""
    from tests.security.test_fuzz import SENT

    if SENT["requests"]:
        terminalreporter.write_line(f"fuzz: {SENT['requests']} generated requests sent; any 5xx fails the run")
