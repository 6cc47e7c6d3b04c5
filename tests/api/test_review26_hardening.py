"""Review 26c (hardening), through HTTP.

- A chart resource whose patient reference is the hook patient's written loosely ("Patient/pat-1 ", "pat%2D1",
  "pat-1?x=1") names no FHIR id, so it cannot be told to be another patient's: it is read as uncertain (its red flag
  blocks, its contraindication removes suggestions) instead of being dropped; one typed other than Patient too.
- A Bundle that says it is incomplete in another form (`total` 2.0, "2", a link that is not an object, a relation
  that is a list) is not read as complete.
- A FHIR call failing in the transport with an exception of no known kind (a missing CA bundle is an OSError) is a
  412, never a 500.
- A 400's diagnostics never quote the value refused: a request wrapped in an array would send its access token back.
- More neck imaging orders in one call than it rates (hooks.MAX_RATED_ORDERS) are a 400: each order is decided with
  every other's words, so the work grew with the square of their number.
"""

from __future__ import annotations

import pytest
import responses

from cds_service.hooks import MAX_RATED_ORDERS
from tests.api.test_hostile_input import FEEDBACK, FHIR, SELECT, SIGN, chart, outcome
from tests.builders import allergy, condition, medicine, order_json, patient
from tests.fhir_stubs import serve_chart
from tests.hook_requests import hook_body, prefetch_for, searchset

LOOSE = [
    "Patient/pat-1 ",
    "Patient/pat-1\n",
    "Patient/pat-1\t",
    "Patient/ pat-1",
    "Patient/pat%2D1",
    "Patient/pat-1#x",
    "Patient/pat-1?x=1",
    "Patient/pat-1\u200b",
    "Patient/pat\u20111",
]


def cards(client, resources, order="72141", **kwargs):
    response = client.post(SELECT, json=hook_body([order_json(order)], prefetch=prefetch_for(resources), **kwargs))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["cards"]


def owned_by(resource, reference, element="subject"):
    return resource | {element: {"reference": reference}}


@pytest.mark.parametrize("reference", LOOSE)
@pytest.mark.parametrize(
    "red_flag",
    [condition("C50.911", onset="2024-01-10"), medicine("warfarin 5 mg")],
    ids=["breast-cancer", "warfarin"],
)
def test_a_red_flag_whose_patient_reference_is_written_loosely_still_blocks(client, reference, red_flag):
    assert [c["indicator"] for c in cards(client, chart())] == ["warning"]  # the control
    assert not [c for c in cards(client, [*chart(), owned_by(red_flag, reference)]) if c["indicator"] == "warning"]


@pytest.mark.parametrize("reference", ["Patient/pat-1 ", "Patient/pat%2D1", "Patient/pat-1?x=1"])
def test_a_contraindication_whose_patient_reference_is_written_loosely_still_removes_suggestions(client, reference):
    gadolinium = owned_by(allergy("gadolinium contrast"), reference, "patient")
    v5 = [*chart(), condition("C50.911", onset="2024-01-10")]
    (card,) = cards(client, [*v5, gadolinium], order="72040")
    labels = [s["label"] for s in card.get("suggestions", [])]
    assert labels and not any("with IV contrast" in label and "MRI" in label for label in labels)


def test_a_well_formed_reference_to_another_id_is_still_another_patients(client):
    theirs = owned_by(condition("C50.911", onset="2024-01-10"), "Patient/someone-else")
    assert [c["indicator"] for c in cards(client, [*chart(), theirs])] == ["warning"]


def test_a_reference_typed_other_than_patient_is_read_as_uncertain(client):
    typed = condition("C50.911", onset="2024-01-10") | {"subject": {"reference": "Patient/pat-1", "type": "Group"}}
    assert not [c for c in cards(client, [*chart(), typed]) if c["indicator"] == "warning"]


@responses.activate
def test_a_loosely_written_reference_from_the_fhir_server_still_blocks(client):
    cancer = owned_by(condition("C50.911", onset="2024-01-10"), "Patient/pat-1 ")
    serve_chart(responses, [*chart(), cancer])
    response = client.post(SELECT, json=hook_body([order_json("72141")], fhir_server=FHIR))
    assert response.status_code == 200
    assert not [c for c in response.get_json()["cards"] if c["indicator"] == "warning"]


