"""A thirty-ninth review: words as clinicians type them in an order box or a note. A family or a doubt cue's list
read past its first comma as the patient's own ("FHx: HTN, DM, breast ca"; "r/o discitis, epidural abscess"), a red
flag written as history and then as current ("Hx IVDU, active"), sensory and motor shorthand ("R thumb numbness",
"L C6 numbness", "weak L wrist extension"), return precautions and teaching ("Go to ED for fever"). Each case warned
where the policy gives no warning, or lost its rating; each sits beside a control.

Probe orders: 72040 radiographs are Usually Not Appropriate in V4, V5, V6; 72141 MRI without contrast in V1 only;
72125 CT without contrast in V1, V7 (and V2 acute, not V8).
"""

from __future__ import annotations

import pytest

from tests.text_cases import mentions
from tests.text_cases import reason_outcome as outcome

XR, MRI_WO, CT = "cpt|72040", "cpt|72141", "cpt|72125"
ACUTE = "neck pain x 2 wks. "


# -- a family or doubt cue's list runs past its first comma ------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "FHx: HTN, DM, breast ca",
        "Family history of HTN, stroke, breast cancer",
        "FHx: HTN; DM; breast ca",
        "Family History:\n- HTN\n- breast cancer",
        "Mom: breast ca, ovarian ca",
        "Sister w/ lymphoma, leukemia",
        "FHx +breast ca (maternal aunt), +colon ca (PGF)",
        "Maternal hx of breast ca, colon ca",
        "Family hx notable for CAD, DM2 and prostate cancer",
        "FHx: Father deceased (MI). Mother alive w/ HTN, breast ca.",
    ],
)
def test_a_family_list_s_later_items_are_not_the_patient_s_known_cancer(engine, text_reader, text):
    # (read as the patient's: variant 5, where radiographs warn)
    assert ("malignancy", "affirmed") not in mentions(text_reader, text)
    assert outcome(engine, ACUTE + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "r/o discitis, epidural abscess",
        "suspect epidural abscess, discitis",
        "eval for mets, myeloma",
        "ddx: mets, myeloma, infection",
        "Differential: discitis, epidural abscess, mets",
        "Concern for malignancy, lymphoma",
        "DDx - mets vs myeloma",
    ],
)
def test_a_doubt_s_list_s_later_items_are_not_known(engine, text_reader, text):
    found = mentions(text_reader, text)
    assert ("malignancy", "affirmed") not in found and ("infection", "affirmed") not in found
    assert outcome(engine, ACUTE + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FH: CAD, hx lymphoma", ("malignancy", "historical")),  # a cue of its own in its item reads it
        ("FHx: HTN. PMH: breast ca", ("malignancy", "historical")),  # another statement
        ("r/o fracture, neck pain x 3 wks, metastatic breast ca", ("malignancy", "affirmed")),  # past an indication
        ("r/o mets but known myeloma", ("malignancy", "affirmed")),  # ConText's own end of the cue
        ("[x] fever", ("fever", "affirmed")),  # a ticked box
        ("Pat hx of breast ca", ("malignancy", "historical")),  # "pat" may be the patient
    ],
)
def test_a_list_ends_where_its_items_do(text_reader, text, expected):
    assert expected in mentions(text_reader, text)


def test_a_family_list_s_later_cancer_is_still_in_doubt_so_it_blocks_a_warning_it_would_not_make(engine):
    """The asymmetric rule: the list may have ended, so the cancer is uncertain, not the relative's (the MRI with and
    without contrast that variant 1 alone rates Usually Not Appropriate is not warned either)."""
    assert outcome(engine, ACUTE + "FHx: HTN, DM, breast ca", "cpt|72156")[0] != "not-appropriate"
    assert outcome(engine, ACUTE + "FHx: breast ca", "cpt|72156") == ("not-appropriate", [1])  # control


# -- a red flag written as history, then as current --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Hx IVDU, active",
        "hx IVDU, currently using",
        "h/o IVDU, uses daily",
        "hx of IV heroin use, actively using",
        "h/o wt loss, continues to lose weight",
        "PMH: IVDU, active user",
    ],
)
def test_a_history_said_to_go_on_is_a_red_flag_in_doubt(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["h/o IVDU, in remission x 10 yrs", "hx IVDU, clean x 5 yrs"])
def test_a_history_said_to_be_over_stays_history(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO) == ("not-appropriate", [1])


def test_a_history_of_neck_pain_with_a_last_visit_stays_history(text_reader):
    assert ("neck-pain", "historical") in mentions(text_reader, "hx of neck pain, last PT 2019")


