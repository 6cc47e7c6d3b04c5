"""Review 37 (an EHR integrator's view of the protocol and the cards): what it found, pinned.

- The capture card rated each choice with the draft itself among "the other orders": the draft's own note ("hx
  IVDU") was read as another order's words (uncertain), so a choice announced a rating the next order-select did not
  give.
- A study coding listed after a local code stayed second: the sandbox reads `code.coding[0]`, and lost the rating;
  a display of ours was written on the local code.
- The capture card's choices keep the ordered study; the chart's contraindications to it were not shown.
- An STU3 ProcedureRequest came back as an update of a ServiceRequest; a draft without an id got actions naming no
  id, and "ServiceRequest/None" selected it.
- Feedback was stored whatever card it named: suggestions the card never had, reasons it never offered, another
  service's card, "accepted" with no suggestion, "overridden" with accepted suggestions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.test_capture import CAPTURE_SUMMARY, capture_card, order_rating, rating_of
from tests.builders import allergy, condition, device, observation, order_json, patient
from tests.hook_requests import hook_body, prefetch_for

SELECT = "/cds-services/cspine-auc-select"
SIGN = "/cds-services/cspine-auc-sign"
CPT = "http://www.ama-assn.org/go/cpt"


def post(client, path: str, orders: list[dict[str, Any]], chart: list[dict[str, Any]], **kw: Any) -> Any:
    hook = "order-sign" if path == SIGN else "order-select"
    return client.post(path, json=hook_body(orders, hook=hook, prefetch=prefetch_for([patient(), *chart]), **kw))


def with_note(study: str, note: str) -> dict[str, Any]:
    draft = order_json(study, oid="draft-1")
    draft["note"] = [{"text": note}]
    return draft


# -- the capture card rates its choices as the next order-select will --------------------------------------------
@pytest.mark.parametrize("study", ["72125", "72156", "72040", "72141"])
@pytest.mark.parametrize(
    "note", ["hx IVDU", "h/o IV drug use", "hx of fever", "remote hx of weight loss", "hx epidural abscess"]
)
def test_a_choice_applied_as_returned_gets_the_rating_it_announced(client, study, note):
    answer = post(client, SELECT, [with_note(study, note)], []).json
    card = capture_card(answer)
    for suggestion in card["suggestions"]:
        resource = suggestion["actions"][0]["resource"]
        again = post(client, SELECT, [resource], []).json
        assert all(c["summary"] != CAPTURE_SUMMARY for c in again["cards"])
        assert order_rating(again) == rating_of(resource), (suggestion["label"], again["cards"])


def test_a_sibling_s_note_still_counts_for_the_capture_choices(client):
    """Control: another draft's words stay what they were, at most uncertain (an infection there widens to 4)."""
    other = with_note("72040", "hx epidural abscess")
    other["id"] = "draft-2"
    answer = post(
        client, SELECT, [order_json("72141", oid="draft-1"), other], [], selections=["ServiceRequest/draft-1"]
    )
    card = capture_card(answer.json)
    assert "| 1 or 4 or 7 |" in card["detail"] and "| 2 or 4 or 8 |" in card["detail"]


# -- the study coding first -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "local",
    [
        {"system": "urn:oid:1.2.3.4", "code": "MRC1"},
        {"system": "urn:oid:1.2.3.4", "code": "MRC1", "display": "MRI C-SPINE WO"},
        {"system": "https://hcpcs.example/g", "code": "G1000"},
    ],
)
def test_the_rated_study_coding_comes_first_and_a_local_code_keeps_its_own_display(client, local):
    draft = order_json("72141", oid="draft-1")
    draft["code"]["coding"].insert(0, dict(local))
    answer = post(client, SELECT, [draft], []).json
    resources = [s["actions"][0]["resource"] for s in capture_card(answer)["suggestions"]]
    for resource in resources:
        first, second = resource["code"]["coding"]
        assert (first["system"], first["code"]) == (CPT, "72141") and first["display"]
        assert second == local  # as sent: no display of ours on another system's code
        again = post(client, SELECT, [{**resource, "code": {"coding": [first]}}], []).json
        assert order_rating(again) == rating_of(resource)


