from __future__ import annotations

import pytest

from cds_service.api import create_app
from cds_service.config import Settings
from tests.conftest import TODAY


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/audit.sqlite3",
        fhir_timeout_seconds=0.5,
        fhir_budget_seconds=2.0,
        fhir_allowed_servers="https://fhir.example.org/r4",
    )


@pytest.fixture
def app(settings, knowledge):
    return create_app(settings, knowledge=knowledge, clock=lambda: TODAY)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["cds_service"].store
