"""A fifty-third review: the order as EHRs send it. An order's words that say its study is done without contrast, or
that join another region to it, and a coding that names the CT myelogram beside CPT 72126; and an order's texts where
one answers the one before.

Chart: acute neck pain (variant 1), or acute radiculopathy (variant 2) where contrast decides: there an MRI without
contrast May Be Appropriate and one with contrast is Usually Not Appropriate.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.builders import condition, order_json, patient
from tests.text_cases import TODAY, note_outcome


def _decide(engine, draft: dict[str, Any], chart_codes: tuple[str, ...] = ("M54.12",)) -> Any:
    chart = [patient(), *(condition(code, onset="2026-11-10") for code in chart_codes)]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(draft)], chart, today=TODAY)
    return decision


# -- words of no contrast against a code with contrast ----------------------------------------------------------------
@pytest.mark.parametrize(
    "words",
    [
        "do not give contrast",
        "hold contrast",
        "skip contrast",
        "avoid gadolinium",
        "non-enhanced",
        "unenhanced",
        "pre-contrast only",
        "precontrast images only",
        "T1/T2 only, no post-contrast",
        "T1/T2 only, no post",
        "NC MRI C-spine",
        "MRI C spine WO",  # (a study's name in a note is read as the order's own words: a fifty-fourth review)
        "MRI C spine w/o",
        "MRI C-spine without",
        "no contrast (allergy to gadolinium)",
        "plain MRI",
        "noncon",
        "gad not indicated",
        "contrast contraindicated",
    ],
)
@pytest.mark.parametrize("code", ["72142", "72156"])
@pytest.mark.parametrize("where", ["note", "orderDetail"])
def test_words_of_no_contrast_on_a_code_with_contrast_are_not_rated(engine, words, code, where):
    # in variant 2 an MRI with contrast is Usually Not Appropriate: each warned about a study not asked for
    draft = order_json(code)
    draft[where] = [{"text": words}]
    assert _decide(engine, draft).outcome.value == "not-applicable"


@pytest.mark.parametrize(
    "words",
    ["no contrast allergy", "please give contrast", "hx of hold on meds", "no post-op imaging", "MRI C spine w/ gad"],
)
def test_other_words_beside_a_code_with_contrast_keep_its_rating(engine, words):
    draft = order_json("72142")
    draft["note"] = [{"text": words}]
    assert _decide(engine, draft).outcome.value == "not-appropriate"


# -- another region joined to the study in a note or an orderDetail ---------------------------------------------------
@pytest.mark.parametrize(
    "words",
    [
        "MS protocol brain and c-spine",
        "and L spine",
        "+ brain",
        "and left shoulder",
        "add IACs",
        "with brachial plexus",
        "scan through T12",
        "extend coverage to T6",
        "C/T/L spine MRI for pain",
        "whole spine for radiculopathy",
    ],
)
@pytest.mark.parametrize("where", ["note", "orderDetail"])
def test_another_region_joined_to_the_study_is_not_rated(engine, words, where):
    draft = order_json("72141")
    draft[where] = [{"text": words}]
    assert _decide(engine, draft, ("M54.2",)).outcome.value == "not-applicable"


@pytest.mark.parametrize(
    "words",
    [
        "neck and shoulder pain",
        "numbness radiating to T4",
        "disc bulges C5 to T1 on prior MRI",
        "hx C/T/L fusion",
        "pt with hip prosthesis",
        "head and neck SCC in remission",
    ],
)
def test_a_region_named_otherwise_keeps_the_rating(engine, words):
    assert note_outcome(engine, words) != "not-applicable"


def test_a_note_of_a_joined_region_keeps_the_rating_of_the_neck_alone(engine):
    assert note_outcome(engine, "neck and shoulder pain") == "not-appropriate"


# -- CPT 72126 beside a coding of the CT myelogram ---------------------------------------------------------------------
@pytest.mark.parametrize(("system", "code"), [("http://loinc.org", "24934-2"), ("http://snomed.info/sct", "241590005")])
def test_cpt_72126_with_a_code_of_the_ct_myelogram_is_the_myelogram(engine, system, code):
    draft = order_json("72126", extra_codings=[{"system": system, "code": code}])
    decision = _decide(engine, draft, ("M54.2",))
    assert decision.outcome.value == "not-appropriate"
    assert [p.id for p in decision.match.procedures] == ["ct-myelo-cspine"]


# -- an order's text answered by the next one -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "texts"),
    [
        ("reasonCode", ["Neck pain x 2 wks", "Hx of malignancy", "No"]),
        ("note", ["History of cancer", "No"]),
        ("note", ["Cancer history", "Negative"]),
        ("note", ["Discitis", "N"]),
    ],
)
def test_a_finding_the_next_text_answers_is_in_doubt(engine, field, texts):
    # the cancer was read as told (variant 5) and radiographs warned; the lone answer may be its
    draft = order_json("72040")
    draft[field] = [{"text": text} for text in texts]
    draft.setdefault("reasonCode", [{"text": "Neck pain x 2 wks"}])
    assert _decide(engine, draft, ()).outcome.value != "not-appropriate"


def test_a_finding_the_next_text_does_not_answer_is_told(engine):
    draft = order_json("72040")
    draft["reasonCode"] = [{"text": "Neck pain x 2 wks"}, {"text": "Hx of breast cancer"}, {"text": "Fever: no"}]
    decision = _decide(engine, draft, ())
    assert decision.outcome.value == "not-appropriate" and [v.number for v in decision.variants] == [5]


def test_several_regions_beside_a_symptom_and_no_study_tell_where_it_hurts(engine):
    # "C/T/L spine pain" names no study: the order stays the neck's (the review's regression: it was not rated)
    assert note_outcome(engine, "C/T/L spine pain") == "not-appropriate"


@pytest.mark.parametrize("words", ["pain in C and T spine", "previous MRI C spine w/wo 2022"])
def test_a_symptoms_regions_or_a_past_study_keep_the_rating(engine, words):
    assert note_outcome(engine, words) == "not-appropriate"


def test_a_finding_confirmed_by_the_next_text_is_told(engine):
    draft = order_json("72040")
    draft["reasonCode"] = [{"text": "neck pain x 2 wks"}, {"text": "hx breast ca 2015"}, {"text": "Yes"}]
    decision = _decide(engine, draft, ())
    assert decision.outcome.value == "not-appropriate" and [v.number for v in decision.variants] == [5]
