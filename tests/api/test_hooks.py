"""POST /cds-services/{id}: orders picked per hook, cards and systemActions per policy §7."""

from __future__ import annotations

from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.builders import condition, device, order_json, patient
from tests.conftest import load_chart
from tests.hook_requests import hook_body, prefetch_for, sandbox_order

SELECT = "/cds-services/cspine-auc-select"
SIGN = "/cds-services/cspine-auc-sign"
PAMA = "http://fhir.org/argonaut/Extension/pama-rating"


def rating_of(resource):
    ext = next(e for e in resource["extension"] if e["url"] == PAMA)
    return ext["valueCodeableConcept"]["coding"][0]["code"]


def test_radiculopathy_with_ct_contrast_warns_and_suggests_mri(client):
    chart = [patient(), condition("M54.12")]
    body = hook_body([order_json("72126")], prefetch=prefetch_for(chart))
    response = client.post(SELECT, json=body)
    assert response.status_code == 200
    (card,) = response.json["cards"]
    assert card["indicator"] == "warning"
    first = card["suggestions"][0]
    assert first["isRecommended"] is True
    (action,) = first["actions"]
    assert action["type"] == "update"
    assert action["resource"]["id"] == "order-1"
    coding = action["resource"]["code"]["coding"][0]
    assert (coding["system"], coding["code"]) == ("http://www.ama-assn.org/go/cpt", "72141")
    assert coding["display"].startswith("Magnetic resonance imaging")  # the sandbox shows the study by its display
    assert rating_of(action["resource"]) == "appropriate"
    assert card["selectionBehavior"] == "at-most-one"


def test_system_actions_rate_the_order_in_both_places(client):
    chart = [patient(), condition("M54.12")]
    response = client.post(SELECT, json=hook_body([order_json("72126")], prefetch=prefetch_for(chart))).json
    assert response["systemActions"] == response["extension"]["systemActions"]
    (action,) = response["systemActions"]
    assert action["type"] == "update" and action["description"]
    assert rating_of(action["resource"]) == "not-appropriate"
    urls = {e["url"] for e in action["resource"]["extension"]}
    assert {
        "http://fhir.org/argonaut/Extension/pama-rating-consult-id",
        "http://fhir.org/argonaut/Extension/pama-rating-auc-applied",
    } <= urls
    sent = order_json("72126")
    sent["code"]["coding"][0]["display"] = "Computed tomography, cervical spine; with contrast material"
    response = client.post(SELECT, json=hook_body([sent], prefetch=prefetch_for(chart))).json
    unchanged = {k: v for k, v in response["systemActions"][0]["resource"].items() if k != "extension"}
    assert unchanged == sent  # the order as sent, nothing but the rating added


def test_ua_order_gets_no_card_but_an_appropriate_rating(client):
    chart = [patient(), condition("M54.12", onset="2025-01-01")]
    response = client.post(SELECT, json=hook_body([order_json("72141")], prefetch=prefetch_for(chart))).json
    assert response["cards"] == []
    assert rating_of(response["systemActions"][0]["resource"]) == "appropriate"


def test_mba_with_ua_alternative_gets_an_info_card(client):
    chart = [patient(), condition("M54.12", onset="2025-01-01")]
    (card,) = client.post(SELECT, json=hook_body([order_json("72040")], prefetch=prefetch_for(chart))).json["cards"]
    assert card["indicator"] == "info"
    assert card["suggestions"][0]["actions"][0]["resource"]["code"]["coding"][0]["code"] == "72141"


def test_better_alternative_card_can_be_switched_off(settings, knowledge):
    from dataclasses import replace

    from cds_service.api import create_app

    app = create_app(replace(settings, card_better_alternative=False), knowledge=knowledge)
    chart = [patient(), condition("M54.12", onset="2025-01-01")]
    response = app.test_client().post(SELECT, json=hook_body([order_json("72040")], prefetch=prefetch_for(chart)))
    assert response.json["cards"] == []


def test_out_of_scope_has_no_card_and_no_criteria_rating(client):
    chart = [patient(), condition("M54.2"), condition("M47.12")]
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch_for(chart))).json
    assert response["cards"] == []
    assert rating_of(response["systemActions"][0]["resource"]) == "no-criteria-apply"