def test_a_system_action_puts_the_study_coding_first_too(client):
    draft = order_json("72126", oid="draft-1")
    draft["code"]["coding"].insert(0, {"system": "urn:oid:1.2.3.4", "code": "CTC2"})
    answer = post(client, SIGN, [draft], [condition("M54.12")]).json
    (action,) = answer["systemActions"]
    assert [c["code"] for c in action["resource"]["code"]["coding"]] == ["72126", "CTC2"]


# -- contraindications to the ordered study on the capture card --------------------------------------------------
@pytest.mark.parametrize(
    ("study", "chart", "words"),
    [
        ("72141", [condition("Z95.0")], "pacemaker"),
        ("72141", [device("Permanent cardiac pacemaker")], "pacemaker"),
        ("72156", [observation("33914-3", 20, "mL/min/{1.73_m2}")], "egfr"),
        ("72156", [allergy("gadolinium contrast")], "gadolinium"),
        ("72126", [allergy("iodinated contrast media")], "contrast"),
    ],
    ids=["pacemaker-code", "pacemaker-device", "egfr", "gadolinium", "iodinated"],
)
def test_the_capture_card_names_what_the_chart_holds_against_the_ordered_study(client, study, chart, words):
    card = capture_card(post(client, SELECT, [order_json(study, oid="draft-1")], chart).json)
    assert "**The chart holds against" in card["detail"]
    section = card["detail"].split("**The chart holds against", 1)[1].lower()
    assert words in section


def test_no_contraindication_section_when_the_chart_holds_none_against_the_study(client):
    """Control: a pacemaker does not rule out radiographs."""
    card = capture_card(post(client, SELECT, [order_json("72040", oid="draft-1")], [condition("Z95.0")]).json)
    assert "holds against" not in card["detail"]


# -- actions name the draft as the EHR holds it ----------------------------------------------------------------------
def procedure_request(study: str) -> dict[str, Any]:
    return {
        "resourceType": "ProcedureRequest",
        "id": "pr-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/pat-1"},
        "code": {"coding": [{"system": CPT, "code": study}]},
    }


def test_an_stu3_procedure_request_is_updated_as_a_procedure_request(client):
    answer = post(client, SELECT, [procedure_request("72126")], [condition("M54.12")]).json
    warning = answer["cards"][0]
    assert warning["indicator"] == "warning" and warning["suggestions"]
    updated = [a["resource"] for s in warning["suggestions"] for a in s["actions"]]
    updated += [a["resource"] for a in answer["systemActions"]]
    assert {(r["resourceType"], r["id"]) for r in updated} == {("ProcedureRequest", "pr-1")}


@pytest.mark.parametrize(
    "stu3_elements",
    [
        {"requester": {"agent": {"reference": "Practitioner/dr-1"}}},
        {"context": {"reference": "Encounter/e-1"}},
        {"performer": {"reference": "Organization/radiology"}},
        {"definition": [{"reference": "PlanDefinition/neck"}]},
        {"requester": {"agent": {"reference": "Practitioner/dr-1"}}, "context": {"reference": "EpisodeOfCare/1"}},
    ],
)
def test_an_stu3_procedure_request_with_stu3_only_elements_is_rated_and_updated_as_sent(client, stu3_elements):
    draft = {**procedure_request("72126"), **stu3_elements}
    answer = post(client, SELECT, [draft], [condition("M54.12")])
    assert answer.status_code == 200, answer.json
    warning = answer.json["cards"][0]
    assert warning["indicator"] == "warning" and warning["suggestions"]
    updated = warning["suggestions"][0]["actions"][0]["resource"]
    assert updated["resourceType"] == "ProcedureRequest"
    assert all(updated[key] == value for key, value in stu3_elements.items())  # its STU3 elements as it sent them


@pytest.mark.parametrize(("status", "rated"), [("suspended", True), ("cancelled", False)])
def test_an_stu3_procedure_request_s_status_is_read_by_its_r4_name(client, status, rated):
    draft = {**procedure_request("72126"), "status": status}
    cards = post(client, SELECT, [draft], [condition("M54.12")]).json["cards"]
    assert bool(cards) is rated


