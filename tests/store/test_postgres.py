"""The audit trail on a real PostgreSQL server: the store itself and the multi-process service."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import requests

from cds_service.store import AuditStore
from tests.servers import cds_service
from tests.store.postgres import postgres_bin, postgres_server
from tests.store.test_audit_service import BODY, consult_ids
from tests.store.test_journal import feedback_on, record

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def postgres_url():
    if postgres_bin() is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="cds-postgres-"))  # pytest's tmp tree is private to root
    try:
        with postgres_server(directory) as url:
            yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)


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
