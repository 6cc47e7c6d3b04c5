"""Through HTTP: charts as EHRs send them, malformed decisive resources, another patient's data, markup in charts."""

from __future__ import annotations

import json

import pytest
import responses
from sqlalchemy import select

from cds_service.cards.markdown import escape
from cds_service.engine.recognise import ORDER_WORDS_READ
from cds_service.store.tables import decisions
from tests.builders import condition, device, order_json, patient
from tests.fhir_stubs import FHIR, serve_chart
from tests.hook_requests import hook_body, prefetch_for, searchset

SELECT = "/cds-services/cspine-auc-select"
INJURY = "2026-11-19"


def call(client, chart, order=None, **kwargs):
    body = hook_body([order or order_json("72125")], prefetch=prefetch_for(chart), **kwargs)
    response = client.post(SELECT, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def rating(answer):
    actions = answer.get("systemActions") or []
    if not actions:
        return None
    ext = {e["url"]: e for e in actions[0]["resource"]["extension"]}
    return ext["http://fhir.org/argonaut/Extension/pama-rating"]["valueCodeableConcept"]["coding"][0]["code"]


def warnings(answer):
    return [c for c in answer["cards"] if c["indicator"] == "warning"]


def test_the_control_chart_warns(client):
    assert warnings(call(client, [patient(), condition("M54.2", onset="2026-11-10")]))


# -- issue: malformed decisive resources are never dropped silently ---------------------------------------------------
def _injury():
    return condition("S13.4XXA", onset=INJURY)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda c: c["code"]["coding"][0].update(code=13),  # a number
        lambda c: c.update(code="S13.4XXA"),  # code as a string
        lambda c: c["code"].update(coding={"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "S13.4XXA"}),
        lambda c: c.update(onsetDateTime=20261119),  # a date that is not a string
    ],
)
def test_a_malformed_recent_injury_gives_no_rating_not_a_warning(client, break_it):
    injury = _injury()
    break_it(injury)
    answer = call(client, [patient(), condition("M54.2", onset="2026-11-10"), injury])
    assert not warnings(answer) and rating(answer) is None  # insufficient-data: no card, no rating


def test_a_resource_type_spelled_like_a_known_one_gives_no_rating(client):
    injury = _injury() | {"resourceType": "condition"}
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    prefetch = prefetch_for(chart)
    prefetch["conditions"]["entry"].append({"resource": injury, "search": {"mode": "match"}})
    answer = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch)).json
    assert not warnings(answer) and rating(answer) is None


def test_a_bundle_entry_whose_resource_is_a_json_string_gives_no_rating(client):
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    prefetch = prefetch_for(chart)
    prefetch["conditions"]["entry"].append({"resource": json.dumps(_injury()), "search": {"mode": "match"}})
    answer = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch)).json
    assert not warnings(answer) and rating(answer) is None


@pytest.mark.parametrize(
    "break_it",
    [
        lambda o: o["code"]["coding"][0].update(code=["8310-5"]),
        lambda o: o.update(status={"code": "final"}),
        lambda o: o.update(status=["final"]),
    ],
)
def test_a_malformed_observation_is_never_a_500(client, break_it):
    from tests.builders import observation

    temp = observation("8310-5", 39.2, "Cel")
    break_it(temp)
    answer = call(client, [patient(), condition("M54.2", onset="2026-11-10"), temp])
    assert not warnings(answer)


# -- issue: patient identity ------------------------------------------------------------------------------------------
def test_a_prefetch_patient_of_another_id_gives_no_rating(client):
    answer = call(client, [patient(pid="someone-else"), condition("M54.2", onset="2026-11-10")])
    assert not warnings(answer) and rating(answer) is None


def test_another_patients_condition_is_ignored_and_reported(client, store):
    theirs = condition("S13.4XXA", onset=INJURY, subject={"reference": "Patient/someone-else"})
    answer = call(client, [patient(), condition("M54.2", onset="2026-11-10"), theirs])
    (card,) = warnings(answer)  # their injury does not block this patient's rating
    assert "belongs to another patient" in card["detail"]


@responses.activate
def test_a_fhir_server_answering_with_another_patient_gives_no_rating(client):
    serve_chart(responses, [patient(pid="pat-1"), condition("M54.2", onset="2026-11-10")])
    responses.replace(responses.GET, f"{FHIR}/Patient/pat-1", json=patient(pid="pat-2"))
    body = hook_body([order_json("72125")], fhir_server=FHIR)
    answer = client.post(SELECT, json=body).json
    assert not warnings(answer) and rating(answer) is None


