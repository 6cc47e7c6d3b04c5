"""Review 25 (an unseen-case safety sweep): relatives in short, denials and fears in other words, a red flag told
without its name, symbols, cord symptoms, a text in another language, a duration's range; contraindications named
in other words and codes; a gait abnormality's code. Each was a warning a careful reader would not give, or a
suggestion the chart ruled out."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.builders import condition, device, order_json, patient
from tests.conftest import TODAY
from tests.engine.metastasis_suggestions import suggestions
from tests.text_cases import reason_outcome

CPT = "http://www.ama-assn.org/go/cpt|"
ACUTE = "2026-11-10"


def _warns(engine, text, code):
    return reason_outcome(engine, text, CPT + code)[0] == "not-appropriate"


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks. GM with colon cancer",
        "neck pain x 2 wks, sis has leukemia",
        "neck pain x 2 wks. MGM with lung ca",
        "neck pain x 2 wks. mother-in-law with breast cancer",
        "neck pain x 2 wks. bro w/ lymphoma",
        "neck pain x 2 wks, grandma - breast ca",
        "neck pain x 2 wks, sis colon ca",
    ],
)
def test_a_relatives_cancer_in_short_is_not_the_patients(engine, text):
    assert not _warns(engine, text, "72040")  # radiographs: UNA only for the patient's own cancer (V5) here


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks. neg hx cancer",
        "neck pain x 2 wks. NKHx cancer",
        "neck pain x 2 wks. Ø cancer",
        "neck pain x 2 wks, ∅ mets",
        "neck pain x 2 wks, ruled out cancer",
        "neck pain x 2 wks. pt anxious re cancer",
    ],
)
def test_a_denied_or_feared_cancer_is_not_a_known_one(engine, text):
    assert not _warns(engine, text, "72040")


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks, red flags: yes",
        "neck pain x 2 wks, + red flags",
        "neck pain x 2 wks, red flag sx",
        "neck pain x 2 wks, concerning sx",
        "neck pain x 2 wks, fever+",
        "neck pain x 2 wks, ↑CRP",
        "neck pain x 2 wks, WBC ↑",
        "neck pain x 2 wks, cord sx",
        "neck pain x 2 wks, paresthesias in all 4 limbs",
    ],
)
def test_a_red_flag_told_without_its_name_or_in_symbols_blocks(engine, text):
    assert not _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text",
    [
        "neck pain x 2 wks. No red flags.",
        "neck pain x 2 wks. Red flag sx: denies",
        "neck pain x 2 wks. No red flag symptoms.",
    ],
)
def test_control_red_flags_denied_still_warn(engine, text):
    assert _warns(engine, text, "72141")


@pytest.mark.parametrize(
    "text",
    [
        "dolor de cuello x 2 semanas, cáncer de mama",
        "neck pain x 2 wks, fiebre",
        "neck pain x 2 wks, sin cancer",
        "neck pain x 2 wks, madre breast ca",
    ],
)
def test_a_text_in_another_language_is_not_read_and_never_warns(engine, text):
    assert not _warns(engine, text, "72141") and not _warns(engine, text, "72040")


@pytest.mark.parametrize("text", ["neck pain x 2 wks. LOS 3 days. Para 2.", "neck pain x 2 wks, de novo"])
def test_control_english_words_other_languages_share_are_read(engine, text):
    assert _warns(engine, text, "72141")


@pytest.mark.parametrize("text", ["neck pain x 4 to 8 weeks", "neck pain x yrs", "neck pain for mos"])
def test_a_duration_as_a_range_or_without_a_number_is_not_only_acute(engine, text):
    assert not _warns(engine, text, "72141")  # MRI without contrast: UNA only in V1 (acute)


def test_control_a_short_range_is_acute(engine):
    assert _warns(engine, "neck pain x 2-3 wks", "72141")


MRI = {"mr-cspine-wow", "mr-cspine-wo"}
GADOLINIUM = {"mr-cspine-wow", "mr-cspine-w"}


@pytest.mark.parametrize(
    "reason",
    ["neck pain, Medtronic Azure", "neck pain, programmable VP shunt", "neck pain, BAHA"],
)
def test_an_implant_named_in_other_words_removes_mri(engine, reason):
    assert not suggestions(engine, reason=reason) & MRI


@pytest.mark.parametrize("code", ["Z95.818", "Z97.8", "Z96.89"])
def test_a_code_for_another_implant_removes_mri(engine, code):
    assert not suggestions(engine, condition(code)) & MRI


@pytest.mark.parametrize("text", ["Marcapasos", "Abandoned leads", "Breast tissue expander", "Desfibrilador"])
def test_an_implant_named_so_on_a_device_removes_mri(engine, text):
    assert not suggestions(engine, device(text)) & MRI


@pytest.mark.parametrize("reason", ["neck pain, on PD", "neck pain, CKD5", "neck pain, pd pt"])
def test_dialysis_or_ckd_5_in_other_words_removes_gadolinium(engine, reason):
    assert not suggestions(engine, reason=reason) & GADOLINIUM


def test_a_missed_dialysis_code_removes_gadolinium(engine):
    assert not suggestions(engine, condition("Z91.158")) & GADOLINIUM


def test_a_gait_abnormality_code_blocks(engine):
    chart = [patient(), condition("M54.2", onset=ACUTE), condition("R26.9")]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(order_json("72141"))], chart, today=TODAY)
    assert decision.outcome.value != "not-appropriate"
