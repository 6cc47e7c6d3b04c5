"""Contractions as they are typed (a thirteenth session, 2026-12-05): in capitals ("DOESN'T", "CAN'T": spaCy splits
only the small and the title forms), with a curly quote, an accent or a backquote for the apostrophe ("doesn’t",
"can´t"), or without one ("doesnt", "DONT"); an inability in a negation's list ("no fever, can't hold urine"); a
cause between a relative and a finding ("can't lift grandchild due to radicular arm pain"). Each left a denial or a
deficit unread, or a deficit or a radiculopathy denied or the relative's, and an MRI warned for plain neck pain (V7).
Controls beside them still warn.

Probe order: 72156 MRI without and with contrast is Usually Not Appropriate in V1, V2, V6, V7, V8.
"""

from __future__ import annotations

import pytest

from cds_service.engine.text.spacing import collapsed
from tests.text_cases import mentions
from tests.text_cases import reason_outcome as outcome

MRI_WWO = "cpt|72156"
NECK_PAIN = "Neck pain x 3 months. "


@pytest.mark.parametrize(
    "text",
    [
        "PT DOESN'T HAVE FEVER.",
        "Pt doesnt have fever.",
        "PT DOESNT HAVE FEVER.",
        "Pt doesn\u2019t have fever.",
        "Pt doesn\u00b4t have fever.",
        "Pt doesn`t have fever.",
        "Pt hasnt had fever.",
        "PT DIDN'T HAVE A FEVER.",
    ],
)
def test_a_denial_typed_in_capitals_or_without_its_apostrophe_denies(text_reader, text):
    assert ("fever", "negated") in mentions(text_reader, NECK_PAIN + text)


@pytest.mark.parametrize(
    "text",
    [
        "CAN'T HOLD URINE SINCE LAST WEEK.",
        "Cant hold urine since last week.",
        "Can\u2019t hold urine since last week.",
        "Isn't able to hold urine.",
        "Not able to hold her urine.",
        "cant control her bladder",
        "No longer able to control bowels.",
        "ISNT ABLE TO LIFT THE L ARM.",
        "Losing her balance.",
        "Doesn't walk normally since last week.",
    ],
)
def test_an_inability_typed_in_any_of_these_ways_is_a_deficit(engine, text_reader, text):
    # (the deficit was missed: an MRI warned for chronic neck pain, V7)
    assert ("neurologic-deficit", "affirmed") in mentions(text_reader, NECK_PAIN + text)
    assert outcome(engine, NECK_PAIN + text, MRI_WWO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["Can hold urine.", "Is able to lift L arm.", "No weakness or numbness."])
def test_control_an_ability_is_no_deficit_and_the_mri_still_warns(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WWO) == ("not-appropriate", [7])


@pytest.mark.parametrize(
    "text",
    [
        "Hasn't had fever, can't hold urine.",
        "Denies fever, unable to walk.",
        "No fever, can't lift L arm.",
        "no fever, cannot hold urine",
    ],
)
def test_an_inability_in_a_negation_s_list_is_not_denied(engine, text_reader, text):
    # (it was one more item denied: an MRI warned, V7)
    assert ("neurologic-deficit", "negated") not in mentions(text_reader, NECK_PAIN + text)
    assert outcome(engine, NECK_PAIN + text, MRI_WWO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["No fever, no incontinence.", "Denies fever, weakness or incontinence."])
def test_control_a_listed_deficit_is_still_denied(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WWO) == ("not-appropriate", [7])


@pytest.mark.parametrize(
    "text",
    [
        "Can't lift grandchild due to radicular arm pain.",
        "Can't pick up granddaughter because of L arm radicular pain.",
    ],
)
def test_a_cause_after_a_relative_may_be_the_patient_s(text_reader, text):
    assert ("radiculopathy", "family") not in mentions(text_reader, NECK_PAIN + text)
    assert ("radiculopathy", "uncertain") in mentions(text_reader, NECK_PAIN + text)


@pytest.mark.parametrize("text", ["Mother had breast cancer.", "Father had radiculopathy due to disc herniation."])
def test_control_a_relative_s_own_history_stays_the_relative_s(text_reader, text):
    assert any(context == "family" for _, context in mentions(text_reader, NECK_PAIN + text))


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("pt doesnt", "pt doesn't"),
        ("DONT", "DON'T"),
        ("can\u00b4t", "can't"),
        ("don\u2019t", "don't"),
        ("wont", "won't"),
        ("cantor", "cantor"),  # not a contraction
        ("donut", "donut"),
        ("it's", "it's"),
    ],
)
def test_contractions_are_spelled_as_spacy_splits_them_and_keep_the_text_s_offsets(written, read):
    text, origin, _ = collapsed(written)
    assert text == read
    if origin is not None:
        assert len(origin) == len(text) + 1 and origin[-1] == len(written)
        assert all(written[origin[i]].lower() == c.lower() for i, c in enumerate(text) if c.isalpha())


