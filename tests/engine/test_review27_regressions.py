"""Review 27 (a re-review of review 26's fixes, the code before and after them side by side): what those fixes broke,
and the close neighbours they missed.

Unsafe: a plan's time written N/52 ("f/u 2/52") read as the pain's duration; a Device's safety words taken for its
name, so an unknown device no longer removed MRI; blank cancer and red-flag fields in other shapes; unpunctuated
denials reaching a stated amount or a treatment. Lost: "denies being on eliquis" read as taking it; "or using IV
drugs" in a denied list; weight lost on purpose in one word; a remote drainage or line as a spine infection; onset
today told other ways; "Non-traumatic neck pain" as trauma.
"""

from __future__ import annotations

import pytest

from cds_service.engine import Outcome
from tests.builders import condition, device, patient, procedure
from tests.engine.metastasis_suggestions import suggestions
from tests.text_cases import reason_outcome

CPT = "http://www.ama-assn.org/go/cpt|"
MRI = {"mr-cspine-w", "mr-cspine-wow", "mr-cspine-wo", "mra-neck-w", "mra-neck-wow", "mra-neck-wo"}


def _rated(engine, text, code="72141"):
    return reason_outcome(engine, text, CPT + code)


def _warns(engine, text, code="72141"):
    return _rated(engine, text, code)[0] == "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "neck pain f/u 2/52",
        "neck pain rv 2/52",
        "neck pain: f/u 2/52",
        "neck pain (f/u 2/52)",
        "mechanical neck pain rv 2/52",
        "neck pain sick note 1/52",
        "neck pain for review 3/52",
    ],
)
def test_a_plans_time_is_not_the_pains_duration(engine, text):
    outcome, variants = _rated(engine, text)
    assert outcome != "not-appropriate" and 7 in variants  # duration unknown: both variants


def test_a_plans_time_beside_the_pains_duration_does_not_contradict_it(engine):
    assert _rated(engine, "neck pain x 2 weeks f/u 6/52") == ("not-appropriate", [1])


@pytest.mark.parametrize(
    ("text", "variants"), [("neck pain on and off for yrs", [7]), ("neck pain off work 2/52", [1, 7])]
)
def test_off_work_is_a_plans_phrase_but_on_and_off_keeps_its_time(engine, text, variants):
    assert _rated(engine, text) == ("appropriate", variants)


LOCAL_TYPE = {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.657369", "code": "4711"}]}


@pytest.mark.parametrize(
    "safety",
    [
        [{"text": "Labeling does not contain MRI Safety Information"}],
        [{"text": "Not MR safe"}],
        [{"text": "Unknown"}],
        [
            {
                "coding": [
                    {
                        "system": "http://ncithesaurus-stage.nci.nih.gov",
                        "code": "C113846",
                        "display": "MRI safety unknown",
                    }
                ]
            }
        ],
    ],
)
def test_safety_words_do_not_name_an_unknown_device(engine, safety):
    found = device() | {"type": LOCAL_TYPE, "safety": safety}
    assert not suggestions(engine, found) & MRI


@pytest.mark.parametrize(
    "safety", [[{"text": "Labeling does not contain MRI Safety Information"}], [{"text": "Not MR safe"}]]
)
def test_a_safety_that_does_not_say_mr_safe_removes_mri_from_a_named_device(engine, safety):
    assert not suggestions(engine, device("Implant") | {"safety": safety}) & MRI


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 weeks. Cancer:",
        "neck pain x 2 weeks. Cancer: ...",
        "neck pain x 2 weeks. Cancer: --",
        "neck pain x 2 weeks. Cancer: yes/no",
        "neck pain x 2 weeks. Cancer: (blank)",
        "neck pain x 2 weeks. Cancer: TBD",
        "neck pain x 2 weeks. Cancer: xxx",
        "neck pain x 2 weeks. Cancer: <>",
        "neck pain x 2 weeks. Cancer: ＿＿＿",
        "neck pain x 2 weeks. Hx of cancer: ?",
        "neck pain x 2 weeks. History of malignancy:\nFever: no",
    ],
)
def test_a_cancer_field_left_blank_is_no_known_cancer(engine, text):
    assert not _warns(engine, text, "72040")


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 weeks. Red-flags: ***",
        "neck pain x 2 weeks. Redflags: ***",
        "neck pain x 2 weeks. RF: ***",
        "neck pain x 2 weeks. Red flag screen: ***",
        "neck pain x 2 weeks. Red flags: TBD",
        "neck pain x 2 weeks. Red flags: ?",
        "neck pain x 2 weeks. Red flags: --",
    ],
)
def test_a_red_flag_field_left_blank_blocks(engine, text):
    assert not _warns(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 weeks. no fever weight loss of 20 lbs",
        "neck pain x 2 weeks. no trauma undergoing radiation",
        "neck pain x 2 wks no numbness on coumadin",
    ],
)
def test_an_unpunctuated_denial_stops_at_a_stated_amount_or_treatment(engine, text):
    assert not _warns(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 weeks. denies being on eliquis",
        "neck pain x 2 weeks. pt denies being on anticoagulants",
        "neck pain x 2 weeks. never been on chemotherapy",
        "neck pain x 2 weeks. Denies fever, chills, or using IV drugs.",
        "Denies fever, weight loss, or using IV heroin. neck pain x 2 wks",
        "neck pain x 2 weeks. on semaglutide for weight-loss",
        "neck pain x 2 weeks. weightloss counseling given",
        "neck pain x 2 weeks. seen at the weightloss clinic",
        "weight-loss surgery 2019. neck pain x 2 weeks",
        "neck pain, new today",
        "neck pain since earlier today",
        "woke up today with neck pain",
    ],
)
def test_denials_plans_and_onsets_told_these_ways_still_warn(engine, text):
    assert _rated(engine, text) == ("not-appropriate", [1])