# -- sensory and motor shorthand --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "words",
    [
        "R thumb numbness",
        "pinky tingling L",
        "L C6 numbness",
        "C7 paresthesias L",
        "hypoesthesia L C7",
        "decreased sensation C6 on L",
        "L forearm paresthesias",
        "numbness radial forearm",
        "ulnar forearm numbness",
        "numbness lateral forearm and thumb L",
        "sensory loss L thumb",
        "sensory changes R forearm",
        "paresthesias L hand and forearm",
        "tingling/numbness in fingertips of L hand C6-7",
        "numbness/tingling in R hand 1st-3rd digits",
    ],
)
def test_dermatomal_shorthand_is_radicular(engine, text_reader, words):
    assert ("radiculopathy", "affirmed") in mentions(text_reader, words)
    assert outcome(engine, ACUTE + words, MRI_WO)[0] != "not-appropriate"  # V2, not V1
    assert outcome(engine, "neck pain x 6 mo; " + words, CT)[0] != "not-appropriate"  # V8, not V7


@pytest.mark.parametrize("words", ["numb L hand", "numbness in L hand", "no thumb numbness", "denies L C6 numbness"])
def test_hand_only_or_denied_numbness_is_not_radicular(text_reader, words):
    """Controls: hand-only numbness is not radicular (a deliberate choice); a denial denies the shorthand too."""
    assert ("radiculopathy", "affirmed") not in mentions(text_reader, words)


@pytest.mark.parametrize("words", ["weak L wrist extension", "weak R finger abduction", "weak elbow flexors"])
def test_a_weak_movement_is_a_motor_deficit(engine, text_reader, words):
    assert ("neurologic-deficit", "affirmed") in mentions(text_reader, words)
    assert outcome(engine, ACUTE + words, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize("words", ["trouble writing and using utensils", "difficulty using utensils"])
def test_clumsy_hands_in_words_are_a_deficit_in_doubt(engine, text_reader, words):
    assert ("neurologic-deficit", "uncertain") in mentions(text_reader, words)
    assert outcome(engine, ACUTE + words, MRI_WO)[0] != "not-appropriate"


# -- return precautions and teaching ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Seek care for any arm weakness, incontinence, or fevers.",
        "Seek medical attention for fever or weakness.",
        "Go to ED for fever, weakness or incontinence.",
        "Go to the ER for worsening weakness.",
        "Pt educated on red flags: fever, weakness.",
        "Counseled about warning signs: fever, weight loss.",
    ],
)
def test_return_precautions_and_teaching_are_not_findings(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text", ["Returned to ED for fever.", "Presented to ED for fever 39.", "Reviewed red flags: fever 39."]
)
def test_a_visit_or_a_template_s_list_is_no_precaution(engine, text):
    """Controls: a visit for a fever, or a template's red-flag list, says the fever."""
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


# -- a programmable shunt written kind first ---------------------------------------------------------------------------
@pytest.mark.parametrize("words", ["VP shunt (programmable)", "VPS - programmable", "shunt, adjustable"])
def test_a_programmable_shunt_written_kind_first_is_mr_unsafe(text_reader, words):
    # (on the problem list it named nothing, and MRI was suggested)
    assert ("mri-unsafe", "affirmed") in mentions(text_reader, words)


def test_in_the_event_of_is_a_precaution(engine):
    assert outcome(engine, ACUTE + "In the event of fever, weakness, return.", MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize("text", ["neck pain since last wknd", "neck pain since the wknd"])
def test_a_weekend_in_short_dates_the_pain(engine, text):
    assert outcome(engine, text, MRI_WO) == ("not-appropriate", [1])


# -- review 40: what the fixes above must not reach --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Had to go to the ED for fever 39.4 two days ago.",
        "Came to seek care for worsening L arm weakness.",
        "Decided to seek medical attention for 15 lb weight loss.",
        "Went to ER for fever and chills last night.",
    ],
)
def test_a_visit_for_a_red_flag_is_no_precaution(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["Advised to seek care for fever or weakness.", "Pt to go to ED for fever."])
def test_an_instruction_given_to_the_patient_is_a_precaution(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize("words", ["numbness in both hands and forearms", "numbness in both hands C6"])
def test_both_hands_numb_stay_a_cord_s_sign_not_a_root_s(engine, text_reader, words):
    assert ("radiculopathy", "affirmed") not in mentions(text_reader, words)
    assert outcome(engine, ACUTE + words, CT)[0] != "not-appropriate"


def test_the_patient_named_in_a_family_list_is_the_patient(engine, text_reader):
    text = "FHx: noncontributory, pt with metastatic breast ca"
    assert ("malignancy", "affirmed") in mentions(text_reader, text)
    assert outcome(engine, ACUTE + text, XR) == ("not-appropriate", [5])


def test_she_in_a_family_list_may_be_the_relative(text_reader):
    assert ("malignancy", "affirmed") not in mentions(text_reader, "Sister w/ lymphoma, she also had leukemia")


@pytest.mark.parametrize("text", ["Return to ED for fever.", "Return to ER for fevers.", "RTC for weight loss."])
def test_a_return_instruction_at_its_sentence_s_start_is_a_precaution(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize("text", ["Returned to ED for fever.", "Pt returned to ER for fever 39."])
def test_a_return_that_happened_is_a_finding(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"
