"""Where a cue's reading of free text is doubtful, the mention is uncertain (lexicon.yaml `cues.doubts`), and words
that were missing. Each case warned before (a false warning: a finding denied, made a relative's, a plan, or history
when the words may say the patient has it); each is checked beside a control, the same words without what makes the
reading doubtful, which still warns, so that the test fails if the doubt is lost or spreads.

Probe orders as in test_text_scope.py: 72156 MRI without and with contrast is Usually Not Appropriate in V1, V2, V6,
V7 (a missed red flag, cancer or out-of-scope finding gives a warning); 72141 MRI without contrast only in V1.
"""

from __future__ import annotations

import pytest

from tests.text_cases import mentions, reason_outcome

MRI_WOW, MRI_WO, XR = "cpt|72156", "cpt|72141", "cpt|72040"
RADICULOPATHY = "neck pain radiating to L arm x 3 wks. "
NECK_PAIN = "neck pain x 3 wks. "


def outcome(engine, reason: str, order: str = MRI_WOW) -> tuple[str, list[int]]:
    return reason_outcome(engine, reason, order)


# -- a condition described in a negation's list -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("No fever or weight loss, metastatic prostate ca", "No fever or weight loss"),
        ("No trauma, no fever, RA on methotrexate", "No trauma, no fever"),
        ("Denies fever, chills, breast ca s/p mastectomy", "Denies fever, chills"),
        ("no fever, night sweats, lymphoma in remission", "no fever, night sweats"),
        ("Denies weight loss, chills, on eliquis for afib", "Denies weight loss, chills"),
        ("no fever or chills, kidney transplant on tacrolimus", "no fever or chills"),
        ("Negative for fever, sweats, active IVDU", "Negative for fever, sweats"),
    ],
)
def test_a_condition_described_in_a_negated_list_is_not_denied(engine, doubtful, control):
    assert outcome(engine, RADICULOPATHY + control) == ("not-appropriate", [2])
    assert outcome(engine, RADICULOPATHY + doubtful)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "no fever, weight loss, malignancy or IVDU",
        "Denies fever, chills, cancer, immunosuppression",
        "no fever, weight loss, IVDU or immunosuppression",
    ],
)
def test_a_bare_condition_in_a_negated_list_stays_denied(engine, text):
    assert outcome(engine, RADICULOPATHY + text) == ("not-appropriate", [2])


@pytest.mark.parametrize(
    "text",
    [
        "No red flags (hx of cancer)",
        "no red flags (e.g. hx of malignancy, fever, wt loss)",
        "Negative for fever, weight loss, hx of cancer, IVDU",
        "ROS: negative for fever, chills, night sweats, weight loss, personal history of cancer",
    ],
)
def test_a_history_in_a_denial_list_is_not_a_known_cancer(engine, text):
    # a radiograph is Usually Not Appropriate for a known cancer (V5): a denied history read as history warned
    assert outcome(engine, RADICULOPATHY + "hx breast ca", XR) == ("not-appropriate", [5])
    assert outcome(engine, RADICULOPATHY + text, XR)[0] != "not-appropriate"


def test_a_history_stated_on_its_own_stays_history(text_reader):
    assert mentions(text_reader, "hx breast ca. no fever") == [("malignancy", "historical"), ("fever", "negated")]


def test_the_described_condition_is_uncertain_and_the_symptoms_stay_denied(text_reader):
    assert mentions(text_reader, "No fever or weight loss, metastatic prostate ca") == [
        ("fever", "negated"),
        ("weight-loss", "negated"),
        ("malignancy", "uncertain"),
        ("malignancy", "uncertain"),
    ]


# -- a parenthesis or a spaced dash ends a negation's list like a comma with other words -------------------------------
@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("no red flags (on eliquis)", "no red flags"),
        ("no red flags - on eliquis", "no red flags"),
        ("no red flags [on eliquis]", "no red flags"),
        ("no fever (on prednisone 20 mg for PMR)", "no fever"),
        ("No trauma - MVC 4 days ago", "No trauma"),
        ("No injury — fell off a ladder on Monday", "No injury"),
    ],
)
def test_a_parenthesis_or_a_dash_ends_a_negated_list(engine, doubtful, control):
    assert outcome(engine, NECK_PAIN + control) == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + doubtful)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["no fever-chills or weight loss", "No red flags - fever, chills, weight loss"])