def test_no_rating_info_card_is_configurable(settings, knowledge):
    from dataclasses import replace

    from cds_service.api import create_app

    app = create_app(replace(settings, card_no_rating=True), knowledge=knowledge)
    chart = [patient(), condition("M54.2"), condition("M47.12")]
    (card,) = (
        app.test_client()
        .post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch_for(chart)))
        .json["cards"]
    )
    assert card["indicator"] == "info" and "Myelopathy" in card["summary"]
    assert "suggestions" not in card


def test_insufficient_data_has_no_card_and_no_rating(client):
    """At signing (no capture card there, policy §9) a silent chart gets nothing: no card, no rating."""
    body = hook_body([order_json("72125")], hook="order-sign", prefetch=prefetch_for([patient()]))
    assert client.post(SIGN, json=body).json == {"cards": []}


def test_order_select_rates_only_the_selection(client):
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    orders = [order_json("72125", oid="a"), order_json("72126", oid="b")]
    body = hook_body(orders, selections=["ServiceRequest/b"], prefetch=prefetch_for(chart))
    response = client.post(SELECT, json=body).json
    assert [a["resource"]["id"] for a in response["systemActions"]] == ["b"]


def test_order_sign_rates_every_draft_order_of_any_status(client):
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    orders = [order_json("72125", oid="a"), {**order_json("72126", oid="b"), "status": "active"}]
    response = client.post(SIGN, json=hook_body(orders, hook="order-sign", prefetch=prefetch_for(chart))).json
    assert sorted(a["resource"]["id"] for a in response["systemActions"]) == ["a", "b"]
    assert len(response["cards"]) == 2


def test_non_imaging_orders_need_no_data(client):
    """A chest radiograph is not rated: answered at once, even with no prefetch and no fhirServer."""
    response = client.post(SELECT, json=hook_body([order_json("71046")]))
    assert response.status_code == 200 and response.json == {"cards": []}


def test_medication_selection_is_ignored(client):
    med = {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/pat-1"},
    }
    body = hook_body([med, order_json("72125")], selections=["MedicationRequest/m1"])
    assert client.post(SELECT, json=body).json == {"cards": []}


# -- the sandbox's request shapes (reference cds-hooks.md §3) ---------------------------------------------
def test_sandbox_first_call_with_empty_study(client):
    body = hook_body([sandbox_order(code=None)])
    assert client.post(SELECT, json=body).json == {"cards": []}


def test_sandbox_draft_with_snomed_reason_and_no_bundle_type(client):
    order = sandbox_order("72126", reasons=[("54404000", "Cervical radiculopathy (disorder)")])
    body = hook_body([order], prefetch=prefetch_for([patient()]))
    assert "type" not in body["context"]["draftOrders"]
    (card,) = client.post(SELECT, json=body).json["cards"]
    assert card["indicator"] == "warning"
    swapped = card["suggestions"][0]["actions"][0]["resource"]
    assert swapped["id"] == "example-request-id"
    assert swapped["reasonCode"][0]["coding"][0]["code"] == "54404000"
    assert swapped["code"]["coding"][0]["code"] == "72141"


def test_sandbox_draft_without_reasons_carries_the_chart_indication(client):
    chart = [patient(), condition("M54.12")]
    body = hook_body([sandbox_order("72126")], prefetch=prefetch_for(chart))
    (card,) = client.post(SELECT, json=body).json["cards"]
    swapped = card["suggestions"][0]["actions"][0]["resource"]
    assert swapped["reasonCode"][0]["coding"][0]["code"] == "M54.12"


def test_stu3_procedure_request_is_accepted(client):
    order = {**order_json("72126"), "resourceType": "ProcedureRequest"}
    chart = [patient(), {**condition("M54.12"), "clinicalStatus": "active", "verificationStatus": "confirmed"}]
    body = hook_body([order], selections=["ProcedureRequest/order-1"], prefetch=prefetch_for(chart))
    (card,) = client.post(SELECT, json=body).json["cards"]
    assert card["indicator"] == "warning"


def test_collection_bundle_type_is_accepted(client):
    body = hook_body(
        [order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]), bundle_type="collection"
    )
    assert client.post(SELECT, json=body).json["cards"][0]["indicator"] == "warning"


