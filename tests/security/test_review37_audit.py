"""Review 37 (security): the audit trail says which authenticated client called, and a client's feedback is only
taken on the cards given to it (the trail kept neither; one trusted client could override another's card)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy import select

from cds_service.api import create_app
from cds_service.config import Settings
from cds_service.store.tables import hook_calls
from tests.conftest import TODAY
from tests.security.conftest import BASE, ISS
from tests.security.keys import claims
from tests.security.test_jwt_auth import call

OTHER = "https://other-ehr.test"
SELECT = "/cds-services/cspine-auc-select"
FEEDBACK = f"{SELECT}/feedback"


@pytest.fixture
def app(tmp_path, knowledge, jwks):
    clients = [
        {"iss": ISS, "jku": [f"{jwks.url}/jwks.json"]},
        {"iss": OTHER, "jku": [f"{jwks.url}/jwks.json"]},
    ]
    path = tmp_path / "clients.yaml"
    path.write_text(yaml.safe_dump({"clients": clients}))
    settings = Settings(
        auth="required",
        public_base_url=BASE,
        trusted_clients=str(path),
        database_url=f"sqlite:///{tmp_path}/audit.sqlite3",
        jwks_min_refresh_seconds=0.0,
    )
    return create_app(settings, knowledge=knowledge, clock=lambda: TODAY)


def token(key, iss: str, path: str, **extra: Any) -> str:
    return key.sign(claims(iss, BASE + path, **extra))


def warning_card(client, key, iss: str = ISS) -> dict[str, Any]:
    response = call(client, token(key, iss, SELECT))
    assert response.status_code == 200
    return response.json["cards"][0]


def overridden(card: dict[str, Any]) -> dict[str, Any]:
    return {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:05:31Z"}]}


def send(client, key, iss: str, body: dict[str, Any]):
    return client.post(FEEDBACK, json=body, headers={"Authorization": f"Bearer {token(key, iss, FEEDBACK)}"})


def test_a_hook_call_records_its_client_and_tenant(app, ec_key):
    client = app.test_client()
    call(client, token(ec_key, ISS, SELECT, tenant="site-a"))
    store = app.extensions["cds_service"].store
    if store.journal is not None:
        store.journal.flush()
    with store.engine.connect() as connection:
        rows = connection.execute(select(hook_calls.c.client, hook_calls.c.tenant)).all()
    assert [tuple(r) for r in rows] == [(ISS, "site-a")]


def test_feedback_from_the_client_the_card_was_given_to_is_stored_with_it(app, ec_key):
    client = app.test_client()
    card = warning_card(client, ec_key)
    assert send(client, ec_key, ISS, overridden(card)).status_code == 200
    (stored,) = app.extensions["cds_service"].store.feedback_for(card["uuid"])
    assert stored["client"] == ISS


def test_feedback_from_another_client_on_a_card_is_400_and_not_stored(app, ec_key):
    client = app.test_client()
    card = warning_card(client, ec_key)
    response = send(client, ec_key, OTHER, overridden(card))
    assert response.status_code == 400 and response.json["resourceType"] == "OperationOutcome"
    assert app.extensions["cds_service"].store.feedback_for(card["uuid"]) == []