def test_a_hyphen_inside_words_or_before_a_bare_list_does_not_end_a_negated_list(engine, text):
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])


# -- an event told with its time after a negation --------------------------------------------------------------------
@pytest.mark.parametrize(
    "doubtful",
    [
        "no trauma and fell yesterday",
        "denies injury, fall 2 days ago",
        "no trauma or MVC last week",
        "No trauma and was rear-ended on 11/18",
        "no trauma, fall 2 days prior",
        "no trauma, fell 3 days before",
    ],
)
def test_an_event_told_with_its_date_after_a_negation_is_uncertain(engine, doubtful):
    assert outcome(engine, NECK_PAIN + "no trauma") == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + doubtful)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "no fever or chills x 3 days",
        "no trauma, fever or chills for 2 weeks",
        "no fever or chills today",  # a date beside a symptom, not an event: still denied
        "denies fever, chills this week",
    ],
)
def test_a_negated_list_with_a_duration_stays_negated(engine, text):
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])


# -- a relative's word before an injury -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "doubtful",
    [
        "neck pain after picked up daughter and fell yesterday",
        "neck pain, carrying son and slipped on ice 3 days ago",
        "neck pain x 3 days, in MVC with wife driving",
    ],
)
def test_a_relative_beside_an_injury_does_not_make_it_family_history(engine, doubtful):
    assert outcome(engine, doubtful)[0] != "not-appropriate"


def test_a_relative_s_cancer_is_still_family_history(engine):
    assert outcome(engine, RADICULOPATHY + "mother with breast ca") == ("not-appropriate", [2])


# -- what a plan is for --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("planning chemo for lymphoma", "planning chemo"),
        ("scheduled for radiation due to lung ca", "scheduled for PT"),
        ("will need chemo for breast ca", "will need PT"),
        ("scheduled for resection of lung ca", "scheduled for PT"),
        ("should see onc re: lymphoma", "should see PT"),
        ("planning chemo (lymphoma)", "planning chemo"),
    ],
)
def test_the_reason_a_plan_is_for_is_the_patient_s(engine, doubtful, control):
    assert outcome(engine, RADICULOPATHY + control)[0] in ("not-appropriate", "no-criteria-apply")
    assert outcome(engine, RADICULOPATHY + doubtful)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["watch for fever or weight loss", "return for fever", "monitor for fever"])
def test_a_hypothetical_s_own_for_stays_hypothetical(engine, text):
    assert outcome(engine, RADICULOPATHY + text) == ("not-appropriate", [2])


# -- precautions, undated treatment history --------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["neutropenic precautions", "bleeding precautions on heparin drip"])
def test_precautions_for_a_condition_leave_it_uncertain(engine, text):
    assert outcome(engine, RADICULOPATHY + text)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Return precautions: fever, weakness",
        "ED precautions: fever, weakness",
        "Precautions given re: fever, weakness",
        "Precautions: fever",
    ],
)
def test_return_precautions_stay_hypothetical(engine, text):
    assert outcome(engine, RADICULOPATHY + text) == ("not-appropriate", [2])


@pytest.mark.parametrize(
    "text", ["PMH: afib (xarelto)", "Hx PE anticoagulated", "h/o DVT on coumadin", "PMH: AF, DOAC"]
)
def test_an_undated_history_of_anticoagulation_may_be_going_on(engine, text):
    assert outcome(engine, RADICULOPATHY + text)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["hx of coumadin 2015", "h/o warfarin in 2012", "hx of eliquis x 3 months in 2019"])
def test_a_dated_history_of_anticoagulation_stays_history(engine, text):
    assert outcome(engine, RADICULOPATHY + text) == ("not-appropriate", [2])


# -- a question mark standing apart ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["neck pain x 2 wks.\n?", "neck pain x 2 wks ?", "neck pain x 2 wks\n\n??\n"])
def test_a_question_mark_standing_apart_questions_its_line(engine, text):
    assert outcome(engine, "neck pain x 2 wks") == ("not-appropriate", [1])
    assert outcome(engine, text)[0] != "not-appropriate"


def test_a_question_mark_on_another_finding_leaves_the_indication(engine):
    assert outcome(engine, "neck pain x 2 wks. ? discitis", MRI_WO)[1] == [1, 4]


