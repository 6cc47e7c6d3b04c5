"""A prefetch Bundle that says in a note that matches were left out, or hides a match as a server's message, which a
thirty-third review (2026-12-05) found read as the whole list: a warning from a chart of which a part, maybe the
decisive part (a cancer, HIV), was suppressed or cut. Such a Bundle is not read as complete: without a FHIR server
to fetch from, the call is a 412 (policy: never warn on incomplete data). Controls: a note that leaves nothing out
and an OperationOutcome of information are read with the rest.
"""

from __future__ import annotations

import pytest

from tests.api.test_hostile_input import SELECT, chart
from tests.builders import condition, order_json
from tests.hook_requests import hook_body, prefetch_for


def _note(severity: str, code: str) -> dict:
    issue = {"severity": severity, "code": code, "diagnostics": "Some resources were not returned"}
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _post(client, change):
    prefetch = prefetch_for(chart())
    change(prefetch["conditions"])
    return client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch))


@pytest.mark.parametrize("code", ["incomplete", "suppressed", "too-costly", "throttled", "timeout", "too-long"])
@pytest.mark.parametrize("severity", ["warning", "information"])
def test_a_bundle_whose_note_says_matches_were_left_out_is_not_read_as_complete(client, code, severity):
    note = {"resource": _note(severity, code), "search": {"mode": "outcome"}}
    response = _post(client, lambda bundle: bundle["entry"].append(note))
    assert response.status_code == 412
    assert response.get_json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("code", ["informational", "processing", "business-rule"])
def test_control_a_note_that_leaves_nothing_out_is_read_with_the_rest(client, code):
    note = {"resource": _note("information", code), "search": {"mode": "outcome"}}
    response = _post(client, lambda bundle: bundle["entry"].append(note))
    assert response.status_code == 200
    assert [card["indicator"] for card in response.get_json()["cards"]] == ["warning"]


def test_a_match_marked_as_a_servers_message_is_not_dropped(client):
    cancer = {"resource": condition("C50.911", cid="cancer"), "search": {"mode": "outcome"}}
    response = _post(client, lambda bundle: bundle["entry"].append(cancer))
    assert response.status_code == 412  # what is it: a match or a message? Not read as if absent


def test_control_the_same_match_marked_as_one_stops_the_warning(client):
    cancer = {"resource": condition("C50.911", cid="cancer"), "search": {"mode": "match"}}
    response = _post(client, lambda bundle: bundle["entry"].append(cancer))
    assert response.status_code == 200
    assert [card["indicator"] for card in response.get_json()["cards"]] != ["warning"]
