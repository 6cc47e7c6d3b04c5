"""Values PostgreSQL can never store (review 18b D7): a NUL character, an id longer than its column.

The request schemas refuse them (400); should one reach the store anyway, the database's DataError is
StoreRefused (a 400), not StoreUnavailable (a 503 "try again": an outage that is not one).
"""

from __future__ import annotations

import dataclasses

import pytest

from cds_service.api import create_app
from cds_service.config import Settings
from cds_service.store import AuditStore, StoreRefused
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.hook_requests import hook_body, prefetch_for
from tests.store.postgres import throwaway_postgres
from tests.store.test_journal import feedback_on, record

pytestmark = pytest.mark.integration

SELECT, SIGN = "/cds-services/cspine-auc-select", "/cds-services/cspine-auc-sign"


@pytest.fixture(scope="module")
def postgres_url():
    yield from throwaway_postgres()


@pytest.fixture
def client(postgres_url, knowledge):
    app = create_app(Settings(database_url=postgres_url), knowledge=knowledge, clock=lambda: TODAY)
    yield app.test_client()
    app.extensions["cds_service"].store.close()


def body(hook: str = "order-select", oid: str = "order-1"):
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    return hook_body([order_json("72125", oid=oid)], hook=hook, prefetch=prefetch_for(chart))


def assert_400(response, where: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    (issue,) = outcome["issue"]
    assert issue["severity"] == "error" and issue["code"] == "invalid" and where in issue["diagnostics"]


def test_nul_and_overlong_ids_are_a_400_on_postgresql_and_the_service_answers_on(client):
    nul_user = body()
    nul_user["context"]["userId"] = "Practitioner/a\u0000b"
    assert_400(client.post(SELECT, json=nul_user), "context/userId")
    nul_instance = body()
    nul_instance["hookInstance"] = "x\u0000"
    assert_400(client.post(SELECT, json=nul_instance), "hookInstance")
    assert_400(client.post(SIGN, json=body("order-sign", "a" * 201)), "resource/id")
    item = {"card": "c\u0000", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z"}
    item["overrideReason"] = {"reason": {"code": "x", "system": "urn:y"}}
    assert_400(client.post(f"{SELECT}/feedback", json={"feedback": [item]}), "feedback/0/card")
    assert client.get("/healthz").status_code == 200
    assert client.post(SIGN, json=body("order-sign", "a" * 200)).status_code == 200


@pytest.mark.parametrize(
    "change",
    [{"user_id": "Practitioner/a\u0000b"}, {"hook_instance": "x\u0000"}, {"order_id": "a" * 201}],
    ids=["nul-user", "nul-instance", "long-order-id"],
)
def test_a_value_postgresql_refuses_is_store_refused_not_store_unavailable(postgres_url, change):
    store = AuditStore(postgres_url)
    try:
        with pytest.raises(StoreRefused):
            store.record_decisions([dataclasses.replace(record(), **change)])
        with pytest.raises(StoreRefused):
            store.record_feedback(dataclasses.replace(feedback_on("card\u0000"), card_id="card\u0000"))
        good = record()
        store.record_decisions([good])  # the store is not "down"
        assert store.decision(good.consult_id) is not None
    finally:
        store.close()