@pytest.mark.parametrize("text", ["neck pain x 3 wks. PT ?", "neck pain x 3 wks. MRI vs CT ?"])
def test_a_question_in_another_sentence_of_the_line_leaves_the_indication(engine, text):
    assert outcome(engine, text) == ("not-appropriate", [1])


# -- words that were missing ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # (mixed-case BrCa, PCa are hedged: also the BRCA genes, a PCA pump or artery; an uncertain cancer blocks)
        ("hx BrCa", ("no-criteria-apply", [])),
        ("hx PCa", ("no-criteria-apply", [])),
        ("r/o SEA", ("appropriate", [1, 4])),
        # a fused level is a possible surgery (or a congenital fusion): variant 3 beside the others
        ("fused C5-6", ("appropriate", [1, 3])),
        ("C5-C6 fused 2018", ("appropriate", [1, 3])),
        ("congenitally fused C2-3", ("appropriate", [1, 3])),
        ("on A/C for afib", ("no-criteria-apply", [])),
    ],
)
def test_abbreviations_that_were_not_read(engine, text, expected):
    assert outcome(engine, NECK_PAIN + text) == expected


@pytest.mark.parametrize("text", ["BRCA1 carrier", "PCA pump after surgery", "A/C joint arthritis", "sea kayaking"])
def test_look_alikes_of_those_abbreviations_are_not_read(engine, text):
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])


@pytest.mark.parametrize("text", ["BrCa 1 carrier", "BrCa testing pending", "PCa pump", "L PCa infarct"])
def test_mixed_case_look_alikes_never_make_a_known_cancer(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


# -- a second review: items that read as stated, label-and-denial lines, runs of question marks ----------------------
@pytest.mark.parametrize(
    "text",
    [
        "denies fever, on A/C, IVDU",
        "no fever, PCa, IVDU",
        "Denies fever, therapeutic A/C, HIV",
        "no fever, chills, on A/C, RA",
        "No red flags, metastatic prostate ca",
        "No red flags: on xarelto for afib",
        "No red flags, RA on methotrexate",
    ],
)
def test_an_item_that_reads_as_stated_ends_a_negated_list(engine, text):
    assert outcome(engine, NECK_PAIN + "no red flags") == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + text)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Fever: No\nWeight loss: No\nHistory of cancer: No\nTrauma: No",
        "Red flags:\n- fever: no\n- weight loss: no\n- cancer: no\n- trauma: no",
        "Malignancy - No\nIVDU - No\nFever - No",
        "PMH cancer: denies\nIVDU: denies",
        "Hx of cancer: NO\r\nFever: NO",
    ],
)
def test_a_denial_after_a_label_ends_at_the_line(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"  # (a denied cancer made V5 and warned)
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])  # (and nothing else is denied)


@pytest.mark.parametrize(
    "text", ["No trauma. ?? mets", "No trauma. ??? osteomyelitis", "afebrile. ?  epidural abscess", "\n?? discitis"]
)
def test_a_run_of_question_marks_questions_what_follows(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["neck pain x 3 wks. ?? HNP", "neck pain x 3 wks. ?? DDD"])
def test_a_run_of_question_marks_leaves_the_sentence_before_it(engine, text):
    assert outcome(engine, text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "planned radiation for prostate cancer",
        "planning surgery for stage III colon cancer",
        "scheduled for chemo due to recurrent ovarian cancer",
        "No longer on chemo for breast ca",
    ],
)
def test_the_reason_a_treatment_is_for_a_few_words_before_it(engine, text):
    assert outcome(engine, RADICULOPATHY + text)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["no concern for infection", "no known history of cancer", "no need for PT"])
def test_a_denial_with_for_or_of_stays_a_denial(engine, text):
    assert outcome(engine, RADICULOPATHY + text) == ("not-appropriate", [2])