def test_a_quote_of_a_mention_after_a_contraction_is_the_text_as_written(text_reader):
    text = "Pt doesnt have fever, cant hold urine."
    found = text_reader.read(text)
    deficit = next(m for m in found if m.concept == "neurologic-deficit")
    assert text[deficit.start : deficit.end] == "cant hold urine"


# -- a re-review (review 19): "not" after a verb of doing, more inabilities, unknowns told with a negated verb -------
@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Dont want to miss epidural abscess.", "infection"),
        ("Couldnt exclude myelopathy.", "myelopathy"),
        ("Doesnt think it's cancer.", "malignancy"),
        ("WONT stop taking eliquis.", "coagulopathy"),
        ("DIDN'T FINISH RADIATION FOR PROSTATE CA.", "malignancy"),
        ("Pt cant be sure about fever.", "fever"),
        ("Haven't checked for mets yet.", "malignancy"),
    ],
)
def test_not_before_a_verb_other_than_a_denial_s_leaves_the_finding_uncertain(engine, text_reader, text, concept):
    # ("not" denied what followed whatever the verb; every spelling of the contraction now reaches it)
    assert (concept, "uncertain") in mentions(text_reader, NECK_PAIN + text)
    assert outcome(engine, NECK_PAIN + text, MRI_WWO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Pt doesnt have fever.", "fever"),
        ("Did not report weakness.", "neurologic-deficit"),
        ("Didn't fall.", "neck-trauma"),
        ("Is not febrile.", "fever"),
        ("DOES NOT HAVE ANY WEAKNESS.", "neurologic-deficit"),
        ("Hasn't been febrile.", "fever"),
        ("Haven't seen any weakness.", "neurologic-deficit"),
    ],
)
def test_control_not_before_a_denial_s_verb_or_the_finding_still_denies(engine, text_reader, text, concept):
    assert (concept, "negated") in mentions(text_reader, NECK_PAIN + text)
    assert outcome(engine, NECK_PAIN + text, MRI_WWO) == ("not-appropriate", [7])


@pytest.mark.parametrize(
    "text",
    ["No fever, loses balance.", "No red flags, losing her balance.", "No fever, can no longer control her bladder."],
)
def test_a_lost_balance_or_control_in_a_negation_s_list_is_not_denied(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WWO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Doesnt know if she had cancer.",
        "Isn't sure if she had breast ca.",
        "Wouldnt be surprised if mets.",
        "Can't remember if he had cancer.",
    ],
)
def test_an_unknown_told_with_a_negated_verb_is_possible(text_reader, text):
    assert ("malignancy", "uncertain") in mentions(text_reader, NECK_PAIN + text)


@pytest.mark.parametrize(
    "text", ["Mom had ACDF because of myelopathy.", "Father had surgery because of radiculopathy."]
)
def test_control_a_cause_in_the_relative_s_own_clause_stays_the_relative_s(text_reader, text):
    assert all(
        context != "uncertain" for concept, context in mentions(text_reader, NECK_PAIN + text) if concept != "neck-pain"
    )


# -- a final review (review 20): what a denial's verb is about, not sure, double negatives -------------------------
@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("HASN'T HAD IMAGING FOR HER FALL.", "neck-trauma"),
        ("Has not had surgery for cord compression.", "myelopathy"),
        ("hasn\u2019t been treated for his discitis", "infection"),
        ("Pt ISN'T SURE ABOUT TRAUMA.", "neck-trauma"),
        ("Wasnt sure whether she fell.", "neck-trauma"),
        ("Doesn't deny IVDU.", "injection-drug-use"),
        ("Can't tell if she fell.", "neck-trauma"),
        ("DOESN'T RECALL A FALL.", "neck-trauma"),
    ],
)
def test_a_denial_of_something_else_or_a_doubt_leaves_the_finding_uncertain(engine, text_reader, text, concept):
    # (each was a denial: the fall, the cord compression, the discitis read as absent, and an MRI warned, V1)
    assert (concept, "uncertain") in mentions(text_reader, "Neck pain x 3 days. " + text)
    assert outcome(engine, "Neck pain x 3 days. " + text, "cpt|72141")[0] != "not-appropriate"


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("No concern for infection.", "infection"),
        ("Hasn't had any fever.", "fever"),
        ("Did not have fever for 2 days.", "fever"),
        ("Pt is not febrile.", "fever"),
    ],
)
def test_control_these_still_deny(engine, text_reader, text, concept):
    assert (concept, "negated") in mentions(text_reader, "Neck pain x 3 days. " + text)
    assert outcome(engine, "Neck pain x 3 days. " + text, "cpt|72141") == ("not-appropriate", [1])