@pytest.mark.parametrize("birth", [0, 1700000000, True])
def test_a_birth_date_that_is_not_a_string_is_not_read_as_unix_time(client, birth):
    child = patient() | {"birthDate": birth}
    answer = call(client, [child, condition("M54.2", onset="2026-11-10")])
    assert not warnings(answer) and rating(answer) is None


# -- issue: chart text is not markup ----------------------------------------------------------------------------------
def test_chart_text_in_a_card_is_escaped(client):
    hostile = condition("M54.2", onset="2026-11-10")
    hostile["code"]["coding"][0]["display"] = "<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1))"
    (card,) = warnings(call(client, [patient(), hostile]))
    detail = card["detail"]
    assert "<img" not in detail and "](javascript:" not in detail and "**bold**" not in detail
    assert "&lt;img" in detail


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Condition/vig-cancer-radic C50.911 2022-03-01", "Condition/vig-cancer-radic C50.911 2022-03-01"),
        ("- not a list", "\\- not a list"),
        ("# not a heading", "\\# not a heading"),
        ("12. not numbered", "\\12. not numbered"),
        ("> not a quote", "&gt; not a quote"),  # (the entity starts no quote; "\\&gt;" showed "&gt;")
        ("a | b", "a \\| b"),
        ("*x* _y_ `z` ~w~ [l](u)", "\\*x\\* \\_y\\_ \\`z\\` \\~w\\~ \\[l\\]\\(u\\)"),
        ("line\n- two", "line - two"),
    ],
)
def test_markdown_escape_keeps_codes_and_dates_readable(text, shown):
    assert escape(text) == shown


# -- the real-world classes through the service -----------------------------------------------------------------------
def test_a_vendor_status_coding_before_hl7_resolved_gives_no_false_warning(client):
    resolved = condition("M54.12", onset="2026-11-10")
    resolved["clinicalStatus"] = {
        "coding": [
            {"system": "urn:oid:1.2.3", "code": "ACTIVE"},
            {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "resolved"},
        ]
    }
    answer = call(client, [patient(), resolved], order_json("72141"))
    assert not warnings(answer) and rating(answer) is None  # no indication left: no rating at all


def test_a_tia_yesterday_stops_a_warning_on_cta(client):
    chart = [patient(), condition("M54.2", onset="2026-11-10"), condition("G45.9", onset="2026-11-20")]
    answer = call(client, chart, order_json("70498"))
    assert not warnings(answer) and rating(answer) == "no-criteria-apply"


@pytest.mark.parametrize(
    ("order", "siblings"),
    [
        (order_json("72020", text="XR lumbar spine single view"), []),
        (order_json("62284"), [order_json("72132", oid="lumbar-ct")]),
        (order_json("78803", text="Parathyroid SPECT (sestamibi)"), []),
    ],
)
def test_orders_for_another_region_or_study_get_nothing(client, order, siblings):
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    body = hook_body([order, *siblings], hook="order-sign", prefetch=prefetch_for(chart))
    answer = client.post("/cds-services/cspine-auc-sign", json=body).json
    assert answer == {"cards": []}


def test_a_patient_with_a_deep_brain_stimulator_is_offered_nothing_unsafe(client):
    chart = [patient(), condition("G44.86", verification="provisional"), device("Deep brain stimulator")]
    (card,) = warnings(call(client, chart, order_json("72040")))
    assert "suggestions" not in card
    assert "No rated alternative is safe" in card["detail"] and "Not suggested" in card["detail"]


def test_an_empty_searchset_is_fine(client):
    answer = call(client, [patient(), condition("M54.2", onset="2026-11-10")])
    assert searchset([])["entry"] == [] and warnings(answer)


# -- issue 11 §8: an order date that is not a date ----------------------------------------------------------------
@pytest.mark.parametrize("authored", ["2026-13-45", "yesterday", "21/11/2026", 20261121])
def test_an_unreadable_order_date_is_an_unknown_date_not_a_400(client, authored):
    """Rated as of today (the test clock): the acute neck pain of 11 days still warns on CT with contrast."""
    order = order_json("72126") | {"authoredOn": authored}
    assert warnings(call(client, [patient(), condition("M54.2", onset="2026-11-10")], order))


def test_a_draft_with_other_invalid_fields_is_still_a_400(client):
    order = order_json("72126") | {"authoredOn": "2026-13-45", "status": 5}
    body = hook_body([order], prefetch=prefetch_for([patient(), condition("M54.2", onset="2026-11-10")]))
    answer = client.post(SELECT, json=body)
    assert answer.status_code == 400 and "(2 problem(s)" in answer.json["issue"][0]["diagnostics"]


