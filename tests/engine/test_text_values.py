"""Values written in words (lexicon.yaml `measurements`): a temperature written without its name, and a number whose
unit is only implied where labs use two (CRP in mg/L or mg/dL). Each doubtful value warned before (a fever or a raised
marker left unread lets an MRI warn in V1); each is checked beside a control that still warns.

Probe orders: 72141 MRI without contrast is Usually Not Appropriate in V1 only; 72125 CT without contrast in V1, V2.
"""

from __future__ import annotations

import pytest

from tests.text_cases import mentions, reason_outcome

MRI_WO, CT_WO = "cpt|72141", "cpt|72125"
NECK_PAIN = "neck pain x 3 wks, "


# -- a temperature without its name ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["102F at home", "38.5C in triage", "101.5 °F last night", "temp ok, 39.2 °C today"])
def test_a_fever_written_with_a_temperature_unit_is_a_fever(engine, text_reader, text):
    assert ("fever", "affirmed") in mentions(text_reader, text)
    assert reason_outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "no fever at home but 38.5 in triage",
        "afebrile at home, 38.9 here",
        "101.5 last night",
        "Vitals: 38.6, 110, 130/80",
    ],
)
def test_a_bare_number_a_fever_can_be_is_an_uncertain_fever(engine, text_reader, text):
    assert ("fever", "uncertain") in mentions(text_reader, text)
    assert ("fever", "affirmed") not in mentions(text_reader, text)
    assert reason_outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "98.6F at home",  # a normal temperature
        "36.8 in triage",  # a bare normal one
        "BMI 38.5",  # another value's name
        "wt 38.5 kg",
        "38.5 yo F",
        "Stage 3C breast ca s/p XRT",  # (no fever either way: the cancer is V5 here)
        "14F foley",  # not a body temperature
        "38 in triage",  # a bare whole number stays unread
    ],
)
def test_a_number_that_is_not_a_fever_reads_no_fever(text_reader, text):
    assert not [m for m in mentions(text_reader, text) if m[0] == "fever"]


def test_a_normal_temperature_without_its_name_leaves_the_warning(engine):
    assert reason_outcome(engine, NECK_PAIN + "98.6F at home", MRI_WO) == ("not-appropriate", [1])
    assert reason_outcome(engine, NECK_PAIN + "36.8 in triage", MRI_WO) == ("not-appropriate", [1])


# -- a CRP whose unit is only implied -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["CRP 5.2", "CRP 2.4", "CRP: 8", "CRP 10"])
def test_a_crp_that_is_raised_in_one_of_its_units_is_uncertain(engine, text_reader, text):
    # (read as mg/L it was within range; 5.2 mg/dL is 52 mg/L)
    assert ("elevated-inflammatory-marker", "uncertain") in mentions(text_reader, text)
    assert reason_outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(("text", "context"), [("CRP 94", "affirmed"), ("CRP 5.2 mg/dL", "affirmed")])
def test_a_crp_raised_in_every_unit_or_with_its_unit_is_raised(text_reader, text, context):
    assert ("elevated-inflammatory-marker", context) in mentions(text_reader, text)


@pytest.mark.parametrize("text", ["CRP 0.4", "CRP 0.8", "CRP 5.2 mg/L"])
def test_a_crp_within_range_in_every_unit_leaves_the_warning(engine, text):
    assert reason_outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])