def test_non_traumatic_neck_pain_beside_its_code_is_not_trauma(evaluate):
    entry = condition("M54.2", onset="2026-11-07")
    term = "Non-traumatic neck pain"
    entry["code"] = {
        "coding": [*entry["code"]["coding"], {"system": "http://imo.example", "code": "1", "display": term}]
    }
    assert evaluate([patient(), entry], "72141").outcome is Outcome.NOT_APPROPRIATE


def in_words(text: str, when: str) -> dict:
    done = procedure("P-1", "http://hospital.example.org/procedures", performed=when)
    done["code"] = {"coding": [{"system": "http://hospital.example.org/procedures", "code": "P-1"}], "text": text}
    return done


@pytest.mark.parametrize("text", ["Dental abscess drainage", "ORIF distal radius fracture"])
def test_a_remote_procedure_of_a_named_site_elsewhere_is_no_spine_infection_or_trauma(evaluate, text):
    chart = [patient(), condition("M54.2", onset="2026-11-07"), in_words(text, "2015-03-01")]
    assert evaluate(chart, "72141").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Incision and drainage of neck abscess", "2026-11-01"),  # an infection may be there
        ("Incision and drainage of epidural abscess", "2024-01-01"),  # (review 28: at any date it widens)
        ("Incision and drainage of skin abscess", "2015-03-01"),  # (an injection drug user's, as often as not)
        ("Chemotherapy infusion", "2026-06-01"),  # a cancer's treatment counts at any date
        ("Radiation therapy to neck", "2019-01-01"),
    ],
)
def test_a_recent_drainage_or_a_cancer_treatment_still_blocks(evaluate, text, when):
    chart = [patient(), condition("M54.2", onset="2026-11-07"), in_words(text, when)]
    assert evaluate(chart, "72141").outcome is not Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    "text",
    [
        "hx IVDU, recent relapse. neck pain x 2 wks",
        "hx IVDU, recently relapsed. neck pain x 2 wks",
        "neck pain x 2 wks. no bleeding on xarelto",
    ],
)
def test_a_history_told_as_back_again_or_a_medicine_after_a_denied_symptom_blocks(engine, text):
    assert not _warns(engine, text)


@pytest.mark.parametrize(
    "text",
    ["neck pain for 3 weeks cancer screening up to date", "neck pain x 2 wks, breast cancer screening due"],
)
def test_a_screening_beside_the_pains_time_leaves_the_time_to_the_pain(engine, text):
    assert _rated(engine, text) == ("not-appropriate", [1])


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks, no fever and on eliquis",
        "neck pain x 2 wks, no trauma and taking coumadin",
        "neck pain x 2 wks. Workup for weight loss",
        "neck pain x 2 wks, referred to GI for weight loss",
    ],
)
def test_review_28_a_red_flag_after_and_or_a_weight_loss_worked_up_blocks(engine, text):
    assert not _warns(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks. on ozempic for weight loss",
        "neck pain x 2 wks, worried about getting radiation from CT",
        "neck pain started at work 2 weeks ago",
    ],
)
def test_review_28_weight_lost_on_purpose_a_fear_of_radiation_and_a_time_at_work_still_warn(engine, text):
    assert _rated(engine, text) == ("not-appropriate", [1])
