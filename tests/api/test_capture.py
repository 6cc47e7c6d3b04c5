"""The capture card (policy §9) and the whole loop as the CDS Hooks sandbox's PAMA tab drives it (issue 14).

The sandbox, on accepting a suggestion, reads the suggested ServiceRequest's pama-rating (it throws without one),
`code.coding[0]` as the study and every `reasonCode[].coding[0]` as the reasons (it throws without reasonCode), puts
them in its own draft and fires order-select again. `sandbox_accepts` does exactly that.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from cds_service.api import create_app
from tests.builders import condition, observation, order_json, patient, procedure
from tests.conftest import TODAY
from tests.hook_requests import hook_body, prefetch_for, sandbox_order

SELECT = "/cds-services/cspine-auc-select"
SIGN = "/cds-services/cspine-auc-sign"
PAMA_RATING = "http://fhir.org/argonaut/Extension/pama-rating"
SNOMED = "http://snomed.info/sct"
CAPTURE_SUMMARY = "No indication recorded: choose one"
REASONS = {
    "81680005": "Neck pain (finding)",
    "54404000": "Cervical radiculopathy (disorder)",
    "279016001": "Cervicogenic headache (finding)",
}

# Charts without any indication, each with what it adds to every choice.
SILENT = [patient()]
RED_FLAG = [patient(), condition("R63.4")]  # abnormal weight loss: a red flag, no rating (policy §3)
MALIGNANCY = [patient(), condition("C50.911")]  # breast cancer: variant 5
PRIOR_SURGERY = [patient(), procedure("22551")]  # anterior cervical fusion: variant 3
INFECTION = [patient(), condition("M46.22")]  # cervical osteomyelitis: variant 4
CHILD = [patient(birth_date="2015-03-01")]  # out of scope: no rating


def rating_of(resource: dict[str, Any]) -> str:
    """As the sandbox's resourceToRating: the first pama-rating code; KeyError / StopIteration when there is none."""
    extension = next(e for e in resource["extension"] if e["url"] == PAMA_RATING)
    return extension["valueCodeableConcept"]["coding"][0]["code"]


def order_rating(response: dict[str, Any]) -> str | None:
    """The rating the sandbox badge shows: from extension.systemActions only."""
    actions = (response.get("extension") or {}).get("systemActions") or []
    return rating_of(actions[0]["resource"]) if actions else None


