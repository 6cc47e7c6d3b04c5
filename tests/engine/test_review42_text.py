"""A forty-second review: order reasons in shapes not tried before, written from the issue alone (619 texts).

Unsafe warnings it found, each class pinned with cases beside the review's own and a control:
- a review of systems or a red-flag heading that denies a list ("ROS otherwise negative including hx of cancer", "ROS
  neg incl hx ca", "Red flags absent (cancer)", "Negative for the following: hx of cancer") read the cancer as the
  patient's (variant 5: radiographs warned); "denies: trauma, fever" (a colon after the cue) left the list uncertain;
- a family history marked with a glued "+" ("FH+ breast ca", "FHx+: prostate ca") or a relative with a parenthesis
  ("daughter (age 8) with leukemia") read as the patient's;
- the patient's question or a plan to consider ("pt asked about bone cancer", "Consider cervicogenic headache if HA
  develops", "cervicogenic HA possible in future") read as a finding;
- a denial read across a spaced slash or a comma into what is taken ("no fever / on xarelto", "no fever, on chemo");
- the arm's words in shorthand not read ("radiating L arm", "+numbness (L thumb)", "numbness over lateral forearm",
  "R 4th/5th fingers", "L C6 sx", "reflexes diminished L biceps", "equivocal Spurling's"): an MRI warned for variant 1;
- injuries in plain words ("wiping out on skateboard", "tumble down 3 steps", "pulled down by her dog", "did slip in
  shower") read as no injury; a transplant or a cord injury in shorthand ("s/p renal txp on tacro", "hx SCI 2015").

Probe orders: 72040 radiographs are Usually Not Appropriate in V4, V5, V6; 72141 MRI without contrast in V1 only;
72125 CT without contrast in V1, V7 (not V8).
"""

from __future__ import annotations

import pytest

from cds_service.cards.text import detail_markdown
from tests.text_cases import mentions, run_case
from tests.text_cases import reason_outcome as outcome

XR, MRI_WO, CT = "cpt|72040", "cpt|72141", "cpt|72125"
ACUTE = "neck pain x 2 wks. "
CHRONIC = "neck pain x 4 mo. "


# -- a heading that denies a list --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "ROS otherwise negative including hx of cancer",
        "ROS neg incl hx ca",
        "ROS negative incl cancer",
        "Red flags absent (cancer)",
        "Red flags reviewed and absent (malignancy)",
        "All red flags negative including cancer hx",
        "Negative for the following: hx of cancer",
        "red flags: absent (malignancy, IVDU)",
        "ROS otherwise neg including metastatic disease",
    ],
)
def test_a_heading_that_denies_a_list_denies_its_cancer(engine, text_reader, text):
    assert ("malignancy", "affirmed") not in mentions(text_reader, text)
    assert ("malignancy", "historical") not in mentions(text_reader, text)
    assert outcome(engine, ACUTE + text, XR)[0] != "not-appropriate"  # (variant 5 warned)
    assert outcome(engine, ACUTE + text, MRI_WO) == ("not-appropriate", [1])  # denied: plain neck pain


@pytest.mark.parametrize(
    "text",
    [
        "denies: trauma, fever, wt loss",
        "denies: trauma / fever / chills / wt loss / IVDU / cancer",
        "No: trauma, fevers, weight loss, cancer",
        "Denies: injury, fever",
        "ROS -: fever, wt loss, weakness, bowel/bladder",
    ],
)
def test_a_denial_with_its_colon_denies_its_list(engine, text_reader, text):
    # (read as uncertain: the cue's own word was taken for a description of the first item; no rating)
    assert all(context == "negated" for _, context in mentions(text_reader, text))
    assert outcome(engine, ACUTE + text, MRI_WO) == ("not-appropriate", [1])


@pytest.mark.parametrize("text", ["Red flags: none (hx of breast ca in remission)", "denies: MVC last week"])
def test_a_heading_s_list_with_a_statement_in_it_stays_in_doubt(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


# -- someone else's, a question, a plan ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "FH+ breast ca",
        "FHx+: prostate ca",
        "FH+ colon ca",
        "daughter (age 8) with leukemia",
        "son (12 y/o) w/ lymphoma",
        "pt wondering whether it is cancer",
        "pt asked about bone cancer",
        "pt asks whether she could have cancer; reassured",
        "Would consider mets if pt had cancer hx",
    ],
)
def test_another_s_cancer_or_a_question_is_not_the_patient_s_cancer(engine, text_reader, text):
    assert ("malignancy", "affirmed") not in mentions(text_reader, text)
    assert outcome(engine, ACUTE + text, XR)[0] != "not-appropriate"


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Consider cervicogenic headache if HA develops", "cervicogenic-headache"),
        ("cervicogenic HA possible in future", "cervicogenic-headache"),
        ("would consider discitis if febrile", "infection"),
    ],
)
def test_a_plan_to_consider_is_not_a_finding(engine, text_reader, text, concept):
    assert (concept, "affirmed") not in mentions(text_reader, text)
    assert outcome(engine, ACUTE + text, XR)[0] != "not-appropriate"


def test_the_patient_s_own_cancer_stays_known(text_reader):
    assert ("malignancy", "affirmed") in mentions(text_reader, "Mother w/ HTN. Pt has metastatic breast ca")
    assert ("malignancy", "affirmed") in mentions(text_reader, "daughter (RN) with pt, pt has breast ca")


