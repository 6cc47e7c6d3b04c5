"""Every hook call that reaches the service is recorded (answered or 412), and older databases are migrated."""

from __future__ import annotations

import json

import sqlalchemy as sa

from cds_service.store import AuditStore
from cds_service.store.tables import hook_calls
from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for

SELECT = "/cds-services/cspine-auc-select"


def _calls(store: AuditStore) -> list[dict]:
    store.journal and store.journal.flush()
    with store.engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.select(hook_calls)).mappings()]


def test_an_answered_call_is_recorded_with_its_user_and_linked_to_its_decision(client, store):
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    body = hook_body([order_json("72125")], prefetch=prefetch_for(chart))
    response = client.post(SELECT, json=body)
    assert response.status_code == 200
    (call,) = _calls(store)
    assert (call["status"], call["result"], call["orders"], call["user_id"]) == (
        200,
        "answered",
        1,
        "Practitioner/doc-1",
    )
    assert call["hook_instance"] == body["hookInstance"] and call["latency_ms"] > 0
    consult = response.json["systemActions"][0]["resource"]["extension"][-2]["valueUri"]
    decision = store.decision(consult)
    assert decision["call_id"] == call["call_id"] and decision["user_id"] == "Practitioner/doc-1"
    assert decision["delivery"] == "active"
    assert json.loads(call["options"]) == {
        "shadow": False,
        "rating-actions": True,
        "better-alternative-card": True,
        "no-rating-card": False,
        "insufficient-data-card": False,
        "capture-indication": True,
    }


def test_a_call_refused_for_missing_data_is_recorded_as_412(client, store):
    body = hook_body([order_json("72125")])  # no prefetch and no fhirServer
    assert client.post(SELECT, json=body).status_code == 412
    (call,) = _calls(store)
    assert (call["status"], call["result"], call["orders"]) == (412, "data-unavailable", 0)


def test_a_call_with_no_topic_order_records_nothing(client, store):
    body = hook_body([order_json("71045")], prefetch=prefetch_for([patient()]))
    assert client.post(SELECT, json=body).json == {"cards": []}
    assert _calls(store) == []


def test_an_older_database_gets_the_new_columns_at_start_up(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # the decisions table as the first release created it
        connection.exec_driver_sql(
            "CREATE TABLE decisions (consult_id VARCHAR(64) PRIMARY KEY, recorded_at DATETIME NOT NULL, "
            "service_id VARCHAR(64) NOT NULL, hook VARCHAR(32) NOT NULL, hook_instance VARCHAR(200) NOT NULL, "
            "patient_id VARCHAR(200) NOT NULL, order_id VARCHAR(200), procedures TEXT NOT NULL, variants TEXT NOT "
            "NULL, outcome VARCHAR(32) NOT NULL, category VARCHAR(16), alternatives TEXT NOT NULL, evidence TEXT "
            "NOT NULL, reasons TEXT NOT NULL, topic VARCHAR(64) NOT NULL)"
        )
    engine.dispose()
    store = AuditStore(f"sqlite:///{path}")
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("decisions")}
    assert {"call_id", "user_id", "delivery"} <= columns
    indexes = {i["name"] for i in sa.inspect(store.engine).get_indexes("decisions")}
    assert "ix_decisions_recorded_at" in indexes
    store.close()


def test_the_audit_trail_keeps_what_was_read_but_never_the_words(client, store):
    from tests.builders import order_json as build

    chart = [patient()]
    sr = build("72125") | {"reasonCode": [{"text": "Zebrafinch neck pain radiating to L arm x3 wks, no trauma"}]}
    response = client.post(SELECT, json=hook_body([sr], prefetch=prefetch_for(chart)))
    consult = response.json["systemActions"][0]["resource"]["extension"][-2]["valueUri"]
    row = store.decision(consult)
    mentions = json.loads(row["mentions"])
    assert {(m["concept"], m["context"]) for m in mentions} >= {("neck-pain", "affirmed"), ("neck-trauma", "negated")}
    assert all(m["element"] == "reasonCode[0].text" and len(m["span"]) == 2 for m in mentions)
    assert "Zebrafinch" not in json.dumps(row, default=str) and "radiating" not in json.dumps(row, default=str)
