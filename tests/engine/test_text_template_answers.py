"""How the reader takes a finding's answer in templates, lists and shorthand (an eleventh review, 2026-12-04): a
denial written after a finding whose clause goes on, denials in symbols and other words, unfilled fields, a problem
list's past section, and arrows. Each was read as the finding stated, so radiographs warned for a cancer (V5), an
infection (V4) or a cervicogenic headache (V6), or a red flag written with an arrow was read as nothing and an MRI
warned for plain neck pain (V1). Controls beside them still warn.

Probe orders: 72040 radiographs are Usually Not Appropriate in V4, V5, V6; 72141 MRI without contrast only in V1.
"""

from __future__ import annotations

import pytest

from tests.text_cases import mentions
from tests.text_cases import reason_outcome as outcome

XR, MRI_WO = "cpt|72040", "cpt|72141"
NECK_PAIN = "Neck pain x 2 wks. "


# -- a denial after a finding, whose clause goes on ------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Hx cancer: denies\nTriage ESI 3",
        "Malignancy: N. Referred for imaging.",
        "hx malignancy: pt says no; took ibuprofen",
        "hx ca: no (pt sure)",
        "Hx ca/IVDU/steroids: none",
        "Hx ca, IVDU, steroids - all neg",
        "Cancer history → no",
        "Osteomyelitis: no\nPT tried",
        "Cervicogenic headache: no\nPT x 3 sessions",
        "Cervicogenic headache: no / IVDU: no",
        "Cervicogenic headache: No and no IVDU",
        "Malignancy (Y/N): N",
        "Cancer (no)",
    ],
)
def test_a_denial_after_a_finding_never_leaves_it_stated(engine, text_reader, text):
    # (the finding stayed affirmed or history: V5, V4 or V6, where radiographs warn)
    assert not any(context in ("affirmed", "historical") for concept, context in mentions(text_reader, text))
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "hx malignancy: pt says no; took ibuprofen",
        "Malignancy: N.",
        "Fever=no, cancer=no",
        "hx ca: no | fever: no",
        "Cancer (no)",
    ],
)
def test_a_denial_that_ends_its_clause_or_field_denies(engine, text):
    # (one that a line break follows may go on, "Hx breast ca - no\nrecurrence": uncertain, above)
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "Hx breast ca - no\nrecurrence since 2016",
        "h/o lymphoma: no\nactive treatment",
        "hx lymphoma: no evidence of disease",
        "Hx breast ca - no chemo since 2019",
    ],
)
def test_a_denial_of_what_follows_a_cancer_leaves_it_known_or_uncertain(engine, text):
    # (never denied: the MRI, not Usually Not Appropriate for a cancer, does not warn)
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


def test_a_denial_after_the_neck_pain_of_something_else_keeps_the_pain(engine):
    assert outcome(engine, "neck pain x 2 wks - no radiation", MRI_WO) == ("not-appropriate", [1])


# -- denials in symbols and other words ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "-ve hx of malignancy",
        "cancer -ve",
        "✗ cancer",
        "no to hx of cancer",
        "pt is cancer-free",
        "Pertinent negatives: fever, cancer, IVDU",
        "Never diagnosed with cancer",
        "Lacks hx of malignancy",  # (uncertain: "lacks insight into IVDU")
        "Screened for cancer - clear",  # (uncertain: "Hx breast ca: clear" is in remission)
        "c/o neck pain w/ -ve hx of malignancy",
        "2 days ago -ve hx of malignancy",
        "cancer -ve Yours sincerely",
        "Neck pain x 2 weeks.\n(-) cancer\nPlan: imaging",
    ],
)
def test_a_cancer_denied_in_shorthand_is_no_known_cancer(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["-ve fever", "Pertinent negatives: fever, IVDU", "no to fever"])
def test_a_red_flag_denied_in_shorthand_is_denied(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "fever cultures -ve",
        "Spurling: -ve, febrile",
        "COVID: -ve, febrile",
        "tylenol to negate fevers",
        "lacks insight into IVDU",
        "ROS pertinent positives and negatives: fever, weight loss",
        "brought in by relatives with concerns of fever",
        "Hx ca: pt says no, wife says yes",
        "fever: nope, still",
        "arm pain and weakness",
        "R arm pain/weakness",
        "IVDU-free x 2 days",
        "hx IVDU!no longer",
    ],
)
def test_a_red_flag_a_new_cue_must_not_deny_still_blocks(engine, text):
    # (the eleventh session's first cues denied these: the MRI warned for plain neck pain or a radiculopathy)
    assert outcome(engine, NECK_PAIN + text, "cpt|72156")[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text", ["breast ca -ve margins", "Hx breast ca: clear.", "breast cancer-free since 2020", "Hx ca: nope, cured"]
)
def test_a_cancer_a_new_cue_must_not_deny_is_not_denied(engine, text_reader, text):
    assert ("malignancy", "negated") not in mentions(text_reader, text)