# -- vignettes through HTTP ------------------------------------------------------------------------------
def test_vignette_002_with_pacemaker_suggests_ct_with_contrast(client):
    chart = load_chart("vignette-002-cancer-radiculopathy")
    order = next(r for r in chart if r["resourceType"] == "ServiceRequest")
    pacemaker = device("Cardiac pacemaker") | {"patient": {"reference": "Patient/vig-cancer"}}
    chart = [r for r in chart if r is not order] + [pacemaker]
    body = hook_body([order], patient_id="vig-cancer", prefetch=prefetch_for(chart))
    (card,) = client.post(SELECT, json=body).json["cards"]
    assert card["suggestions"][0]["actions"][0]["resource"]["code"]["coding"][0]["code"] == "72126"
    assert "pacemaker" in card["detail"].lower() or "Device/" in card["detail"]


# -- response shape rules ---------------------------------------------------------------------------------
def _walk(value, path="$"):
    if isinstance(value, dict):
        assert value, f"empty object at {path}"
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        assert value or path == "$.cards", f"empty array at {path}"
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    else:
        assert value is not None and value != "", f"null or empty value at {path}"
        yield path


def _responses(client):
    cases = [
        ([patient(), condition("M54.12")], "72126"),
        ([patient(), condition("M54.12", onset="2025-01-01")], "72040"),
        ([patient(), condition("Z85.3"), condition("M54.2"), device("pacemaker")], "72040"),
        ([patient(), condition("G44.86"), condition("Z95.0")], "72040"),
        ([patient(), condition("M54.2"), condition("S13.4XXA")], "72125"),
        ([patient()], "72141"),  # the capture card
        ([patient(), condition("R63.4")], "72156"),  # the capture card, every choice without a rating
    ]
    for chart, code in cases:
        yield client.post(SELECT, json=hook_body([order_json(code)], prefetch=prefetch_for(chart))).json


def test_no_null_or_empty_optional_fields(client):
    paths = [path for response in _responses(client) for path in _walk(response)]
    # it walked cards, suggestions and the resources in them, not only empty answers
    assert any(".suggestions[" in p and ".resource." in p for p in paths) and len(paths) > 500


def test_card_shape_rules(client):
    import uuid

    cards = [card for response in _responses(client) for card in response["cards"]]
    assert len(cards) >= 6 and {c["indicator"] for c in cards} == {"info", "warning"}
    for card in cards:
        assert len(card["summary"]) < 140
        uuid.UUID(card["uuid"], version=4)
        assert card["source"]["label"] and card["source"]["topic"]["code"]
        if card["indicator"] == "warning":  # a warning can always be overridden, with a reason
            assert card["overrideReasons"] and all(r["display"] and r["system"] for r in card["overrideReasons"])
        if "suggestions" in card:
            assert card["selectionBehavior"] == "at-most-one"
            assert sum(bool(s.get("isRecommended")) for s in card["suggestions"]) <= 1
            for suggestion in card["suggestions"]:
                uuid.UUID(suggestion["uuid"])
                (action,) = suggestion["actions"]
                assert action["type"] == "update" and action["description"] and suggestion["label"]
        for link in card["links"]:
            assert link["type"] == "absolute" and "appContext" not in link


def test_a_warning_recommends_exactly_one_suggestion(client):
    warnings = [c for r in _responses(client) for c in r["cards"] if c["indicator"] == "warning" and "suggestions" in c]
    assert warnings and all(sum(bool(s.get("isRecommended")) for s in c["suggestions"]) == 1 for c in warnings)


def test_every_emitted_resource_is_a_valid_r4_service_request(client):
    count = 0
    for response in _responses(client):
        resources = [a["resource"] for a in response.get("systemActions", [])]
        resources += [a["resource"] for c in response["cards"] for s in c.get("suggestions", []) for a in s["actions"]]
        for resource in resources:
            ServiceRequest.model_validate(resource)
            assert resource.get("reasonCode") != []
            count += 1
    assert count >= 12


def test_nothing_left_says_so(client):
    chart = [patient(), condition("G44.86"), condition("Z95.0")]
    (card,) = client.post(SELECT, json=hook_body([order_json("72040")], prefetch=prefetch_for(chart))).json["cards"]
    assert "suggestions" not in card and "selectionBehavior" not in card
    assert "no rated alternative is safe" in card["summary"].lower() or "safe" in card["detail"]
