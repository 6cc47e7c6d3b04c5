"""Review 24, a re-review of review 23's fixes: what the first fixes broke, pinned. A participle inside a denial is
no clause's end ("no documented hx of cancer"); "a month and a half ago" is about that long, not a point past six
weeks; a lab's limit in a unit that cannot be compared may still be above; a reduced or discontinued study
(modifier 52, 53) is not read as the full one; a HCPCS code beside a CPT does not unrate it; a laterality body site
is only where; inhaled, topical and nasal steroids are no immunosuppression."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.codeableconcept import CodeableConcept

from cds_service.engine.order import match_order
from tests.builders import coding, condition, observation, order
from tests.engine.test_review23_charts import _crp, _warns
from tests.text_cases import reason_outcome

CPT = "http://www.ama-assn.org/go/cpt|"


def _text_warns(engine, text, code):
    return reason_outcome(engine, text, CPT + code)[0] == "not-appropriate"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Neck pain x 2 wks. no documented hx of cancer.", "72141"),  # V1: MRI is UNA, the denial holds
        ("Neck pain x 2 wks. No documented fever.", "72141"),
        ("Neck pain x 2 wks. No noted weakness.", "72141"),
        ("Neck pain x 2 wks. No stated history of IVDU.", "72141"),
    ],
)
def test_a_participle_inside_a_denial_does_not_end_it(engine, text, code):
    assert _text_warns(engine, text, code)


@pytest.mark.parametrize(
    "text",
    ["Neck pain x 2 wks. no documented hx of cancer.", "No documented osteomyelitis or discitis. Neck pain x 2 wks."],
)
def test_a_participle_inside_a_denial_does_not_affirm_a_red_flag(engine, text):
    assert not _text_warns(engine, text, "72040")  # radiographs: UNA only in V4, V5, V6


@pytest.mark.parametrize(
    "text", ["Fell off ladder a month and a half ago, neck pain since", "MVC a month and a half ago. Neck pain."]
)
def test_an_injury_a_month_and_a_half_ago_may_be_within_six_weeks(engine, text):
    assert not _text_warns(engine, text, "72141")


@pytest.mark.parametrize(
    "lab",
    [
        _crp(8) | {"referenceRange": [{"high": {"value": 5, "unit": "mg/L (ref)"}}]},
        observation("6690-2", 10.8, "10*3/uL") | {"referenceRange": [{"high": {"value": 10.5, "unit": "K/cmm"}}]},
    ],
)
def test_a_value_above_a_limit_in_a_unit_that_cannot_be_compared_blocks(engine, lab):
    assert not _warns(engine, lab)


def test_control_a_value_below_a_limit_in_a_unit_that_cannot_be_compared_still_warns(engine):
    assert _warns(engine, _crp(3) | {"referenceRange": [{"high": {"value": 5, "unit": "mg/L (ref)"}}]})


@pytest.mark.parametrize("code", ["72156-52", "72156-53", "72141-26-52"])
def test_a_reduced_or_discontinued_study_is_not_read_as_the_full_one(knowledge, code):
    assert match_order(order(code, "cpt"), [], knowledge) is None


@pytest.mark.parametrize("extra", [("hcpcs", "G1004"), ("hcpcs", "C8931")])
def test_a_hcpcs_code_beside_a_cpt_code_does_not_unrate_it(knowledge, extra):
    match = match_order(order("72141", "cpt", extra_codings=[coding(*extra)]), [], knowledge)
    assert match is not None and {p.id for p in match.procedures} == {"mr-cspine-wo"}


@pytest.mark.parametrize("sites", [[{"text": "Right"}], [{"text": "Cervical spine"}, {"text": "Left"}]])
def test_a_laterality_body_site_is_only_where(knowledge, sites):
    sr = order("72141", "cpt")
    sr.bodySite = [CodeableConcept.model_validate(site) for site in sites]
    assert match_order(sr, [], knowledge) is not None


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 3 days, inhaled steroid use",
        "neck pain x 3 days. topical steroid cream for eczema",
        "neck pain x 3 days. steroid inhaler prn",
        "neck pain x 3 days. nasal steroid spray",
    ],
)
def test_a_steroid_that_does_not_act_on_the_whole_body_is_no_immunosuppression(engine, text):
    assert _text_warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text", ["neck pain x 3 days, steroid use", "neck pain x 3 days. h/o steroid use, last dose yesterday"]
)
def test_control_steroid_use_told_as_such_blocks(engine, text):
    assert not _text_warns(engine, text, "72141")


def test_control_a_known_cancer_beside_is_still_read(engine):
    assert not _warns(engine, condition("C79.51"))  # V5: MRI without contrast is rated
