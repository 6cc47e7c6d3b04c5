"""POST /cds-services/{id}/feedback: validated, stored with its decision, idempotent, durable."""

from __future__ import annotations

import json

import pytest

from cds_service.api import create_app
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.hook_requests import hook_body, prefetch_for

SELECT = "/cds-services/cspine-auc-select"
FEEDBACK = "/cds-services/cspine-auc-select/feedback"


def warning_card(client):
    chart = [patient(), condition("M54.12")]
    response = client.post(SELECT, json=hook_body([order_json("72126")], prefetch=prefetch_for(chart))).json
    return response["cards"][0], response["systemActions"][0]


def accepted(card):
    return {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                "outcomeTimestamp": "2026-11-21T10:05:31Z",
            }
        ]
    }


def test_every_decision_is_recorded_with_its_consult_id(client, store):
    card, action = warning_card(client)
    consult = next(e["valueUri"] for e in action["resource"]["extension"] if e["url"].endswith("consult-id"))
    record = store.decision(consult)
    assert record["outcome"] == "not-appropriate"
    assert record["service_id"] == "cspine-auc-select"
    assert "ct-cspine-w" in json.loads(record["procedures"]) and json.loads(record["variants"]) == [2, 8]
    assert store.card(card["uuid"])["consult_id"] == consult


def test_feedback_is_stored_with_the_decision(client, store):
    card, _ = warning_card(client)
    response = client.post(FEEDBACK, json=accepted(card))
    assert response.status_code == 200
    (row,) = store.feedback_for(card["uuid"])
    assert row["outcome"] == "accepted"
    assert row["consult_id"] == store.card(card["uuid"])["consult_id"]
    assert card["suggestions"][0]["uuid"] in row["accepted_suggestions"]


def test_feedback_is_idempotent(client, store):
    card, _ = warning_card(client)
    for _ in range(3):
        assert client.post(FEEDBACK, json=accepted(card)).status_code == 200
    assert len(store.feedback_for(card["uuid"])) == 1


def test_override_with_reason_as_the_sandbox_sends_it(client, store):
    card, _ = warning_card(client)
    reason = card["overrideReasons"][0]
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-21T10:06:00Z",
                "overrideReason": {"reason": {"code": reason["code"], "system": reason["system"]}},
            }
        ]
    }
    assert client.post(FEEDBACK, json=body).status_code == 200
    (row,) = store.feedback_for(card["uuid"])
    assert (row["override_code"], row["override_comment_given"]) == (reason["code"], 0)


def test_free_text_comment_is_not_stored(client, store):
    card, _ = warning_card(client)
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "outcomeTimestamp": "2026-11-21T10:06:00Z",
                "overrideReason": {"userComment": "Patient Jane Doe has a fall history"},
            }
        ]
    }
    assert client.post(FEEDBACK, json=body).status_code == 200
    (row,) = store.feedback_for(card["uuid"])
    assert row["override_comment_given"] == 1
    assert "Jane" not in str(row)


def test_invalid_feedback_is_400(client):
    for body in (
        {},
        {"feedback": []},
        {"feedback": [{"card": "x", "outcome": "maybe", "outcomeTimestamp": "t" * 20}]},
        {"feedback": [{"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-11-21T10:05:31Z"}]},
        {
            "feedback": [
                {"card": "x", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:05:31Z", "overrideReason": {}}
            ]
        },
    ):
        response = client.post(FEEDBACK, json=body)
        assert response.status_code == 400, body
        assert response.json["resourceType"] == "OperationOutcome"


def test_feedback_survives_an_app_restart(settings, knowledge):
    first = create_app(settings, knowledge=knowledge, clock=lambda: TODAY)
    card, _ = warning_card(first.test_client())
    first.test_client().post(FEEDBACK, json=accepted(card))
    first.extensions["cds_service"].store.engine.dispose()

    second = create_app(settings, knowledge=knowledge, clock=lambda: TODAY)
    store = second.extensions["cds_service"].store
    assert store.card(card["uuid"]) is not None
    assert len(store.feedback_for(card["uuid"])) == 1
    second.test_client().post(FEEDBACK, json=accepted(card))
    assert len(store.feedback_for(card["uuid"])) == 1


@pytest.mark.parametrize(
    "stamp",
    [
        "not a date at all",
        "2026-02-30T00:00:00Z",
        "2026-11-21T25:61:00Z",
        "2026-11-21T10:00:00+25:00",
        "0000-00-00T00:00:00Z",
        "2026-11-21",
        "21/11/2026 10:00",
    ],
)
def test_an_outcome_timestamp_that_is_no_instant_is_400(client, stamp):
    body = {"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": stamp}]}
    response = client.post(FEEDBACK, json=body)
    assert response.status_code == 400 and "outcomeTimestamp" in response.json["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-21T10:05:31Z",
        "2026-11-21T10:05:31.123Z",  # (JavaScript's toISOString, as the sandbox sends it)
        "2026-11-21T05:05:31-05:00",
        "2026-11-21T10:05:31.123456789Z",
        "2026-11-21T10:05:31+0000",
        "2026-11-21t10:05:31z",
        "2026-11-21 10:05:31Z",
        "2026-11-21T10:05:31",
        "2026-11-21T10:05Z",
    ],
)
def test_control_an_instant_is_taken(client, stamp):
    body = {"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": stamp}]}
    assert client.post(FEEDBACK, json=body).status_code == 200