@pytest.mark.parametrize("text", ["PMH: PE 2019 (eliquis)", "PMH: DVT 2022 (xarelto)", "PMH: afib dx 2018 (xarelto)"])
def test_another_condition_s_date_does_not_date_the_anticoagulant(engine, text):
    assert outcome(engine, RADICULOPATHY + text)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "No fever or chills pt has metastatic lung cancer",
        "Denies trauma pt is on coumadin",
        "No one else drives - MVC 1 wk ago",
    ],
)
def test_a_new_statement_without_punctuation_ends_a_negation(engine, text):
    assert outcome(engine, NECK_PAIN + text)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 3 wks - MRI ?",
        "Neck pain x 3 wks, not improving ?",
        "neck pain x 3 wks. RTC precautions reviewed - fever, new weakness",
    ],
)
def test_a_question_or_a_list_about_something_else_leaves_the_warning(engine, text):
    assert outcome(engine, text) == ("not-appropriate", [1])


# -- a third review: what the second round's rules must not do ----------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "no evidence pt has metastatic disease",
        "no concern that patient has cancer",
        "If patient has mets, will refer to onc",
        "MRI w/wo if patient has known malignancy or infection",
        "no signs that patient has osteomyelitis",
    ],
)
def test_a_statement_inside_a_negation_or_a_condition_keeps_its_cue(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"  # (read as stated, it made V4 / V5)


@pytest.mark.parametrize(
    "text", ["call if pt has fever or weakness", "return if patient has fever, chills or weight loss"]
)
def test_a_condition_s_list_after_pt_has_stays_hypothetical(engine, text):
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "Hx breast ca - no\nrecurrence since 2016",
        "PMH: breast cancer - no\nrecurrence",
        "Hx of prostate cancer - no  recurrence",
        "h/o lymphoma: no\nactive treatment",
    ],
)
def test_a_label_s_no_before_more_words_on_the_next_line_is_not_a_denial(engine, text):
    # a known cancer (V5): the MRI is appropriate; read as denied, the order warned for V1
    assert outcome(engine, NECK_PAIN + text) == ("appropriate", [5])


@pytest.mark.parametrize("text", ["PMH: no  cancer", "Hx: no  malignancy"])
def test_a_negation_with_a_double_space_still_denies(engine, text):
    assert outcome(engine, NECK_PAIN + text, XR) == ("appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "watch for signs of fever",
        "return for signs of infection or fever",
        "return precautions given (fever, weakness)",
        "precautions incl fever, weakness",
        "gave precautions - fever, new weakness",
        "precautions provided (fever, chills)",
    ],
)
def test_return_precautions_in_other_words_stay_hypothetical(engine, text):
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "son was in MVC last year",
        "sister had whiplash from MVC",
        "brother had neck fracture",
        "mother with vertebral compression fractures",
    ],
)
def test_a_relative_s_own_injury_stays_family_history(engine, text):
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "concern that pt has epidural abscess",
        "unlikely patient has epidural abscess",
        "low suspicion pt has discitis",
        "question whether pt has metastatic disease",
        "worried about mets",
    ],
)
def test_doubt_written_before_a_clause_makes_no_finding(engine, text):
    # (a cancer or an infection read as stated made V4 / V5 on radiographs; older than the doubts, found beside them)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


# -- a history a hypothetical supposes (`cues_together`) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("Consider MRI if patient has history of cancer", "patient has history of cancer"),
        ("MRI if pt has a hx of malignancy", "pt has a hx of malignancy"),
        ("would image if she has history of metastatic breast ca", "she has history of metastatic breast ca"),
    ],
)
def test_a_history_a_hypothetical_supposes_is_uncertain(engine, text_reader, doubtful, control):
    assert outcome(engine, NECK_PAIN + control, XR) == ("not-appropriate", [5])
    assert outcome(engine, NECK_PAIN + doubtful, XR)[0] != "not-appropriate"
    assert ("malignancy", "uncertain") in mentions(text_reader, doubtful)


def test_a_history_in_the_next_sentence_after_a_hypothetical_stays_history(engine):
    assert outcome(engine, NECK_PAIN + "If no improvement, MRI. Hx of breast ca", XR) == ("not-appropriate", [5])


# -- someone else than a relative (a friend, a coworker) -------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "friend with spinal mets",
        "coworker has metastatic lung ca",
        "neighbor had breast cancer",
        "roommate w/ lymphoma",
        "friend dx'd w/ lymphoma",
        "boyfriend recently diagnosed with melanoma",
    ],
)
def test_a_friend_s_cancer_is_uncertain(engine, text_reader, text):
    # (read as the patient's it made V5 on radiographs; read as a friend's, like a relative's, it let an MRI warn on
    # "brought in by friend w/ fever 102": a friend's word may bring the patient's own finding)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"
    assert ("malignancy", "uncertain") in mentions(text_reader, text)