# -- a denial across a slash or a comma ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("no fever / on xarelto", "coagulopathy"),
        ("no fever / on eliquis", "coagulopathy"),
        ("no fever / on chemo", "immunosuppression"),
        ("no fever, on chemo", "immunosuppression"),
    ],
)
def test_a_denial_does_not_reach_what_is_taken_after_a_mark(engine, text_reader, text, concept):
    assert (concept, "negated") not in mentions(text_reader, text)
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no fever / chills / night sweats", {("fever", "negated"), ("weight-loss", "negated")}),
        ("Pt denies any h/o cancer.", {("malignancy", "negated")}),  # (a slash inside a word is no item's mark)
        ("no fever/chills", {("fever", "negated")}),
    ],
)
def test_a_slash_between_denied_items_keeps_the_denial(text_reader, text, expected):
    assert set(mentions(text_reader, text)) == expected


# -- the arm's words in shorthand ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "radiating L arm",
        "radiates R UE",
        "radiating LUE",
        "Neuro: +numbness (L thumb)",
        "Positive for tingling (R thumb and index).",
        "numbness over lateral forearm and thumb L",
        "+numbness/tingling R 4th/5th fingers, no weakness",
        "tingling R 4th/5th finger",
        "+ L C6 sx",
        "reflexes diminished L biceps",
        "no weakness but reflexes diminished L biceps",
        "equivocal Spurling's on L",
        "Spurling's equivocal",
    ],
)
def test_the_arm_s_words_in_shorthand_leave_a_radiculopathy_possible(engine, text, text_reader):
    assert any(c == "radiculopathy" for c, _ in mentions(text_reader, text))
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"  # (variant 1 warned)


@pytest.mark.parametrize("text", ["radiating L arm", "radiates L UE", "+ L C6 sx"])
def test_a_chronic_pain_radiating_to_the_arm_is_not_warned_on_ct(engine, text):
    assert outcome(engine, CHRONIC + text, CT)[0] != "not-appropriate"  # (variant 7 warned; V8 rates it MBA)


@pytest.mark.parametrize(
    "text",
    ["non-radiating L arm pain", "neck pain, non-radiating to L arm", "non-radiating L arm pain and numbness"],
)
def test_non_radiating_before_the_arm_is_not_read_as_a_denial(engine, text):
    """The arm is read as the pain's: a lost rating by choice. Reviews 43 and 44 found that ignoring the words up to the
    arm lost the arm's own numbness after them ("non-radiating L arm pain and numbness" warned for variant 1), and "non"
    as a denial would deny "non-Hodgkin lymphoma"."""
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


# -- injuries, transplants, cord injuries in plain words ------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "neck pain 1 wk after wiping out on skateboard",
        "neck pain since tumble down 3 steps on Sunday",
        "neck pain after being pulled down by her dog Tues",
        "No trauma / no falls / no MVC; however pt did slip in shower 5 days ago. Neck pain since.",
        "neck pain x 2 wks; dog walker, was pulled down by dog 3 days ago",
    ],
)
def test_an_injury_in_plain_words_is_an_injury(engine, text_reader, text):
    assert ("neck-trauma", "affirmed") in mentions(text_reader, text)
    assert outcome(engine, text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize("text", ["feels wiped out, neck pain x 2 wks", "slipped disc C5-6, neck pain x 2 wks"])
def test_words_of_injuries_that_name_none_are_no_injury(text_reader, text):
    assert not any(c == "neck-trauma" for c, _ in mentions(text_reader, text))


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("pt s/p renal txp on tacro", "immunosuppression"),
        ("liver txp 2019", "immunosuppression"),
        ("hx SCI 2015 (incomplete C5)", "myelopathy"),
    ],
)
def test_a_transplant_or_a_cord_injury_in_shorthand_is_read(engine, text_reader, text, concept):
    assert any(c == concept for c, _ in mentions(text_reader, text))
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


def test_a_pacemaker_s_maker_is_no_cord_injury(text_reader):
    assert not any(c == "myelopathy" for c, _ in mentions(text_reader, "ICD (Boston Sci)"))


@pytest.mark.parametrize("text", ["Pt uses heroina IV.", "se cayo hace 2 dias"])
def test_spanish_without_a_word_english_notes_share_is_not_read_as_english(engine, text):
    assert outcome(engine, ACUTE + text, MRI_WO)[0] != "not-appropriate"


@pytest.mark.parametrize(("text", "shown"), [("neck pain > 1 yr", "“&gt; 1 yr”"), ("neck pain >6 mo", "“&gt;6 mo”")])
def test_a_duration_written_with_a_sign_is_quoted_once_escaped(engine, text, shown):
    # (the card showed "\&gt; 1 yr", which renders as the characters "&gt;")
    decision = run_case(engine, {"id": "t", "order": CT, "reason": text, "expect": {"outcome": "?"}}).decision
    detail = detail_markdown(decision, engine.knowledge)
    assert shown in detail and "\\&gt;" not in detail


@pytest.mark.parametrize(
    ("text", "order", "shown"),
    [
        ("neck pain x 2 wks, ? radiculopathy", CT, '"neck pain x 2 wks, ? radiculopathy"'),
        ("neck pain x 2 wks. PSHx: ACDF C5/6.", "cpt|72142", '"PSHx: ACDF C5/6."'),
    ],
)
def test_a_card_shows_the_doubtful_finding_that_made_a_variant_possible(engine, text, order, shown):
    # (variant 2 or 3 was on the card with nothing in its "Why" to show for it)
    decision = run_case(engine, {"id": "t", "order": order, "reason": text, "expect": {"outcome": "?"}}).decision
    assert decision.outcome.value == "not-appropriate" and len(decision.variants) == 2
    why = detail_markdown(decision, engine.knowledge).split("**Why:**")[1]
    line = next(line for line in why.splitlines() if "in doubt: the variants with and without it" in line)
    assert shown in line