@pytest.mark.parametrize(
    "text",
    ["relative w/ cancer", "cancer fear", "Ran a 5k for breast cancer awareness last wk", "disease-free survivor"],
)
def test_a_cancer_that_is_not_the_patient_s_diagnosis_makes_no_known_cancer(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


def test_a_cancer_history_free_of_recurrence_is_still_known(engine):
    assert outcome(engine, NECK_PAIN + "breast ca 2010, disease-free since", XR) == ("not-appropriate", [5])


# -- unfilled fields, boxes after a finding ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Cancer hx: ***",
        "Cancer history: @CANCERHX@",
        "Hx malignancy: {yes/no:1}",
        'Hx cancer: {Yes/No:21212::"No"}',
        "Hx of cancer: {NO}",
        "cancer: -",
    ],
)
def test_an_unfilled_or_dashed_answer_leaves_the_finding_uncertain(engine, text_reader, text):
    assert ("malignancy", "uncertain") in mentions(text_reader, text)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


# -- a problem list's past, decades, childhood ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Problem list: Historical: Discitis",
        "Resolved problems: epidural abscess",
        "spinal TB in the 1990s.",
        "Pott's disease (childhood).",
    ],
)
def test_an_infection_long_past_is_not_current(engine, text):
    # (read as current: V4, where radiographs warn)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


# -- arrows ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("↑ temp", "fever"),
        ("T↑ 38.7", "fever"),
        ("↓ power L deltoid", "neurologic-deficit"),
        ("strength ↓ R", "neurologic-deficit"),
        ("balance ↓.", "neurologic-deficit"),
        ("DTRs ↑.", "myelopathy"),
        ("↑ reflexes UE", "myelopathy"),
        ("ESR ↑↑, CRP ↑", "elevated-inflammatory-marker"),
    ],
)
def test_a_red_flag_written_with_an_arrow_is_read(engine, text_reader, text, concept):
    assert concept in [found for found, _ in mentions(text_reader, text)]
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text", ["pain → R arm", "radiating ↓ L arm", "Sensory: ↓ LT R C6", "Sens: ↓ pinprick L lateral forearm"]
)
def test_a_radicular_symptom_written_with_an_arrow_is_read(engine, text):
    # (V2, where an MRI without contrast is not Usually Not Appropriate)
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("appropriate", [2])


@pytest.mark.parametrize("text", ["BP ↑ 150/90", "pain ↓ with NSAIDs", "ROM ↓"])
def test_other_arrows_still_warn(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


# -- a field's separator ends a denial's list (a thirteenth review) ----------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "-ve fever; R arm weakness",
        "✗ fever | ✓ wt loss",
        "Neg weakness | L deltoid 3/5",
        "Pertinent negatives: fever | R arm weakness",
        "no fever | R arm weakness",
        "Denies fever • Endorses 15 lb wt loss",
        "no weakness • no trauma • R grip weakness 4/5",
        "Cancer (no) - fever 38.5",
        "wt loss (no) • incontinent of urine",
        "hx lymphoma: pt says no, febrile",
        "IVDU (no) - relapsed last wk",
        "IVDU: no, last use 2 wks ago",
    ],
)
def test_a_red_flag_after_a_field_s_denial_still_blocks(engine, text):
    # (the denial reached past the separator, or its taking back was not read: an MRI warned for plain neck pain)
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["Neg weakness • metastatic prostate ca", "never treated for lymphoma"])
def test_a_cancer_after_a_field_s_denial_or_never_treated_is_known(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "appropriate"


@pytest.mark.parametrize("text", ["fever: no | IVDU: no", "no fever, chills or weight loss", "Fever: no, Trauma: no"])
def test_denials_in_fields_and_lists_still_deny(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])