@pytest.mark.parametrize(
    "text",
    [
        "Brought in by friend w/ fever 102",
        "Friend was driving when rear-ended at 40 mph",
        "Friend has been noticing unsteady gait",
        "Coworker w/ similar sx: fever 101",
    ],
)
def test_what_a_friend_brings_may_be_the_patient_s(engine, text):
    assert outcome(engine, NECK_PAIN + text)[0] != "not-appropriate"


@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("pt and son had MVC", "son had MVC"),
        ("she & son were in MVC", "son was in MVC"),
        ("pt + daughter had MVC", "daughter had MVC"),
    ],
)
def test_an_injury_the_patient_shared_with_a_relative_is_not_only_the_relative_s(engine, doubtful, control):
    assert outcome(engine, NECK_PAIN + control) == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + doubtful)[0] != "not-appropriate"


# -- an injury dated by a day, or told in its item -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("no trauma, fell Tuesday", "no trauma, falls"),
        ("no trauma, fell over the weekend", "no trauma or falls"),
        ("denies trauma, MVC on Sunday", "denies trauma, MVC"),
        ("no trauma, fell on ice", "no trauma, fall or injury"),
        ("no fever or trauma, slipped and fell in shower", "no fever or trauma"),
    ],
)
def test_an_injury_told_after_a_denial_is_not_denied(engine, doubtful, control):
    assert outcome(engine, NECK_PAIN + control) == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + doubtful)[0] != "not-appropriate"


# -- words that were missing ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["on AC for afib", "on AC since 2019", "held AC x 2 days", "therapeutic AC with eliquis"]
)
def test_anticoagulation_written_ac_is_a_possible_coagulopathy(engine, text_reader, text):
    assert outcome(engine, NECK_PAIN + text)[0] != "not-appropriate"
    assert ("coagulopathy", "uncertain") in mentions(text_reader, text)


@pytest.mark.parametrize(
    "text", ["TTP on AC joint", "pain on AC joint palpation", "AC joint arthritis", "pt tender on AC joint"]
)
def test_the_ac_joint_is_no_anticoagulation(engine, text):
    assert outcome(engine, NECK_PAIN + text) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "Hx of osteomyelitis C5, on suppressive doxycycline",
        "on suppressive antibiotics for old spine infection",
        "chronic suppression with bactrim",
        "lifelong suppression, hx discitis",
    ],
)
def test_suppressive_antibiotics_are_a_possible_infection(engine, text):
    assert outcome(engine, NECK_PAIN + text)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "Neck pain. Onset: 3 weeks. Radiation: L arm",
        "Neck pain x 3 wks\nRadiation: to the right hand",
        "Neck pain x 3 wks. Radiating - down L arm",
        "neck pain x 3 wks; radiates: bilateral upper extremities",
    ],
)
def test_a_template_s_radiation_field_naming_the_arm_is_radicular(engine, text):
    # (read as neck pain alone it was V1, and an MRI without contrast warned: V2 rates it Usually Appropriate)
    assert outcome(engine, text, MRI_WO) == ("appropriate", [2])


@pytest.mark.parametrize(
    "text",
    ["Neck pain. Onset: 3 weeks. Radiation: none", "Neck pain x 3 wks. Radiation: to shoulder"],
)
def test_a_template_s_radiation_field_without_the_arm_is_not_radicular(engine, text):
    assert outcome(engine, text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "pulsatile tinnitus",
        "new anisocoria",
        "hx Ehlers-Danlos",
        "FMD",
        "h/o fibromuscular dysplasia",
        "Marfan syndrome",
        "R carotid bruit",
        "bruit on L",
    ],
)
def test_signs_and_conditions_of_cervical_artery_disease_leave_a_cta_unrated(engine, text_reader, text):
    # (read as neck pain alone they were V1, where a CTA of the neck is Usually Not Appropriate: a warning)
    assert outcome(engine, "neck pain x 3 days", "cpt|70498") == ("not-appropriate", [1])
    assert outcome(engine, "neck pain x 3 days, " + text, "cpt|70498")[0] != "not-appropriate"
    assert any(concept == "vascular-cause" for concept, _ in mentions(text_reader, text))


