"""The analytics page's app with the test data loaded, and its credential (shared by the page's test modules)."""

from __future__ import annotations

import base64

import pytest

from cds_service.api import create_app
from cds_service.config import Settings
from tests.analytics import data

PASSWORD = "correct horse battery staple"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


AUTH = basic("analytics", PASSWORD)


@pytest.fixture
def app(tmp_path, knowledge):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/audit.sqlite3", analytics_password=PASSWORD)
    app = create_app(settings, knowledge=knowledge)
    data.load(app.extensions["cds_service"].store)
    yield app
    app.extensions["cds_service"].store.close()
