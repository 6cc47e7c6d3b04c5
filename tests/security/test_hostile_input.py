"""Odd and hostile input that real clients or attackers send: a clear 4xx or a well-formed 200, fast."""

from __future__ import annotations

import time

import pytest

from cds_service.api import create_app
from cds_service.config import Settings
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.hook_requests import hook_body, prefetch_for, searchset

SELECT = "/cds-services/cspine-auc-select"
SIGN = "/cds-services/cspine-auc-sign"


@pytest.fixture
def client(tmp_path, knowledge):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/audit.sqlite3", sqlite_synchronous="NORMAL")
    return create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()


def chart_prefetch(*extra):
    prefetch = prefetch_for([patient(), condition("M54.12")])
    prefetch["conditions"]["entry"] += [{"resource": r} for r in extra]
    return prefetch


def test_duplicate_draft_order_ids_are_400(client):
    body = hook_body([order_json("72126"), order_json("72141")], prefetch=chart_prefetch())
    response = client.post(SELECT, json=body)
    assert response.status_code == 400
    assert "order-1" in response.json["issue"][0]["diagnostics"]


def test_duplicate_resource_ids_in_prefetch_do_not_crash(client):
    twin = condition("M54.12", cid="same")
    response = client.post(SELECT, json=hook_body([order_json("72126")], prefetch=chart_prefetch(twin, dict(twin))))
    assert response.status_code == 200


def test_selection_pointing_at_nothing_is_400(client):
    body = hook_body([order_json("72126")], selections=["ServiceRequest/ghost"], prefetch=chart_prefetch())
    assert client.post(SELECT, json=body).status_code == 400


def _answer(client, prefetch, order=None):
    response = client.post(SELECT, json=hook_body([order or order_json("72126")], prefetch=prefetch))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_a_resource_of_a_type_we_do_not_read_is_ignored(client):
    prefetch = chart_prefetch()
    prefetch["conditions"]["entry"].append({"resource": {"resourceType": "Spaceship", "id": "x"}})
    assert [c["indicator"] for c in _answer(client, prefetch)["cards"]] == ["warning"]  # as without it


@pytest.mark.parametrize("strange", [{"resourceType": 42}, {"no": "type"}, "text", None, 7, ["Condition"]])
def test_an_entry_that_is_not_a_readable_resource_gives_no_rating(client, strange):
    """It could have been decisive: insufficient data (200, no card, no rating), never the warning."""
    prefetch = chart_prefetch()
    prefetch["conditions"]["entry"].append({"resource": strange})
    assert _answer(client, prefetch) == {"cards": []}


def test_a_malformed_relevant_resource_gives_no_rating_not_a_guess(client):
    broken = {**condition("M54.12"), "onsetDateTime": "yesterday-ish", "clinicalStatus": "active"}
    assert _answer(client, chart_prefetch(broken)) == {"cards": []}


def test_huge_resource_in_prefetch_is_answered_quickly(client):
    huge = {**condition("M54.2"), "code": {"coding": [{"system": "urn:x", "code": str(i)} for i in range(50_000)]}}
    started = time.perf_counter()
    answer = _answer(client, chart_prefetch(huge))
    assert time.perf_counter() - started < 30  # never a hang (generous: CI machines vary)
    assert [c["indicator"] for c in answer["cards"]] == ["warning"]  # 50 000 unknown codes change nothing


@pytest.mark.parametrize(
    "text",
    ["\u202eevil", "ＭＲＩ", "e\u0301", "\ufeffM54.12", "\U0001f4a5", "\u0000", "A" * 10_000],
)
def test_unicode_oddities_in_codes_and_ids(client, text):
    order = {**order_json("72126"), "id": f"o{len(text)}"}
    order["code"]["coding"][0]["code"] = text
    assert _answer(client, chart_prefetch(condition(text)), order) == {"cards": []}  # an unknown code: not rated


def test_wrong_types_in_prefetch_bundle(client):
    prefetch = chart_prefetch()
    prefetch["observations"] = {"resourceType": "Bundle", "entry": "not a list"}
    prefetch["procedures"] = searchset([])
    prefetch["procedures"]["entry"] = [{"resource": {"resourceType": "Procedure", "status": ["x"]}}]
    response = client.post(SIGN, json=hook_body([order_json("72126")], hook="order-sign", prefetch=prefetch))
    assert response.status_code == 412  # the observations cannot be read and there is no FHIR server to ask
    assert "observations" in response.json["issue"][0]["diagnostics"]