@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("Son had MVC, pt was passenger", "Son had MVC"),
        ("Brother had tackle injury, landed on him", "Brother had tackle injury"),
        ("Husband had MVC 2 days ago, she was in the car", "Husband had MVC 2 days ago"),
        ("Wrestling with brother had fall", "brother had fall"),
    ],
)
def test_an_injury_read_as_someone_else_s_with_the_patient_named_is_uncertain(engine, doubtful, control):
    assert outcome(engine, NECK_PAIN + control) == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + doubtful)[0] != "not-appropriate"


@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("Sister has cancer and pt has hx breast ca", "Sister has cancer and breast ca"),
        ("mother with DM, pt has lung ca", "mother with DM and lung ca"),
        ("sister had lymphoma and pt has breast ca", "sister had lymphoma and breast ca"),
    ],
)
def test_a_condition_after_the_patient_is_named_is_not_only_the_relative_s(engine, doubtful, control):
    assert outcome(engine, NECK_PAIN + control) == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + doubtful)[0] != "not-appropriate"


# -- the study's contrast is no denial -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        # (each was read as denied: V1, where these studies are Usually Not Appropriate)
        ("neck pain x 3 wks. MRI without contrast for radiculopathy", MRI_WO, ("appropriate", [2])),
        ("neck pain x 3 wks. MRI w/o for L arm radiculopathy", MRI_WO, ("appropriate", [2])),
        ("neck pain x 3 wks. MRI C-spine wo contrast - cervical radiculopathy", MRI_WO, ("appropriate", [2])),
    ],
)
def test_a_contrast_phrase_denies_nothing(engine, text, order, expected):
    assert outcome(engine, text, order) == expected


@pytest.mark.parametrize(
    "text",
    ["MRI w/ and w/o contrast for abscess", "MRI C-spine w/ & w/o for discitis", "MRI with/without for osteomyelitis"],
)
def test_an_infection_after_a_contrast_phrase_is_not_denied(engine, text):
    assert outcome(engine, NECK_PAIN + text)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 3 wks without radiculopathy",
        "neck pain x 3 wks, CT without fracture",
        "neck pain x 3 wks w/o fever",
        "neck pain x 3 wks, no IV drug use",
        "neck pain x 3 wks without IV drug use",
    ],
)
def test_without_still_denies_outside_a_contrast_phrase(engine, text):
    assert outcome(engine, text) == ("not-appropriate", [1])


# -- a label's denial with the label's words ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("denied", "stated"),
    [
        ("Cancer hx: none", "Cancer hx: breast ca 2015"),
        ("Hx of cancer: none known", "Hx of cancer: lung ca"),
        ("Malignancy: none known", "Malignancy: prostate ca"),
        ("Cancer hx - negative", "Cancer hx - breast"),
        ("Mets: ruled out", "Mets: to spine"),
    ],
)
def test_a_label_s_denial_after_the_label_s_words_denies(engine, denied, stated):
    # (each denial was read as a cancer: V5, where radiographs are Usually Not Appropriate)
    assert outcome(engine, NECK_PAIN + denied, XR) == ("appropriate", [1])
    assert outcome(engine, NECK_PAIN + stated, XR) == ("not-appropriate", [5])


@pytest.mark.parametrize("text", ["Cancer: unknown", "Hx cancer - unsure", "Cancer hx: uncertain", "Malignancy: unk"])
def test_a_label_answered_unknown_is_uncertain(engine, text_reader, text):
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"
    assert ("malignancy", "uncertain") in mentions(text_reader, text)


def test_another_label_after_a_mention_still_takes_its_own_denial(text_reader):
    assert ("neck-pain", "affirmed") in mentions(text_reader, "neck pain 2 wks - Red flags: none")


