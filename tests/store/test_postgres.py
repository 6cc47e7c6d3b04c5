"""The audit trail on a real PostgreSQL server: the store itself and the multi-process service."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import event, text

from cds_service.store import AuditStore, database
from tests.servers import cds_service, service_process
from tests.store.postgres import PostgresServer, throwaway_postgres
from tests.store.test_audit_service import BODY, consult_ids
from tests.store.test_journal import feedback_on, record

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def postgres_url():
    yield from throwaway_postgres()


def test_decisions_feedback_and_token_ids_on_postgresql(postgres_url):
    store = AuditStore(postgres_url)
    assert store.journal is None  # a server database takes each decision as one committed transaction
    r = record()
    store.record_decisions([r])
    assert store.decision(r.consult_id)["variants"] == "[2]"
    assert store.record_feedback(feedback_on(r.card_ids[0]))
    assert not store.record_feedback(feedback_on(r.card_ids[0]))  # the same item again
    assert store.claim_token_id("https://ehr.example.org", r.consult_id, 4_102_444_800)
    assert not store.claim_token_id("https://ehr.example.org", r.consult_id, 4_102_444_800)  # a replay
    store.close()

    again = AuditStore(postgres_url)  # a restart
    (row,) = again.feedback_for(r.card_ids[0])
    assert row["consult_id"] == r.consult_id and row["outcome"] == "accepted"
    again.close()


def test_a_pooled_connection_that_died_is_replaced_at_checkout(postgres_url):
    """A database restart or failover kills the pooled connections: the next decision still gets a live one."""
    store = AuditStore(postgres_url)
    first, second = record(), record()
    store.record_decisions([first])
    with store.engine.connect() as connection:  # the pooled connection
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = database.open_engine(postgres_url, "FULL")
    with admin.connect() as other, other.begin():  # another client kills it
        terminated = other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()
    time.sleep(0.2)
    store.record_decisions([second])
    assert terminated is True
    assert store.decision(second.consult_id) is not None
    store.close()


def test_token_ids_are_committed_without_waiting_for_the_wal_flush(postgres_url):
    """A JWT id only guards against a replay within the token's lifetime: no synced commit per request, and one
    statement per claim (its own autocommit transaction), while decisions stay synced before the answer."""
    store = AuditStore(postgres_url)
    statements = []
    event.listen(
        store._claims_engine, "before_cursor_execute", lambda _c, _cur, statement, *_args: statements.append(statement)
    )
    assert store.claim_token_id("https://ehr.example.org", "jti-async", 4_102_444_800)
    assert [s.split()[0] for s in statements] == ["INSERT", "DELETE"]  # the first claim also prunes expired ids
    statements.clear()
    assert store.claim_token_id("https://ehr.example.org", "jti-async-2", 4_102_444_800)
    assert [s.split()[0] for s in statements] == ["INSERT"]  # no SET LOCAL: the session is set up for it
    assert not store.claim_token_id("https://ehr.example.org", "jti-async", 4_102_444_800)  # a replay
    with store._claims_engine.connect() as claims, store.engine.connect() as decisions:
        assert claims.connection.dbapi_connection.autocommit  # no BEGIN / COMMIT round trips
        assert claims.execute(text("SHOW synchronous_commit")).scalar() == "off"
        assert decisions.execute(text("SHOW synchronous_commit")).scalar() == "on"
    store.close()


def test_the_urls_own_session_options_apply_to_token_ids_too(postgres_url):
    """A deployment's settings in the URL (here a search_path) hold for every connection, the claims' included."""
    admin = database.open_engine(postgres_url, "FULL")
    with admin.begin() as connection:
        connection.execute(text("CREATE SCHEMA IF NOT EXISTS audit"))
    store = AuditStore(postgres_url + "?options=-csearch_path%3Daudit")
    assert store.claim_token_id("https://ehr.example.org", "jti-in-audit", 4_102_444_800)
    assert not store.claim_token_id("https://ehr.example.org", "jti-in-audit", 4_102_444_800)
    with store._claims_engine.connect() as claims:
        assert claims.execute(text("SHOW synchronous_commit")).scalar() == "off"
    with admin.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit.token_ids")).scalar() == 1
    store.close()
    admin.dispose()


def test_the_service_records_every_decision_in_postgresql(postgres_url, tmp_path):
    with cds_service(tmp_path, CDS_DATABASE_URL=postgres_url, CDS_WORKERS="3") as base:
        sent = consult_ids(base, 20)
        response = requests.post(f"{base}/cds-services/cspine-auc-select", json=BODY, timeout=5)
        card = response.json()["cards"][0]
        feedback = {
            "feedback": [
                {
                    "card": card["uuid"],
                    "outcome": "accepted",
                    "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                    "outcomeTimestamp": "2026-11-21T10:05:31Z",
                }
            ]
        }
        for _ in range(2):
            assert requests.post(f"{base}/cds-services/cspine-auc-select/feedback", json=feedback, timeout=5).ok
    store = AuditStore(postgres_url)
    assert all(store.decision(c) for c in sent)
    assert len(store.feedback_for(card["uuid"])) == 1
    store.close()


FEEDBACK = {
    "feedback": [
        {
            "card": "0b9e7a4e-3f1d-4b6a-9c59-0d6a4c8d2f11",
            "outcome": "overridden",
            "outcomeTimestamp": "2026-11-21T10:05:31Z",
        }
    ]
}


def test_the_service_starts_while_postgresql_is_down_and_answers_503_until_it_is_back(tmp_path, postgres_url):
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="cds-postgres-late-")))
    hook, feedback = "/cds-services/cspine-auc-select", "/cds-services/cspine-auc-select/feedback"
    try:
        with service_process(tmp_path, ready="/cds-services", CDS_DATABASE_URL=server.url, CDS_WORKERS="2") as (
            base,
            _process,
        ):
            for path, body in (("/healthz", None), (hook, BODY), (feedback, FEEDBACK)):
                response = requests.request("GET" if body is None else "POST", base + path, json=body, timeout=10)
                assert response.status_code == 503, (path, response.status_code)
                assert response.json()["resourceType"] == "OperationOutcome"
            server.start()  # the database comes (back): its tables are made on first use
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
            (consult,) = consult_ids(base, 1)
            server.stop()  # and goes away again
            response = requests.post(base + hook, json=BODY, timeout=10)
            assert response.status_code == 503 and "cards" not in response.json()
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 503
            server.start()
            assert requests.post(base + hook, json=BODY, timeout=10).status_code == 200
        store = AuditStore(server.url)
        assert store.decision(consult) is not None
        store.close()
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)