# -- issue 11 / policy §10: data that could be decisive but cannot be read, from the HTTP request ---------------------
def _red_flag_call(client, break_it):
    """Acute neck pain and a red flag (anticoagulant use) in the conditions prefetch; `break_it` spoils the flag."""
    prefetch = prefetch_for([patient(), condition("M54.2", onset="2026-11-10")])
    prefetch["conditions"]["entry"].append({"resource": break_it(condition("Z79.01", onset="2026-01-01"))})
    response = client.post(SELECT, json=hook_body([order_json("72156")], prefetch=prefetch))
    assert response.status_code == 200
    return response.json


@pytest.mark.parametrize(
    "break_it",
    [
        lambda c: c | {"resourceType": "Conditon"},
        lambda c: c | {"resourceType": "Condtion"},
        lambda c: c | {"resourceType": "Conditions"},
        lambda c: {k: v for k, v in c.items() if k != "code"},
        lambda c: c | {"code": {"coding": [{}]}},
        lambda c: c | {"code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": None}]}},
        lambda c: c | {"subject": {"identifier": {"value": "MRN1"}}},
        lambda c: c | {"subject": {"reference": "urn:uuid:7a0e3b52-0c4e-4bd6-8d0c-2b6d1e0c1a11"}},
    ],
    ids=["Conditon", "Condtion", "Conditions", "no-code", "empty-coding", "null-code", "identifier", "urn-uuid"],
)
def test_a_red_flag_that_cannot_be_read_whole_never_lets_a_warning_through(client, break_it):
    assert not warnings(_red_flag_call(client, break_it))


def test_the_red_flag_control_blocks_the_warning_and_without_it_the_chart_warns(client):
    assert not warnings(_red_flag_call(client, lambda c: c))
    assert warnings(_red_flag_call(client, lambda c: c | {"code": {"coding": [{"system": "urn:x", "code": "1"}]}}))


def test_a_real_fhir_type_near_ours_is_not_a_misspelling(client):
    other = {"resourceType": "DeviceRequest", "id": "dr", "subject": {"reference": "Patient/pat-1"}}
    answer = call(client, [patient(), condition("M54.2", onset="2026-11-10"), other], order_json("72156"))
    assert warnings(answer)


@pytest.mark.parametrize("mode", ["include", "banana"])
def test_a_red_flag_in_an_include_or_unknown_mode_entry_still_counts(client, mode):
    prefetch = prefetch_for([patient(), condition("M54.2", onset="2026-11-10")])
    prefetch["conditions"]["entry"].append({"resource": condition("Z79.01"), "search": {"mode": mode}})
    answer = client.post(SELECT, json=hook_body([order_json("72156")], prefetch=prefetch)).json
    assert not warnings(answer)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda p: p | {"observations": {"resourceType": "x"}},
        lambda p: p | {"observations": {"resourceType": "Bundle", "entry": "x"}},
        lambda p: p | {"observations": {"resourceType": "Observation", "id": "o1"}},
        lambda p: p | {"observations": [{"resourceType": "Observation"}]},
    ],
    ids=["not-a-bundle", "entry-not-a-list", "a-resource-for-a-search", "a-json-list"],
)
def test_an_unreadable_prefetch_is_fetched_again_or_a_412_never_read_as_empty(client, spoil):
    prefetch = spoil(prefetch_for([patient(), condition("M54.2", onset="2026-11-10")]))
    response = client.post(SELECT, json=hook_body([order_json("72156")], prefetch=prefetch))
    assert response.status_code == 412 and "observations" in response.json["issue"][0]["diagnostics"]


def test_a_body_of_many_long_order_notes_is_answered_without_reading_them(client, store):
    # each note is readable alone; together they are more than one request reads (ORDER_WORDS_READ)
    note = "Routine follow-up, medications reviewed. " * 480  # ~19 700 characters
    drafts = [
        order_json("72125", oid=f"order-{i}") | {"note": [{"text": f"{i}. {note}"}]}
        for i in range(ORDER_WORDS_READ // len(note) + 1)
    ]
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    body = hook_body(drafts, hook="order-sign", prefetch=prefetch_for(chart))
    response = client.post("/cds-services/cspine-auc-sign", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert not warnings(response.json)
    store.journal and store.journal.flush()
    with store.engine.connect() as connection:
        rows = connection.execute(select(decisions.c.outcome, decisions.c.reasons)).all()
    assert len(rows) == len(drafts)
    assert all(r.outcome == "insufficient-data" and f"more than {ORDER_WORDS_READ}" in r.reasons for r in rows)
    assert warnings(call(client, chart, drafts[0]))  # one such order alone is read, and warns