# -- exam template fields ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Spurling - positive", "radiculopathy"),
        ("LUE - numbness", "radiculopathy"),
        ("LUE- numbness", "radiculopathy"),
        ("Sensation: decreased L C6", "radiculopathy"),
        ("Sensation - diminished R arm", "radiculopathy"),
        ("Reflexes: brisk", "myelopathy"),
        ("reflexes hyperactive", "myelopathy"),
        ("Grip: weak on L", "neurologic-deficit"),
        ("Grip strength - 4/5 L", "neurologic-deficit"),
    ],
)
def test_an_exam_template_field_with_a_finding_is_read(engine, text_reader, text, concept):
    # (read as neck pain alone they were V1, where an MRI without contrast is Usually Not Appropriate: a warning)
    assert (concept, "affirmed") in mentions(text_reader, text)
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["Reflexes: 2+ symmetric", "Sensation: intact", "Grip: 5/5", "Spurling - negative"])
def test_an_exam_template_field_without_a_finding_reads_nothing(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


# -- a study ordered in case -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["CT in case of fx after fall", "MRI in case there is an abscess", "MRI in case of cord compression"],
)
def test_a_study_ordered_in_case_of_a_finding_leaves_it_possible(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


def test_return_in_case_of_a_finding_stays_a_precaution(engine):
    assert outcome(engine, NECK_PAIN + "Return in case of fever", MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "hx prostate ca - negative bone scan",
        "hx breast ca; negative bone scan",
        "Hx lung ca: negative PET 6 mo ago",
        "Breast ca hx: none since 2016",
        "Breast ca s/p lumpectomy - negative nodes",
    ],
)
def test_a_denial_of_another_noun_after_a_label_denies_nothing(engine, text):
    # (a cue written after the cancer, about a scan or nodes, must not deny it: V1, where an MRI warns)
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "fevers - negative blood cultures",
        "L arm numbness - negative Spurling's",
        "MVC - negative CT head",
        "Fever: none per pt but 101.5 in triage",
    ],
)
def test_a_finding_with_a_negative_test_after_a_dash_stays(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    ["MRI w/o ? mets", "CT c-spine w/o concern for mets", "MRI w/o to rule out mets", "MRI w/o ro epidural abscess"],
)
def test_a_contrast_phrase_that_asks_leaves_the_finding_possible(engine, text):
    # (read as known, the cancer or the infection made V5 / V4 on radiographs; read as denied, V1 on an MRI)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "MRI w/wo for metastatic breast ca",
        "MRI with and without contrast for metastatic breast ca",
        "MRI w/o for mets, no cancer hx",
        "MRI C-spine w/o contrast for lymphoma",
        "CT C-spine w/o for myeloma",
    ],
)
def test_what_a_study_is_ordered_for_is_possible(engine, text_reader, text):
    # (denied, the cancer let an MRI warn in V1; known, it made radiographs warn in V5: "MRI w/o for mets, no cancer
    # hx" says there is none)
    assert outcome(engine, NECK_PAIN + text, MRI_WOW)[0] != "not-appropriate"
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"
    assert ("malignancy", "uncertain") in mentions(text_reader, text)


def test_the_indication_a_study_is_ordered_for_stays_as_it_is(engine):
    assert outcome(engine, NECK_PAIN + "MRI C-spine w/o contrast for neck pain", MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "triple negative breast cancer",
        "triple-negative breast ca",
        "ER/PR negative, HER2 negative breast ca",
        "node-negative breast ca",
    ],
)
def test_a_tumour_s_receptor_status_is_no_denial(engine, text_reader, text):
    # (the "negative" of a receptor denied the cancer: V1, where an MRI warns; known, it is V5)
    assert ("malignancy", "affirmed") in mentions(text_reader, text)
    assert outcome(engine, NECK_PAIN + text, XR) == ("not-appropriate", [5])


# -- a denial that names its source; a denial written before what it denies ---------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Mets: ruled out on PET",
        "Mets: ruled out by PET 2024",
        "Mets: neg on bone scan",
        "Hx lung ca: ruled out on biopsy",
        "Cancer hx: none per pt",
    ],
)
def test_a_label_s_denial_with_its_source_is_uncertain(engine, text_reader, text):
    # (the denial was not read: a known cancer, V5, where radiographs warn; denied, an MRI would warn in V1)
    assert ("malignancy", "uncertain") in mentions(text_reader, text)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


def test_a_denial_with_its_source_ends_its_own_item(text_reader):
    assert mentions(text_reader, "Fever - no per pt, neck pain x 3 wks") == [
        ("fever", "uncertain"),
        ("neck-pain", "affirmed"),
    ]


