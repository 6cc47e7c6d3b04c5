"""Review 26a (free text as real notes write it: triage, referrals, dictation, templates).

Unsafe: "today" (the visit's day) read as the onset; a denial without punctuation running over a statement after it
("no fever on eliquis"); weight loss in one word or "has lost about 25 lbs"; a red-flag or cancer template field
left blank ("Red flags: ***", "Cancer: ___"); infection and cord words ("infectious process", "?cord compromise",
"r/o sea"); a worry to settle ("make sure it's not cancer", "pathologic process"). Lost: an accident years ago making
the pain that followed it history; a pre-op note's heading; a spine surgery service in a signature; a number after a
denied list ("ESI 4", the next list number); weeks written "3/52".
"""

from __future__ import annotations

import pytest

from tests.text_cases import reason_outcome

CPT = "http://www.ama-assn.org/go/cpt|"


def _rated(engine, text, code):
    return reason_outcome(engine, text, CPT + code)


def _warns(engine, text, code):
    return _rated(engine, text, code)[0] == "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "comes in today for neck pain for the past year",
        "pt is a pleasant gentleman who comes in today because of neck pain for the past year",
        "seen today for neck pain, present for years",
        "presents today with neck pain x 6 months",
    ],
)
def test_the_visits_today_is_not_the_onset(engine, text):
    outcome, variants = _rated(engine, text, "72141")
    assert outcome != "not-appropriate" and 7 in variants  # chronic (MRI without contrast is rated there)


@pytest.mark.parametrize("text", ["neck pain started today", "neck pain since today", "neck pain began today"])
def test_a_start_told_today_is_still_an_onset(engine, text):
    assert _rated(engine, text, "72141") == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks no fever on eliquis",
        "neck pain x 2 wks no trauma takes warfarin",
        "neck pain x 2 wks denies fever uses IV heroin",
        "neck pain 2 wks no trauma pt on plavix and eliquis",
        "neck pain x 2 wks no fever metastatic prostate cancer",
        "r sided neck pain started 11/1 no fever on eliquis for afib",
        "neck pain x 2 wks denies chills using IV drugs",
        "neck pain x 2 wks no numbness on coumadin",
        "neck pain x 2 wks. no bleeding on xarelto",
    ],
)
@pytest.mark.parametrize("code", ["72141", "72040"])
def test_a_denial_without_punctuation_does_not_run_over_a_statement(engine, text, code):
    assert not _warns(engine, text, code)


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks no fever or chills",
        "neck pain x 2 wks, denies fever chills night sweats weight loss",
        "Neck pain x 2 wks. No fever hx breast ca 2015.",  # history, read by its own cue (V5: radiographs warn)
    ],
)
def test_a_denied_list_and_a_later_cue_still_read_as_before(engine, text):
    outcome, variants = _rated(engine, text, "72141")
    assert outcome in ("not-appropriate", "appropriate") and variants in ([1], [5])


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks. weightloss",
        "neck pain x 2 wks. weightloss 20lb",
        "neck pain x 2 wks. has lost about 25 lbs",
        "neck pain x 2 wks. lost approximately 10 kg",
        "neck pain x 2 wks, weight-loss",
    ],
)
def test_weight_loss_as_people_write_it_is_a_red_flag(engine, text):
    assert _rated(engine, text, "72141") == ("no-criteria-apply", [])


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks. Red flags: ***",
        "neck pain x 2 wks. Red flags: {YES/NO:18}",
        "@NAME@ is a @AGE@ y.o. female presenting with neck pain x 2 wks. {Red Flags:24531}",
        "neck pain x 2 wks. Red flags: @REDFLAGS@",
        "neck pain x 2 wks. Red flags: ___",
    ],
)
def test_an_unfilled_red_flag_field_blocks(engine, text):
    assert not _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text",
    ["neck pain x 2 wks. red flags: none", "neck pain x 2 wks. no red flags", "neck pain x 2 wks, not on coumadin"],
)
def test_red_flags_denied_still_rate(engine, text):
    assert _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text", ["neck pain x 2 wks. Cancer: ___", "neck pain x 2 wks. Hx cancer: ____", "neck pain x 2 wks. Cancer: _____"]
)
def test_a_blank_cancer_answer_is_no_known_cancer(engine, text):
    assert not _warns(engine, text, "72040")  # radiographs are UNA only for a known cancer (V5)
    assert not _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks. eval for infectious process",
        "neck pain x 2 wks. Infectious process?",
        "NECK PAIN RADIATING DOWN R ARM TO THUMB X 10 DAYS. EVAL FOR INFECTIOUS PROCESS",
        "l trapezius/neck pain x 6 days r/o sea",
        "neck pain x 6 days ?sea",
        "neck pain x 2 wks. eval ?cord compromise",
        "neck pain x 2 wks, wants to make sure it's not cancer",
        "neck pain x 2 wks. concerning for pathologic process",
    ],
)
@pytest.mark.parametrize("code", ["72141", "72156", "72040"])
def test_infection_cord_and_cancer_worries_in_other_words_never_warn(engine, text, code):
    assert not _warns(engine, text, code)