def sandbox_accepts(suggestion: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The announced rating and the sandbox's new draft after the click (pama.jsx dispatchSuggestedUpdates)."""
    (action,) = [a for a in suggestion["actions"] if a["type"] == "update"]
    resource = action["resource"]
    announced = rating_of(resource)
    study = resource["code"]["coding"][0]
    reasons = [c["coding"][0] for c in resource["reasonCode"]]
    for coding in [study, *reasons]:
        assert all(isinstance(coding.get(k), str) and coding[k] for k in ("system", "code", "display")), coding
    draft = sandbox_order(study["code"], [(r["code"], r["display"]) for r in reasons])
    draft["code"] = {"coding": [study], "text": study["display"]}
    return announced, draft


def capture_card(response: dict[str, Any]) -> dict[str, Any]:
    (card,) = [c for c in response["cards"] if c["summary"] == CAPTURE_SUMMARY]
    return card


def select(client, chart: list[dict[str, Any]], order: dict[str, Any], **body: Any) -> dict[str, Any]:
    request = hook_body([order], prefetch=prefetch_for(chart))
    request.update(body)
    response = client.post(SELECT, json=request)
    assert response.status_code == 200, response.json
    return response.json


def loop(client, chart: list[dict[str, Any]], study: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Every choice of the capture card: code -> (announced rating, rating after the click, card of the re-call)."""
    card = capture_card(select(client, chart, sandbox_order(study)))
    results = {}
    for suggestion in card["suggestions"]:
        announced, draft = sandbox_accepts(suggestion)
        again = select(client, chart, draft)
        assert all(c["summary"] != CAPTURE_SUMMARY for c in again["cards"])  # the indication is there now
        results[draft["reasonCode"][0]["coding"][0]["code"]] = (announced, order_rating(again), again)
    return results


@pytest.mark.parametrize("study", ["72141", "72125", "72126", "72156"])
@pytest.mark.parametrize(
    ("chart", "variants"),
    [
        (SILENT, {"81680005": "1 or 7", "54404000": "2 or 8", "279016001": "6"}),
        (MALIGNANCY, {"81680005": "5", "54404000": "5", "279016001": "5"}),
        (PRIOR_SURGERY, {"81680005": "3", "54404000": "3", "279016001": "3"}),
        (INFECTION, {"81680005": "4", "54404000": "4", "279016001": "4"}),
    ],
    ids=["silent", "malignancy", "prior-surgery", "infection"],
)
def test_each_choice_announces_the_rating_the_next_order_select_gives(client, study, chart, variants):
    results = loop(client, chart, study)
    assert set(results) == set(REASONS)
    for code, (announced, after, _) in results.items():
        assert announced == after, (code, announced, after)
    table = capture_card(select(client, chart, sandbox_order(study)))["detail"]
    for code, expected in variants.items():
        row = next(line for line in table.splitlines() if f"`{code}`" in line)
        assert f"| {expected} |" in row, row


@pytest.mark.parametrize("chart", [RED_FLAG, CHILD], ids=["red-flag", "pediatric"])
def test_a_red_flag_or_out_of_scope_chart_shows_in_every_choice(client, chart):
    results = loop(client, chart, "72141")
    assert {announced for announced, _, _ in results.values()} == {"no-criteria-apply"}
    assert {after for _, after, _ in results.values()} == {"no-criteria-apply"}
    card = capture_card(select(client, chart, sandbox_order("72141")))
    assert all(s["label"].endswith("no ACR rating applies") for s in card["suggestions"])
    assert "**No rating:**" in card["detail"] and "**From the chart, for every choice:**" in card["detail"]


def test_labels_name_the_reason_and_its_rating(client):
    card = capture_card(select(client, SILENT, sandbox_order("72125")))
    labels = [s["label"] for s in card["suggestions"]]
    assert [label.split(":")[0] for label in labels] == ["Neck pain", "Cervical radiculopathy", "Cervicogenic headache"]
    assert card["indicator"] == "info" and card["selectionBehavior"] == "at-most-one"
    assert all(s["uuid"] for s in card["suggestions"]) and card["uuid"]


@pytest.mark.parametrize("study", ["72141", "72125", "72126", "72156", "70498", "72040"])
@pytest.mark.parametrize(
    "chart", [SILENT, PRIOR_SURGERY, [patient(), condition("Z98.1")]], ids=["silent", "acdf", "z98"]
)
def test_a_label_never_says_less_than_its_rating(client, study, chart):
    """'Usually Not Appropriate' alone only on a not-appropriate rating; several categories (acute or chronic) are
    all named, best first; a single category is also the rating's translation coding."""
    for suggestion in capture_card(select(client, chart, order_json(study)))["suggestions"]:
        words = suggestion["label"].split(": ", 1)[1]
        codings = rating_extension(suggestion)["valueCodeableConcept"]["coding"]
        rating = codings[0]["code"]
        translation = [c["display"] for c in codings[1:]]
        if rating == "not-appropriate":
            assert words == "Usually Not Appropriate" == translation[0]
        elif rating == "appropriate":
            assert words != "Usually Not Appropriate"
            assert translation in ([], [words])
            assert (" or " in words) == (not translation)
        else:
            assert words == "no ACR rating applies" and translation == []


def test_acute_or_chronic_neck_pain_names_both_categories(client):
    card = capture_card(select(client, SILENT, sandbox_order("72141")))
    neck = card["suggestions"][0]
    assert neck["label"] == "Neck pain: May Be Appropriate or Usually Not Appropriate"
    assert rating_of(neck["actions"][0]["resource"]) == "appropriate"


PAMA_SYSTEM = "http://fhir.org/argonaut/CodeSystem/pama-rating"


def rating_extension(suggestion: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in suggestion["actions"][0]["resource"]["extension"] if e["url"] == PAMA_RATING)


def test_a_suggestion_is_the_draft_as_sent_plus_one_reason_and_the_rating(client):
    sent = order_json("72141", text="MRI C-spine", extra_codings=[{"system": "urn:local", "code": "MRC1"}])
    sent["code"]["coding"][0]["display"] = "MRI cervical spine without contrast"
    sent["extension"] = [{"url": "urn:site:priority-flag", "valueBoolean": True}]
    sent["note"] = [{"text": "please call with results"}]
    sent["reasonCode"] = []  # as the sandbox sends a draft without reasons
    card = capture_card(select(client, SILENT, sent))
    for suggestion in card["suggestions"]:
        resource = suggestion["actions"][0]["resource"]
        assert {k: v for k, v in resource.items() if k not in ("extension", "reasonCode")} == {
            k: v for k, v in sent.items() if k not in ("extension", "reasonCode")
        }
        assert resource["extension"][0] == sent["extension"][0]
        (reason,) = resource["reasonCode"]
        code = reason["coding"][0]["code"]
        assert reason["coding"] == [{"system": SNOMED, "code": code, "display": REASONS[code]}]


def test_a_draft_study_without_display_gets_one_in_every_resource(client):
    """The sandbox shows code.coding[0].display; a draft without it would render a blank study line."""
    response = select(client, SILENT, order_json("72125"))
    resources = [a["resource"] for s in capture_card(response)["suggestions"] for a in s["actions"]]
    rated = select(client, [patient(), condition("M54.12")], order_json("72125"))
    resources += [a["resource"] for a in rated["extension"]["systemActions"]]
    assert len(resources) == 4
    for resource in resources:
        first = resource["code"]["coding"][0]
        assert first["code"] == "72125" and first["display"].startswith("Computed tomography")
    warned = select(client, [patient(), condition("M54.12")], order_json("72126"))
    swaps = [a["resource"] for c in warned["cards"] for s in c["suggestions"] for a in s["actions"]]
    assert swaps and all(r["code"]["coding"][0]["display"] for r in swaps)


@pytest.mark.parametrize(
    ("label", "chart", "order"),
    [
        ("a coded reason we do not rate", SILENT, order_json("72141", reasons=[("84229001", "snomed")])),
        ("a reason in words only", SILENT, {**order_json("72141"), "reasonCode": [{"text": "follow-up"}]}),
        ("a reason by reference", SILENT, order_json("72141", reason_refs=["Condition/c1"])),
        ("a current neck-pain problem", [patient(), condition("M54.2")], order_json("72141")),
        (
            "a provisional radiculopathy",
            [patient(), condition("M54.12", verification="provisional")],
            order_json("72141"),
        ),
        ("a reason we do not rate", SILENT, sandbox_order("72141", [("25064002", "Headache (finding)")])),
        ("neck pain denied in the order note", SILENT, {**order_json("72141"), "note": [{"text": "no neck pain"}]}),
        ("neck pain in the order note", SILENT, {**order_json("72141"), "note": [{"text": "neck pain 2 wk"}]}),
        ("a not-rated order", SILENT, order_json("71046")),
        ("the sandbox's empty first draft", SILENT, sandbox_order(None)),
        ("a whole-body study", SILENT, order_json("78306")),
    ],
)
def test_no_capture_card(client, label, chart, order):
    response = select(client, chart, order)
    assert all(c["summary"] != CAPTURE_SUMMARY for c in response["cards"]), label


@pytest.mark.parametrize(
    "chart",
    [
        [patient(), condition("M54.2", clinical="resolved")],
        [patient(), condition("M54.12", verification="refuted")],
        [patient(), condition("M54.2", clinical="inactive", onset="2019-03-01")],
    ],
    ids=["resolved", "refuted", "inactive"],
)
def test_an_indication_the_chart_no_longer_holds_still_gets_the_capture_card(client, chart):
    """The engine does not count it (policy §2), so the order would stay unrated: ask for today's reason."""
    card = capture_card(select(client, chart, order_json("72141")))
    assert card["suggestions"][0]["label"].startswith("Neck pain:")


def test_no_capture_card_at_signing(client):
    body = hook_body([order_json("72141")], hook="order-sign", prefetch=prefetch_for(SILENT))
    assert client.post(SIGN, json=body).json == {"cards": []}


@pytest.mark.parametrize(
    "code",
    [{"text": 17}, {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": 12}]}, {"coding": "M54.2"}],
)
def test_no_capture_card_when_no_choice_could_be_rated(client, code):
    """An unreadable Condition that could be decisive leaves every choice without a rating: nothing to offer."""
    unreadable = {"resourceType": "Condition", "id": "bad", "subject": {"reference": "Patient/pat-1"}, "code": code}
    response = select(client, [patient(), unreadable], order_json("72141"))
    assert response == {"cards": []}


def test_capture_card_can_be_switched_off_for_the_deployment(settings, knowledge):
    app = create_app(replace(settings, card_capture_indication=False), knowledge=knowledge, clock=lambda: TODAY)
    assert select(app.test_client(), SILENT, order_json("72141")) == {"cards": []}


def test_the_missing_indication_card_shows_when_capture_is_off(settings, knowledge):
    app = create_app(
        replace(settings, card_capture_indication=False, card_insufficient_data=True),
        knowledge=knowledge,
        clock=lambda: TODAY,
    )
    (card,) = select(app.test_client(), SILENT, order_json("72141"))["cards"]
    assert card["summary"].startswith("No ACR rating: record the indication") and "suggestions" not in card


def test_capture_replaces_the_missing_indication_card(settings, knowledge):
    app = create_app(replace(settings, card_insufficient_data=True), knowledge=knowledge, clock=lambda: TODAY)
    (card,) = select(app.test_client(), SILENT, order_json("72141"))["cards"]
    assert card["summary"] == CAPTURE_SUMMARY


def test_the_capture_card_is_recorded_with_its_suggestions(client, store):
    card = capture_card(select(client, SILENT, order_json("72141")))
    row = store.card(card["uuid"])
    assert row["indicator"] == "info"
    assert sorted(json.loads(row["suggestion_ids"])) == sorted(s["uuid"] for s in card["suggestions"])


def test_observations_make_an_infection_choice_visible(client):
    """Fever and a raised CRP together suspect infection (policy §3): every choice then reads variant 4."""
    chart = [patient(), observation("8310-5", 38.9, "Cel"), observation("1988-5", 80, "mg/L")]
    card = capture_card(select(client, chart, sandbox_order("72141")))
    assert all("| 4 |" in line for line in card["detail"].splitlines() if line.startswith("| ") and "`" in line)


# -- the warning card's swaps, taken in the sandbox ---------------------------------------------------------------
WORDS = "neck pain radiating to L arm x3 wks, no trauma"


def warned(client, reason_text: str = WORDS, study: str = "72125") -> dict[str, Any]:
    order = order_json(study) | {"reasonCode": [{"text": reason_text}], "note": [{"text": "pt prefers CT"}]}
    (card,) = [c for c in select(client, SILENT, order)["cards"] if c["indicator"] == "warning"]
    return card


def test_a_swap_keeps_the_clinicians_words_with_the_coding_read_in_them(client):
    for suggestion in warned(client)["suggestions"]:
        resource = suggestion["actions"][0]["resource"]
        (reason,) = resource["reasonCode"]
        assert reason["text"] == WORDS
        assert reason["coding"][0] == {"system": SNOMED, "code": "54404000", "display": REASONS["54404000"]}
        assert resource["note"] == [{"text": "pt prefers CT"}]


@pytest.mark.parametrize(
    "reason_text", [WORDS, "C6 radiculopathy x 2 wks", "neck pain x 10 days", "cervicogenic headache, 3 wks"]
)
def test_taking_a_swap_in_the_sandbox_gives_the_rating_it_announced(client, reason_text):
    """The sandbox keeps only each reason's first coding: it must be the indication that decided the variant."""
    for suggestion in warned(client, reason_text, "72126")["suggestions"]:
        announced, draft = sandbox_accepts(suggestion)
        assert order_rating(select(client, SILENT, draft)) == announced, (reason_text, suggestion["label"])
