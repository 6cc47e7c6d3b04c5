"""Review 23 (free text): an indication's optional tail gives way to another concept's mention it swallowed."""

from __future__ import annotations

import pytest

from tests.text_cases import mentions

CPT = "http://www.ama-assn.org/go/cpt|"


@pytest.mark.parametrize(
    "text",
    [
        "neck pain radiating to L arm, hand weakness",
        "neck pain radiating to L arm, L hand weakness x 2 wks",
        "neck pain radiating to L arm and hand weakness",
        "radiating to the R arm, hand numbness and weakness",
        "tingling into L arm, wrist drop",
    ],
)
def test_a_radiating_phrase_does_not_swallow_a_deficit_after_it(text_reader, text):
    found = mentions(text_reader, text)
    assert ("radiculopathy", "affirmed") in found
    assert ("neurologic-deficit", "affirmed") in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("neck pain radiating to L arm, breast ca hx", ("malignancy", "affirmed")),
        ("pain radiating down the R arm, R arm lymphedema", None),
    ],
)
def test_a_radiating_phrase_keeps_its_own_reading_beside_other_concepts(text_reader, text, expected):
    found = mentions(text_reader, text)
    assert ("radiculopathy", "affirmed") in found
    if expected:
        assert expected in found


def _warns(engine, text, code):
    from tests.text_cases import reason_outcome

    return reason_outcome(engine, text, CPT + code)[0] == "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 3 days. Family History\nProblem Relation Age of Onset\nCancer Mother 62\nDiabetes Father",
        "Family History\nProblem\tRelation\tAge of Onset\nBreast cancer\tMother\t55\nHypertension\tFather\n\n"
        "HPI: neck pain x 3 days",
        "neck pain x 3 days. FAMILY HISTORY\nProstate cancer Father\nColon cancer Paternal Uncle",
        "neck pain x 3 days. Family history\nProblem Relation Age of Onset\n• Lung cancer Father 70\n• Diabetes Mother",
        "neck pain x 3 days. Family History\nCancer Mother\nMelanoma Sister",
    ],
)
def test_a_family_history_table_row_is_not_the_patients_cancer(engine, text):
    assert not _warns(engine, text, "72040")  # radiographs: UNA only for the patient's own cancer (V5) here


@pytest.mark.parametrize("text", ["neck pain x 3 days. breast cancer mother of 3", "neck pain x 3 days. breast ca"])
def test_control_the_patients_own_cancer_beside_a_relative_word_still_warns_on_radiographs(engine, text):
    assert _warns(engine, text, "72040")


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 3 days. hx IVDU, last used last wk",
        "hx heroin use, last used Sunday. neck pain x 3 days",
        "neck pain x 3 days\nh/o IVDU - last injected 11/15",
        "neck pain x 3 days. PMH: IVDU, still using",
    ],
)
def test_a_red_flag_written_as_history_with_a_recent_use_blocks(engine, text):
    assert not _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text", ["neck pain x 3 days. hx IVDU, clean 10 yrs", "neck pain x 3 days. hx of neck pain, last PT 2019"]
)
def test_control_a_remote_history_still_warns(engine, text):
    assert _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text",
    [
        "cervicogenic headache x 2 months - No weight loss per pt wife notes 20 lb wt loss",
        "neck pain x 3 wks, no hx cancer per pt chart shows breast ca 2010",
        "neck pain x 2 wks. denies fever, daughter says fever to 102 at home",
    ],
)
def test_a_denial_run_on_into_what_someone_else_says_does_not_deny_it(engine, text):
    assert not _warns(engine, text, "72141") and not _warns(engine, text, "72156")


@pytest.mark.parametrize(
    "text", ["neck pain for the past month and a half", "neck pain for the last month and a half. No red flags."]
)
def test_a_month_and_a_half_is_between_six_and_twelve_weeks(engine, text):
    assert not _warns(engine, text, "72141")  # V1 or V7: MRI without contrast is rated in V7


@pytest.mark.parametrize(
    "text",
    ["HPI: neck pain x 3 days.\nPMH/ROS: T 38.9 in clinic", "HPI: NECK PAIN X 3 DAYS.\nROS/PMH: TMAX 101.4 AT HOME"],
)
def test_a_heading_that_joins_history_and_review_of_systems_does_not_make_today_history(engine, text):
    assert not _warns(engine, text, "72141")


def test_control_a_history_heading_alone_still_reads_history(engine):
    assert _warns(engine, "neck pain x 3 days. PMH: IVDU", "72141")