def test_the_sea_is_not_an_abscess(engine):
    assert _warns(engine, "neck pain x 2 wks. went to the sea last week", "72141")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("neck pain started after MVA 3 yrs ago", "72156"),
        ("neck pain since an MVA 3 yrs ago", "72156"),
        ("Pre-op: neck pain x 2 wks", "72141"),
        ("Preop: neck pain x 2 wks", "72141"),
        ("Pre-op H&P: neck pain x 2 wks. Cleared from cardiac standpoint.", "72141"),
        ("neck pain x 2 wks\n\nElectronically signed by J. Smith MD, Orthopaedic Spine Surgery", "72141"),
        ("Consult letter: evaluation of neck pain x 2 wks. J. Smith MD, Spine Surgery", "72141"),
        ("neck pain x 2 wks, referred to spine surgery", "72141"),
        ("CC: neck pain x 2 wks. denies fever, chills, night sweats, weight loss. ESI 4.", "72141"),
        ("1. neck pain x1wk\n2. no history of malignancy, IVDU, or immunosuppression\n3. MRI ordered", "72141"),
        ("neck pain 3/52", "72141"),
        ("neck pain for 2/52", "72141"),
        ("neck pain began last Tuesday", "72141"),
    ],
)
def test_plain_indications_in_these_shapes_are_rated(engine, text, code):
    assert _warns(engine, text, code)


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks, hx of spine surgery",
        "neck pain x 2 wks, s/p orthopaedic spine surgery",
        "neck pain x 2 wks, had spine surgery with Dr X",
        "breast cancer 5 years ago, neck pain x 2 wks",
        "pre-op eval for ACDF, neck pain x 2 wks",
        "neck pain x 2 wks, denies chills, fever 101.5",
        "neck pain x 3 months, seen in ED last Tuesday",  # (the visit's time: chronic, variant 7)
    ],
)
def test_what_those_shapes_must_not_hide_still_stops_the_warning(engine, text):
    assert not _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text",
    [
        "Neck pain x 2/52.  Denies bowel or bladder changes  pins and needles down L arm",
        "Neck pain x 2/52<br><b>ROS:</b> negative for bowel or bladder changes<br><b>HPI:</b> pins and needles down L"
        " arm",
        "neck pain x 2 wks. denies numbness tingling radiating arm pain",
    ],
)
def test_an_indication_a_denied_list_runs_into_without_a_join_is_not_denied(engine, text):
    outcome, variants = _rated(engine, text, "72141")
    assert outcome != "not-appropriate" and 2 in variants  # radiculopathy stays possible


@pytest.mark.parametrize(
    "text",
    ["neck pain x 2 wks, denies numbness or radiating arm pain", "neck pain x 2 wks. no pain radiating to the arm"],
)
def test_an_indication_denied_as_an_item_of_the_list_is_denied(engine, text):
    assert _rated(engine, text, "72141") == ("not-appropriate", [1])