def incomplete(change):
    bundle = searchset([condition("M54.2", onset="2026-11-10")])
    change(bundle)
    return bundle


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b.update(total=2.0),
        lambda b: b.update(total="2"),
        lambda b: b.update(total=1e1),
        lambda b: b.update(total=True),
        lambda b: b.update(total=-1),
        lambda b: b.update(link=["next", "Condition?page=2"]),
        lambda b: b.update(link=[{"relation": ["next"], "url": "Condition?page=2"}]),
        lambda b: b.update(link=[{"url": "Condition?page=2"}]),
    ],
    ids=["2.0", "string", "1e1", "true", "negative", "link-strings", "relation-list", "no-relation"],
)
def test_a_prefetch_bundle_whose_completeness_cannot_be_read_is_not_read_as_complete(client, change):
    prefetch = prefetch_for([patient()]) | {"conditions": incomplete(change)}
    response = client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch))
    assert response.status_code == 412, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("total", [1, 1.0, None])
def test_a_complete_bundle_in_any_form_of_its_count_is_read(client, total):
    bundle = incomplete(lambda b: b.update(total=total) if total is not None else b.pop("total", None))
    prefetch = prefetch_for([patient()]) | {"conditions": bundle}
    response = client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch))
    assert [c["indicator"] for c in response.get_json()["cards"]] == ["warning"]


@responses.activate
@pytest.mark.parametrize("error", [OSError("Could not find a suitable TLS CA certificate bundle"), RuntimeError("x")])
def test_a_fhir_call_failing_with_an_exception_of_no_known_kind_is_a_412(client, error):
    serve_chart(responses, chart())
    responses.replace(responses.GET, f"{FHIR}/Patient/pat-1", body=error)
    response = client.post(SELECT, json=hook_body([order_json("72141")], fhir_server=FHIR))
    assert response.status_code == 412, response.get_data(as_text=True)[:300]
    assert type(error).__name__ in response.get_json()["issue"][0]["diagnostics"]


SECRET = "tokSECRET-f9e8d7c6"
NAME = "Quuxworth"


@pytest.mark.parametrize(
    "body",
    [
        [hook_body([order_json("72141")], fhir_server=FHIR, token=SECRET)],
        f"Bearer {SECRET}",
        hook_body([order_json("72141")]) | {"extension": [SECRET]},
        hook_body([order_json("72141")]) | {"prefetch": [patient() | {"name": [{"family": NAME}]}]},
        hook_body([order_json("72141")]) | {"hookInstance": {"family": NAME}},
    ],
    ids=["wrapped-in-an-array", "a-string", "extension", "prefetch-list", "hook-instance"],
)
def test_a_400_never_quotes_the_value_refused(client, body):
    message = outcome(client.post(SELECT, json=body), 400)
    assert SECRET not in message and NAME not in message
    assert "is not of type" in message or "does not satisfy" in message


def test_a_feedback_400_never_quotes_the_comment(client):
    message = outcome(client.post(FEEDBACK, json=[{"userComment": f"{NAME} refused"}]), 400)
    assert NAME not in message


def test_more_neck_imaging_orders_than_one_call_rates_are_a_400(client):
    drafts = [order_json("72141", oid=f"order-{i}") for i in range(MAX_RATED_ORDERS + 1)]
    body = hook_body(drafts, hook="order-sign", prefetch=prefetch_for(chart()))
    message = outcome(client.post(SIGN, json=body), 400)
    assert f"at most {MAX_RATED_ORDERS}" in message


def test_as_many_as_one_call_rates_are_answered(client):
    drafts = [order_json("72141", oid=f"order-{i}") for i in range(MAX_RATED_ORDERS)]
    body = hook_body(drafts, hook="order-sign", prefetch=prefetch_for(chart()))
    response = client.post(SIGN, json=body)
    assert response.status_code == 200 and len(response.get_json()["cards"]) == MAX_RATED_ORDERS