def test_a_selection_of_a_draft_by_its_r4_type_still_works(client):
    """Control: the sandbox may name the draft as the service reads it."""
    body = hook_body([procedure_request("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))
    body["context"]["selections"] = ["ServiceRequest/pr-1"]
    assert client.post(SELECT, json=body).json["cards"][0]["indicator"] == "warning"


def test_a_draft_without_an_id_is_rated_on_sign_but_gets_no_action(client):
    draft = order_json("72126")
    del draft["id"]
    answer = post(client, SIGN, [draft], [condition("M54.12")]).json
    (card,) = answer["cards"]
    assert card["indicator"] == "warning" and "suggestions" not in card
    assert not answer.get("systemActions") and not answer.get("extension")


@pytest.mark.parametrize("selection", ["ServiceRequest/None", "ServiceRequest/", "ServiceRequest/null"])
def test_a_selection_cannot_name_a_draft_without_an_id(client, selection):
    draft = order_json("72126")
    del draft["id"]
    response = post(client, SELECT, [draft], [condition("M54.12")], selections=[selection])
    assert response.status_code == 400


# -- feedback fits the card it names ------------------------------------------------------------------------------
def warning(client) -> dict[str, Any]:
    return post(client, SELECT, [order_json("72126", oid="draft-1")], [condition("M54.12")]).json["cards"][0]


def item(card: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"feedback": [{"card": card["uuid"], "outcomeTimestamp": "2026-11-21T10:05:31Z", **fields}]}


def test_feedback_that_fits_its_card_is_stored(client, store):
    card = warning(client)
    reason = {k: card["overrideReasons"][1][k] for k in ("system", "code")}
    bodies = [
        item(card, outcome="accepted", acceptedSuggestions=[{"id": card["suggestions"][0]["uuid"]}]),
        item(card, outcome="overridden", overrideReason={"reason": reason}),
        item(card, outcome="overridden", overrideReason={"userComment": "seen"}),
    ]
    for body in bodies:
        assert client.post(f"{SELECT}/feedback", json=body).status_code == 200, body
    assert len(store.feedback_for(card["uuid"])) == 3


def test_feedback_on_a_card_not_yet_on_record_is_stored(client, store):
    body = {
        "feedback": [
            {
                "card": "a-card-another-process-answered",
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": "its-suggestion"}],
                "outcomeTimestamp": "2026-11-21T10:05:31Z",
            }
        ]
    }
    assert client.post(f"{SELECT}/feedback", json=body).status_code == 200


@pytest.mark.parametrize(
    "case",
    ["no-suggestion", "unknown-suggestion", "card-as-suggestion", "unknown-reason", "overridden-and-accepted"],
)
def test_feedback_that_does_not_fit_its_card_is_400_and_not_stored(client, store, case):
    card = warning(client)
    fields = {
        "no-suggestion": {"outcome": "accepted", "acceptedSuggestions": []},
        "unknown-suggestion": {"outcome": "accepted", "acceptedSuggestions": [{"id": "not-a-suggestion"}]},
        "card-as-suggestion": {"outcome": "accepted", "acceptedSuggestions": [{"id": card["uuid"]}]},
        "unknown-reason": {"outcome": "overridden", "overrideReason": {"reason": {"system": "urn:x", "code": "y"}}},
        "overridden-and-accepted": {
            "outcome": "overridden",
            "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
        },
    }[case]
    response = client.post(f"{SELECT}/feedback", json=item(card, **fields))
    assert response.status_code == 400
    assert response.json["resourceType"] == "OperationOutcome"
    assert store.feedback_for(card["uuid"]) == []


def test_feedback_on_a_card_of_the_other_service_is_400(client, store):
    card = warning(client)
    body = item(card, outcome="accepted", acceptedSuggestions=[{"id": card["suggestions"][0]["uuid"]}])
    assert client.post(f"{SIGN}/feedback", json=body).status_code == 400
    assert store.feedback_for(card["uuid"]) == []


def test_one_item_that_does_not_fit_refuses_the_whole_request(client, store):
    card = warning(client)
    good = item(card, outcome="overridden")["feedback"][0]
    bad = item(card, outcome="accepted", acceptedSuggestions=[{"id": "nope"}])["feedback"][0]
    assert client.post(f"{SELECT}/feedback", json={"feedback": [good, bad]}).status_code == 400
    assert store.feedback_for(card["uuid"]) == []


# -- review 37a (security): what the review found beside the protocol -----------------------------------------------
def test_a_fhir_server_url_with_its_scheme_in_capitals_is_read_as_any_other(client):
    """RFC 3986: a scheme is case-insensitive; the allow-list decides (a 412 either way here), not the schema (400)."""
    for server in ("HTTPS://fhir.example.org/r4", "https://elsewhere.example.org/r4"):
        body = hook_body([order_json("72126", oid="draft-1")], fhir_server=server)
        response = client.post(SELECT, json=body)
        assert response.status_code == 412, (server, response.json)


def test_urllib3_debug_lines_are_not_logged_even_at_debug():
    """Its DEBUG lines carry each FHIR request's URL, and a search URL names the patient."""
    import logging

    from cds_service.logs import configure_logging

    root = logging.getLogger()
    before = (root.handlers[:], root.level, logging.getLogger("urllib3").level)
    try:
        configure_logging("DEBUG")
        assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.DEBUG)
        assert logging.getLogger("cds_service.fhir").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:], level, urllib3_level = before
        root.setLevel(level)
        logging.getLogger("urllib3").setLevel(urllib3_level)


# -- every consult id a suggestion carries is on record (review 37a) -------------------------------------------------
CONSULT_ID = "http://fhir.org/argonaut/Extension/pama-rating-consult-id"


def carried(resource: dict[str, Any]) -> tuple[str, str]:
    """The consult id and the pama-rating code a suggested resource carries."""
    consult = next(e["valueUri"] for e in resource["extension"] if e["url"] == CONSULT_ID)
    return consult, rating_of(resource)


def test_each_swap_suggestion_s_consult_id_is_recorded_with_its_rating(client, store):
    answer = post(client, SELECT, [order_json("72126", oid="draft-1")], [condition("M54.12")]).json
    card = answer["cards"][0]
    (action,) = answer["systemActions"]
    decision_consult, _ = carried(action["resource"])
    assert len(card["suggestions"]) >= 2
    for suggestion in card["suggestions"]:
        resource = suggestion["actions"][0]["resource"]
        consult, rating = carried(resource)
        row = store.suggested_rating(consult)
        assert row is not None, suggestion["label"]
        assert (row["card_id"], row["suggestion_id"]) == (card["uuid"], suggestion["uuid"])
        assert row["decision_consult_id"] == decision_consult and store.decision(decision_consult) is not None
        assert row["rating"] == rating and row["reason"] is None
        assert json.loads(row["procedures"]) and row["category"]


def test_each_capture_choice_s_consult_id_is_recorded_with_its_reason(client, store):
    card = capture_card(post(client, SELECT, [order_json("72141", oid="draft-1")], []).json)
    reasons = set()
    for suggestion in card["suggestions"]:
        consult, rating = carried(suggestion["actions"][0]["resource"])
        row = store.suggested_rating(consult)
        assert row is not None and row["rating"] == rating and row["card_id"] == card["uuid"]
        assert json.loads(row["procedures"])
        reasons.add(row["reason"])
    assert len(reasons) == len(card["suggestions"])


def test_a_consult_id_never_given_is_not_on_record(store):
    assert store.suggested_rating("urn:uuid:00000000-0000-4000-8000-000000000000") is None


# -- review 38: legitimate feedback the first checks refused --------------------------------------------------------
def test_overridden_with_an_empty_accepted_suggestions_list_is_stored(client, store):
    card = warning(client)
    body = item(card, outcome="overridden", acceptedSuggestions=[])
    assert client.post(f"{SELECT}/feedback", json=body).status_code == 200
    assert len(store.feedback_for(card["uuid"])) == 1


def test_an_accepted_suggestion_s_uuid_in_capitals_is_the_suggestion(client, store):
    card = warning(client)
    body = item(card, outcome="accepted", acceptedSuggestions=[{"id": card["suggestions"][0]["uuid"].upper()}])
    assert client.post(f"{SELECT}/feedback", json=body).status_code == 200


def test_an_override_reason_sent_with_its_code_alone_is_the_card_s_reason(client, store):
    card = warning(client)
    offered = card["overrideReasons"][1]
    body = item(card, outcome="overridden", overrideReason={"reason": {"code": offered["code"]}})
    assert client.post(f"{SELECT}/feedback", json=body).status_code == 200
    (stored,) = store.feedback_for(card["uuid"])
    assert (stored["override_system"], stored["override_code"]) == (offered["system"], offered["code"])


def test_an_override_reason_code_the_service_does_not_offer_is_still_400(client):
    card = warning(client)
    body = item(card, outcome="overridden", overrideReason={"reason": {"code": "not-ours"}})
    assert client.post(f"{SELECT}/feedback", json=body).status_code == 400