@pytest.mark.parametrize(
    "text",
    ["PET ruled out mets", "ENT excluded tonsil ca", "Bone scan ruled out metastatic disease", "Ruled out lymphoma."],
)
def test_a_denial_written_before_what_it_denies_is_uncertain(engine, text_reader, text):
    assert ("malignancy", "uncertain") in mentions(text_reader, text)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"
    assert outcome(engine, NECK_PAIN + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text", ["Mets ruled out", "malignancy excluded", "Mets: ruled out", "Malignancy was excluded"]
)
def test_a_denial_written_after_what_it_denies_still_denies(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize("text", ["PET ruled out mets, neck pain x 3 wks", "Ruled out neck pain from abscess"])
def test_the_neck_indication_after_a_denial_written_before_stays(text_reader, text):
    assert ("neck-pain", "affirmed") in mentions(text_reader, text)


# -- a negation's word glued to a dash -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("doubtful", "control"),
    [("No trauma- MVC 4 days ago", "No trauma, no MVC"), ("No trauma- MVC last wk", "No trauma or MVC")],
)
def test_an_injury_after_a_negation_s_word_glued_to_a_dash_is_not_denied(engine, doubtful, control):
    # (trauma excludes every variant: an injury is left unrated; the "no" denied the MVC)
    assert outcome(engine, NECK_PAIN + control, MRI_WO) == ("not-appropriate", [1])
    assert outcome(engine, NECK_PAIN + doubtful, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["Trauma hx- none", "Myelopathy sx- none", "Malignancy history- negative"])
def test_a_label_s_denial_after_a_word_glued_to_a_dash_still_denies(engine, text):
    assert outcome(engine, NECK_PAIN + text, MRI_WO) == ("not-appropriate", [1])


# -- someone else's history, where the patient works ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("doubtful", "control"),
    [
        ("friend w/ a hx of breast ca", "hx of breast ca"),
        ("buddy of mine had breast cancer", "had breast cancer"),
        ("works in melanoma research lab", "melanoma on her arm"),
        ("volunteers at breast cancer foundation", "breast cancer"),
    ],
)
def test_someone_else_s_cancer_or_the_patient_s_work_is_uncertain(engine, text_reader, doubtful, control):
    # (each was a known cancer: V5, where radiographs warn)
    assert outcome(engine, NECK_PAIN + control, XR) == ("not-appropriate", [5])
    assert outcome(engine, NECK_PAIN + doubtful, XR)[0] != "not-appropriate"
    assert ("malignancy", "uncertain") in mentions(text_reader, doubtful)


def test_the_neck_pain_of_where_the_patient_works_stays(engine):
    assert outcome(engine, "works at a desk with neck pain x 3 wks", MRI_WO) == ("not-appropriate", [1])


# -- anticoagulation at the end, a label answered "?" ----------------------------------------------------------------
@pytest.mark.parametrize(
    "text", ["neck pain x 3 wks, on AC", "neck pain x 3 wks, pt on AC", "neck pain x 3 wks. Pt on AC."]
)
def test_anticoagulation_at_the_end_of_a_text_is_possible(engine, text_reader, text):
    assert ("coagulopathy", "uncertain") in mentions(text_reader, text)
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    "text", ["Cancer hx: ?", "Cancer hx: ??", "Hx of cancer - unclear", "Mets: ?", "lytic lesion C4 - ? myeloma"]
)
def test_a_label_answered_with_a_question_mark_is_uncertain(engine, text_reader, text):
    assert ("malignancy", "uncertain") in mentions(text_reader, text)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


# -- a doubt written after what it doubts -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "breast ca scare 2019, benign",
        "BRCA2 carrier, breast cancer risk",
        "lymphoma in the ddx",
        "mets on differential",
        "myeloma w/u neg",
        "lymphoma work-up negative",
    ],
)
def test_a_doubt_written_after_a_cancer_leaves_it_uncertain(engine, text_reader, text):
    # (each was a known cancer: V5, where radiographs warn)
    assert ("malignancy", "uncertain") in mentions(text_reader, text)
    assert outcome(engine, NECK_PAIN + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["neck pain x 3 wks, eval normal", "neck pain x 3 wks, fall risk"])
def test_the_neck_indication_before_a_doubt_written_after_stays(engine, text):
    assert outcome(engine, text, MRI_WO) == ("not-appropriate", [1])
