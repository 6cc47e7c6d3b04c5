"""A thirty-ninth review of the capture card (policy §9) and the order's own reason, through the HTTP API.

- A coded reason the order's own words deny or doubt ("no neck pain" on SNOMED neck pain) warned as if the code stood
  alone: contradictory evidence may block or widen, never warn.
- A study code of several studies (contrast not specified, no display) came back from every update with a display
  naming each contrast, which the next call read as contradicting the code: the announced rating was lost.
- Another draft's reason, a chart indication whose status cannot be read, and a reason of blanks each took the capture
  card away and left the order with no rating at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.knowledge.model import Context
from tests.api.test_capture import CAPTURE_SUMMARY, capture_card, order_rating, rating_of
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.hook_requests import hook_body, prefetch_for

SELECT = "/cds-services/cspine-auc-select"
SIGN = "/cds-services/cspine-auc-sign"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"


def post(client, path: str, orders: list[dict[str, Any]], chart: list[dict[str, Any]], **kw: Any) -> Any:
    hook = "order-sign" if path == SIGN else "order-select"
    answer = client.post(path, json=hook_body(orders, hook=hook, prefetch=prefetch_for([patient(), *chart]), **kw))
    assert answer.status_code == 200, answer.json
    return answer.json


def warned(answer: dict[str, Any]) -> bool:
    return any(c["indicator"] == "warning" for c in answer["cards"])


def has_capture(answer: dict[str, Any]) -> bool:
    return any(c["summary"] == CAPTURE_SUMMARY for c in answer["cards"])


# -- a coded reason its own words deny ---------------------------------------------------------------------------------
def reasoned(study: str, reason: dict[str, Any], note: str | None = None) -> dict[str, Any]:
    draft = order_json(study)
    draft["reasonCode"] = [reason]
    if note:
        draft["note"] = [{"text": note}]
    return draft


NECK_PAIN = {"system": SNOMED, "code": "81680005"}


@pytest.mark.parametrize(
    ("study", "reason", "note"),
    [
        ("72125", {"coding": [NECK_PAIN], "text": "no neck pain"}, None),
        ("72125", {"coding": [NECK_PAIN], "text": "r/o neck pain"}, None),
        ("72125", {"coding": [NECK_PAIN], "text": "? neck pain"}, None),
        ("72125", {"coding": [{"system": ICD10, "code": "M54.2"}], "text": "denies neck pain"}, None),
        ("72126", {"coding": [{"system": SNOMED, "code": "54404000"}], "text": "no radiculopathy"}, None),
        ("72040", {"coding": [{"system": SNOMED, "code": "279016001"}], "text": "not cervicogenic headache"}, None),
        ("72125", {"coding": [NECK_PAIN]}, "no neck pain"),
    ],
)
def test_a_coded_reason_its_own_words_deny_or_doubt_warns_no_more(client, study, reason, note):
    answer = post(client, SIGN, [reasoned(study, reason, note)], [])
    assert not warned(answer)
    assert order_rating(answer) != "not-appropriate"


@pytest.mark.parametrize(
    ("reason", "note"),
    [
        ({"coding": [NECK_PAIN], "text": "neck pain"}, None),
        ({"coding": [NECK_PAIN]}, "neck pain x 2 wks, no radiculopathy"),  # another concept denied
        ({"coding": [NECK_PAIN]}, "no neck pain last year, now neck pain x 2 wks"),  # the words also state it
        ({"coding": [NECK_PAIN]}, "mother with chronic neck pain"),  # a relative's (a fortieth review)
        ({"coding": [NECK_PAIN]}, "MRI if neck pain persists"),  # a plan's
    ],
)
def test_a_coded_reason_its_words_agree_with_still_warns(client, reason, note):
    """Controls: CT without contrast for neck pain of under six weeks (variant 1) is Usually Not Appropriate."""
    answer = post(client, SIGN, [reasoned("72125", reason, note)], [])
    assert warned(answer) and order_rating(answer) == "not-appropriate"


def test_the_contradicted_reason_says_why_in_its_evidence(engine):
    draft = ServiceRequest.model_validate(reasoned("72125", {"coding": [NECK_PAIN], "text": "no neck pain"}))
    (decision,) = engine.evaluate([draft], [patient()], TODAY)
    coded = [m for m in decision.mentions if m.concept == "neck-pain" and m.evidence.coding is not None]
    assert coded and all(m.context is Context.UNCERTAIN for m in coded)
    assert all("deny or doubt" in (m.evidence.note or "") for m in coded)


# -- a code of several studies keeps its rating when it comes back -----------------------------------------------------
AMBIGUOUS = [("loinc", "36085-9"), ("loinc", "30859-3"), ("loinc", "24935-9"), ("snomed", "241646009")]
AMBIGUOUS += [("loinc", "24932-6"), ("snomed", "241578008")]


@pytest.mark.parametrize(("system", "code"), AMBIGUOUS)
def test_each_capture_choice_of_a_code_of_several_studies_gets_its_announced_rating(client, system, code):
    card = capture_card(post(client, SELECT, [order_json(code, system)], []))
    for suggestion in card["suggestions"]:
        resource = suggestion["actions"][0]["resource"]
        display = resource["code"]["coding"][0]["display"]
        assert "contrast" not in display.lower(), display  # (it named each study's contrast)
        assert order_rating(post(client, SELECT, [resource], [])) == rating_of(resource), suggestion["label"]


@pytest.mark.parametrize(("system", "code"), AMBIGUOUS)
def test_the_rating_update_of_a_code_of_several_studies_is_rated_again_at_signing(client, system, code):
    first = post(client, SELECT, [order_json(code, system, reasons=[("icd10cm", "M54.12")])], [])
    updated = first["systemActions"][0]["resource"]
    assert order_rating(post(client, SIGN, [updated], [])) == order_rating(first) is not None


def test_a_code_of_one_study_keeps_its_own_name_as_display(client):
    first = post(client, SELECT, [order_json("72141", reasons=[("icd10cm", "M54.12")])], [])
    display = first["systemActions"][0]["resource"]["code"]["coding"][0]["display"]
    assert "without" in display.lower()


# -- what takes the capture card away, and what does not ---------------------------------------------------------------
def test_another_draft_s_reason_leaves_the_capture_card_to_a_draft_without_one(client):
    silent = order_json("72125", oid="A")
    other = order_json("72040", oid="B", reasons=[("snomed", "81680005")])
    answer = post(client, SELECT, [silent, other], [], selections=["ServiceRequest/A"])
    assert has_capture(answer)
    for suggestion in capture_card(answer)["suggestions"]:  # each choice rated with the sibling's words beside it
        resource = suggestion["actions"][0]["resource"]
        again = post(client, SELECT, [resource, other], [], selections=["ServiceRequest/A"])
        assert order_rating(again) == rating_of(resource), suggestion["label"]


@pytest.mark.parametrize(
    "status",
    [
        {"clinicalStatus": {"text": "active"}},
        {"clinicalStatus": {"coding": [{"system": "urn:oid:1.2.3", "code": "A"}]}},
    ],
)
def test_a_chart_indication_whose_status_cannot_be_read_leaves_the_capture_card(client, status):
    chart = condition("M54.2")
    chart.pop("clinicalStatus", None)
    chart.update(status)
    assert has_capture(post(client, SELECT, [order_json("72141")], [chart]))


def test_a_current_chart_indication_still_takes_the_card_away(client):
    """Control: the chart holds the indication; the order is rated."""
    answer = post(client, SELECT, [order_json("72141")], [condition("M54.2")])
    assert not has_capture(answer) and order_rating(answer) is not None


@pytest.mark.parametrize("reason", [{"text": "   "}, {"text": "\n\t"}, {"coding": [{"display": " "}], "text": " "}])
def test_a_reason_of_blanks_is_no_reason(client, reason):
    draft = order_json("72141")
    draft["reasonCode"] = [reason]
    assert has_capture(post(client, SELECT, [draft], []))


@pytest.mark.parametrize(
    "reason", [{"coding": [{"system": "urn:oid:1.2.3"}]}, {"coding": [{"system": "urn:oid:1.2.3", "code": "X1"}]}]
)
def test_a_reason_this_service_cannot_read_is_still_the_clinician_s(client, reason):
    draft = order_json("72141")
    draft["reasonCode"] = [reason]
    assert not has_capture(post(client, SELECT, [draft], []))


# -- the cards' basis: the time words, the variants' text, labels never cut inside a category -------------------------
@pytest.mark.parametrize(
    ("reason", "note", "words"),
    [
        ("Neck pain.", "Present since March.", "since March"),
        ("Neck pain. Sx for 5 months.", None, "for 5 months"),
        ("neck pain", "x 3 yrs", "x 3 yrs"),
    ],
)
def test_the_warning_quotes_the_time_words_that_set_its_duration(client, reason, note, words):
    draft = order_json("72125")
    draft["reasonCode"] = [{"text": reason}]
    if note:
        draft["note"] = [{"text": note}]
    (card,) = post(client, SIGN, [draft], [])["cards"]
    (line,) = [line for line in card["detail"].splitlines() if line.startswith("- Duration")]
    assert f"“{words}”" in line


def test_the_capture_card_quotes_the_time_words_every_choice_is_read_with(client):
    draft = order_json("72125")
    draft["note"] = [{"text": "symptoms x 3 days"}]
    card = capture_card(post(client, SELECT, [draft], []))
    assert "“x 3 days”" in card["detail"]


def test_the_capture_card_gives_each_variant_it_names_with_its_acr_text(client):
    card = capture_card(post(client, SELECT, [order_json("72125")], []))
    section = card["detail"].split("**ACR variants:**", 1)[1]
    for number in (1, 2, 6):
        assert f"- {number}: Adult." in section


def test_a_long_capture_label_names_every_category_by_its_code(client):
    """A prior fusion (Z98.1) may or may not be the neck's: the radiculopathy choice's variants rate CT three ways, too
    long to name in full within 80 characters ("... or Usually Not" was cut there)."""
    card = capture_card(post(client, SELECT, [order_json("72125")], [condition("Z98.1")]))
    labels = {s["label"].split(":")[0]: s["label"] for s in card["suggestions"]}
    assert labels["Cervical radiculopathy"] == "Cervical radiculopathy: UA or MBA or UNA"
    assert labels["Neck pain"] == "Neck pain: Usually Appropriate or Usually Not Appropriate"  # short enough in full


# -- review 41: a held-out re-test -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["? neck pain", "no neck pain", "r/o cervicalgia", "neck pain vs shoulder pain"])
def test_a_reason_condition_whose_own_words_doubt_its_code_warns_no_more(client, text):
    """A Condition coded M54.2 whose text only doubts or denies it, named by the order's reasonReference: contradictory
    evidence, so the MRI without contrast that variant 1 rates Usually Not Appropriate is not warned. (A chart
    Condition the order does not name is read by its listed code; its text only for what a code cannot say.)"""
    chart = condition("M54.2", onset="2026-11-12")
    chart["code"]["text"] = text
    draft = order_json("72141", reason_refs=[f"Condition/{chart['id']}"])
    assert not warned(post(client, SIGN, [draft], [chart]))


@pytest.mark.parametrize("text", ["Neck pain", "Cervicalgia, worse with turning"])
def test_a_chart_condition_whose_words_agree_with_its_code_still_warns(client, text):
    chart = condition("M54.2", onset="2026-11-12")
    chart["code"]["text"] = text
    draft = order_json("72141", reason_refs=[f"Condition/{chart['id']}"])
    assert warned(post(client, SIGN, [draft], [chart]))
