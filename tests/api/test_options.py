"""Delivery modes and per-call configuration (issue 15 §1): shadow mode, the card and rating toggles, Da Vinci CRD
style options advertised in discovery and overridden by a request's extension, and what the audit trail keeps."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select as sql_select

from cds_service.api import create_app
from cds_service.config import ConfigError, Settings
from cds_service.store.tables import hook_calls
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.hook_requests import hook_body, prefetch_for

SELECT = "/cds-services/cspine-auc-select"
CONFIGURATION = "davinci-crd.configuration"
UNA = ([patient(), condition("M54.12")], "72126")  # CT with contrast for radiculopathy: a warning
MBA_WITH_UA = ([patient(), condition("M54.12", onset="2025-01-01")], "72040")  # radiographs: info card
RED_FLAG = ([patient(), condition("M54.2"), condition("R63.4")], "72141")  # no rating
SILENT = ([patient()], "72141")  # capture card
ALL_OPTIONS = {
    "shadow",
    "rating-actions",
    "better-alternative-card",
    "no-rating-card",
    "insufficient-data-card",
    "capture-indication",
}


def call(client, case: tuple[list[dict[str, Any]], str], configuration: Any = ..., **extension: Any):
    """A hook call; `configuration`: the davinci-crd.configuration value to send (none when not given)."""
    chart, code = case
    body = hook_body([order_json(code)], prefetch=prefetch_for(chart))
    if configuration is not ...:
        body["extension"] = {CONFIGURATION: configuration, **extension}
    return client.post(SELECT, json=body)


def app_with(settings: Settings, knowledge, **changes: Any):
    return create_app(replace(settings, **changes), knowledge=knowledge, clock=lambda: TODAY).test_client()


def recorded_call(store) -> dict[str, Any]:
    store.journal and store.journal.flush()
    with store.engine.connect() as connection:
        (row,) = connection.execute(sql_select(hook_calls)).mappings().all()
    return dict(row)


# -- discovery ---------------------------------------------------------------------------------------------------
def test_discovery_advertises_every_option_with_this_deployments_defaults(settings, knowledge):
    client = app_with(settings, knowledge, delivery="shadow", card_no_rating=True)
    for service in client.get("/cds-services").json["services"]:
        options = {o["code"]: o for o in service["extension"]["davinci-crd.configuration-options"]}
        assert set(options) == ALL_OPTIONS
        for option in options.values():
            assert option["type"] == "boolean" and option["name"] and option["description"]
        assert options["shadow"]["default"] is True and options["no-rating-card"]["default"] is True
        assert options["rating-actions"]["default"] is True and options["insufficient-data-card"]["default"] is False
        assert service["version"] == "2.0.1"


# -- deployment modes --------------------------------------------------------------------------------------------
def test_shadow_deployment_shows_no_card_but_rates_and_records(settings, knowledge):
    client = app_with(settings, knowledge, delivery="shadow")
    response = call(client, UNA).json
    assert response["cards"] == []
    (action,) = response["extension"]["systemActions"]
    store = client.application.extensions["cds_service"].store
    consult = next(e["valueUri"] for e in action["resource"]["extension"] if e["url"].endswith("consult-id"))
    decision = store.decision(consult)
    assert decision["outcome"] == "not-appropriate" and decision["delivery"] == "shadow"
    recorded = recorded_call(store)
    assert recorded["delivery"] == "shadow" and json.loads(recorded["options"])["shadow"] is True


def test_shadow_without_rating_actions_answers_nothing_but_records_the_decision(settings, knowledge):
    client = app_with(settings, knowledge, delivery="shadow", rating_actions=False)
    assert call(client, UNA).json == {"cards": []}
    recorded = recorded_call(client.application.extensions["cds_service"].store)
    assert (recorded["orders"], recorded["result"], recorded["delivery"]) == (1, "answered", "shadow")


def test_shadow_shows_no_capture_card(settings, knowledge):
    assert call(app_with(settings, knowledge, delivery="shadow"), SILENT).json == {"cards": []}


def test_rating_actions_off_keeps_the_warning(settings, knowledge):
    response = call(app_with(settings, knowledge, rating_actions=False), UNA).json
    assert "extension" not in response and "systemActions" not in response
    assert [c["indicator"] for c in response["cards"]] == ["warning"]


def test_an_unknown_delivery_mode_is_refused_at_start_up(settings):
    with pytest.raises(ConfigError, match="CDS_DELIVERY"):
        replace(settings, delivery="silent").check()
    assert Settings.from_env({"CDS_DELIVERY": "shadow"}).call_options().shadow is True


# -- per-call configuration ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "configuration", "indicators", "rated"),
    [
        (UNA, {}, ["warning"], True),
        (UNA, {"shadow": True}, [], True),
        (UNA, {"shadow": True, "rating-actions": False}, [], False),
        (UNA, {"rating-actions": False}, ["warning"], False),
        (MBA_WITH_UA, {}, ["info"], True),
        (MBA_WITH_UA, {"better-alternative-card": False}, [], True),
        (RED_FLAG, {}, [], True),
        (RED_FLAG, {"no-rating-card": True}, ["info"], True),
        (SILENT, {}, ["info"], False),
        (SILENT, {"capture-indication": False}, [], False),
        (SILENT, {"capture-indication": False, "insufficient-data-card": True}, ["info"], False),
    ],
)
def test_a_call_overrides_the_defaults_for_itself(client, case, configuration, indicators, rated):
    response = call(client, case, configuration).json
    assert [c["indicator"] for c in response["cards"]] == indicators
    assert bool((response.get("extension") or {}).get("systemActions")) is rated
    assert [c["indicator"] for c in call(client, case).json["cards"]] == (  # the next call has the defaults again
        ["warning"] if case is UNA else ["info"] if case in (MBA_WITH_UA, SILENT) else []
    )


def test_a_call_can_switch_shadow_off_in_a_shadow_deployment(settings, knowledge):
    client = app_with(settings, knowledge, delivery="shadow")
    assert [c["indicator"] for c in call(client, UNA, {"shadow": False}).json["cards"]] == ["warning"]


def test_the_options_in_force_are_recorded_with_the_call(client, store):
    call(client, UNA, {"shadow": True, "no-rating-card": True})
    recorded = recorded_call(store)
    options = json.loads(recorded["options"])
    assert options["shadow"] is True and options["no-rating-card"] is True and options["rating-actions"] is True
    assert recorded["delivery"] == "shadow"


def test_a_null_extension_is_no_extension(client):
    body = hook_body([order_json(UNA[1])], prefetch=prefetch_for(UNA[0])) | {"extension": None}
    response = client.post(SELECT, json=body)
    assert response.status_code == 200 and [c["indicator"] for c in response.json["cards"]] == ["warning"]


def test_other_extensions_are_left_alone(client):
    response = call(client, UNA, {}, **{"com.example.other": {"anything": [1, 2]}})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("configuration", "message"),
    [
        ({"shadw": True}, "unknown configuration option 'shadw'"),
        ({"shadow": "true"}, "'shadow' takes a boolean, not str"),
        ({"rating-actions": 1}, "'rating-actions' takes a boolean, not int"),
        ({"capture-indication": None}, "takes a boolean, not NoneType"),
        (["shadow"], "must be a JSON object"),
        ("shadow", "must be a JSON object"),
        (None, "must be a JSON object"),
    ],
)
def test_bad_configuration_is_a_400_with_an_operation_outcome(client, store, configuration, message):
    response = call(client, UNA, configuration)
    assert response.status_code == 400
    outcome = response.json
    assert outcome["resourceType"] == "OperationOutcome"
    assert message in outcome["issue"][0]["diagnostics"]
    store.journal and store.journal.flush()
    with store.engine.connect() as connection:
        assert connection.execute(sql_select(hook_calls)).all() == []  # nothing was rated or recorded


def test_bad_configuration_is_refused_even_for_an_order_not_rated(client):
    body = hook_body([order_json("71046")], prefetch=prefetch_for([patient()]))
    body["extension"] = {CONFIGURATION: {"nope": True}}
    assert client.post(SELECT, json=body).status_code == 400
