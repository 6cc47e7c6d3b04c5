"""Review 39 (contraindications as EHR exports send them): what it found, pinned.

The chart is neck pain with a bone metastasis (variant 5): radiographs (72040) are Usually Not Appropriate, and the
card suggests MRI without and with contrast, MRI without, CT with contrast, CT without, PET/CT, less what the chart
rules out (policy §6).
- Implant codes sent without a display were missed: the adjustment of an implanted hearing or visual device (Z45.3x),
  a leadless dual-chamber pacemaker, a WiSE CRT, a CardioMEMS sensor, an osseointegrated hearing implant, aneurysm
  surgery that leaves a clip (CPT, and ICD-10-PCS restriction with an extraluminal device): MRI was suggested.
- "No known allergy" (SNOMED CT 716186003 and its siblings, sent with no display as US Core exports do), and an allergy
  entry's words that deny a contrast allergy ("No known contrast allergy"), were read as a contrast allergy of an
  unnamed agent: both contrast studies were lost.
- An allergy that names its agent ("Iodinated contrast media", "Contrast dye (Omnipaque)", "GADOLINIUM-CONTAINING
  CONTRAST MEDIA") was also read as one of an unnamed agent: both contrast studies were lost, not the agent's only.
- The card's "Not suggested" line gave a contraindication's label and a bare reference: no code, words, value, date
  or doubt, and only the first of two contraindications that remove the study.
- The warning card did not say when the ordered study itself is contraindicated (the capture card does).
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.cards.text import detail_markdown
from tests.builders import allergy, coding, condition, device, observation, order_json, patient, procedure
from tests.conftest import TODAY
from tests.engine.metastasis_suggestions import ACUTE, MRI, suggestions

GADOLINIUM = "mr-cspine-wow"
IODINATED = "ct-cspine-w"
BOTH = {GADOLINIUM, IODINATED}
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _coded_allergy(system: str, code: str, text: str | None = None) -> dict[str, Any]:
    entry = allergy(text or "")
    entry["code"] = {"coding": [coding(system, code)], **({"text": text} if text else {})}
    return entry


def _no_mri(engine: Any, *extra: dict[str, Any]) -> bool:
    suggested = suggestions(engine, *extra)
    return bool(suggested) and not MRI & suggested


# -- implant codes ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code",
    ["Z45.31", "Z45.320", "Z45.321", "Z45.328", "Z45.32", "Z45.3", "Z45.0", "Z45.01", "Z45.4", "Z95.81", "Z45.89",
     "Z45.9", "Z96.9"],
)  # fmt: skip
def test_an_implanted_device_s_icd10cm_code_without_display_removes_mri(engine, code):
    assert _no_mri(engine, condition(code))


@pytest.mark.parametrize(
    "code", ["Z45.1", "Z45.2", "Z45.81", "Z45.82", "Z95.1", "Z95.2", "Z95.5", "Z95.820", "Z96.22", "Z97.5", "Z98.2"]
)
def test_control_a_device_code_of_no_mr_unsafe_implant_keeps_mri(engine, code):
    assert suggestions(engine, condition(code)) >= MRI


@pytest.mark.parametrize(
    "code",
    ["0795T", "0796T", "0797T", "0801T", "0802T", "0803T", "0823T", "0515T", "0516T", "0517T", "0518T", "0519T",
     "0520T", "33289", "69714", "69716", "69717", "69719", "69729", "69730", "61697", "61698", "61700", "61702",
     "61703"],
)  # fmt: skip
def test_a_procedure_that_leaves_an_implant_or_a_clip_removes_mri(engine, code):
    assert _no_mri(engine, procedure(code))


@pytest.mark.parametrize("code", ["0798T", "0824T", "61710", "69726", "22551"])
def test_control_a_removal_a_coil_or_another_operation_keeps_mri(engine, code):
    assert suggestions(engine, procedure(code)) >= MRI


@pytest.mark.parametrize(
    "code", ["03VG0CZ", "03VG3CZ", "03VG4CZ", "03LG0CZ", "03LG3CZ", "03LG4CZ", "03VK0CZ", "03VL4CZ"]
)
def test_an_aneurysm_clip_coded_in_icd10pcs_removes_mri(engine, code):
    assert _no_mri(engine, procedure(code, "icd10pcs", performed="2015-03-01"))


@pytest.mark.parametrize("code", ["03VG0DZ", "03VG3HZ", "03LG3DZ"])
def test_control_an_intraluminal_coil_or_flow_diverter_keeps_mri(engine, code):
    assert suggestions(engine, procedure(code, "icd10pcs", performed="2015-03-01")) >= MRI


@pytest.mark.parametrize(
    "text", ["VP shunt (programmable)", "VP shunt, programmable", "Shunt - programmable valve", "Programmable LP shunt"]
)
def test_a_programmable_shunt_with_its_kind_first_on_a_device_removes_mri(engine, text):
    assert _no_mri(engine, device(text))


def test_control_a_shunt_not_said_to_be_programmable_keeps_mri(engine):
    assert suggestions(engine, device("VP shunt")) >= MRI


# -- "no known allergy" ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["716186003", "409137002", "429625007", "428607008", "160244002", "1003774007"])
def test_a_no_known_allergy_code_without_display_is_no_contrast_allergy(engine, code):
    assert suggestions(engine, _coded_allergy("snomed", code)) >= BOTH


@pytest.mark.parametrize(
    "text",
    ["No known contrast allergy", "No contrast allergy", "Denies contrast allergy", "Contrast allergy - denies",
     "No known allergy to IV contrast", "No allergy to iodinated contrast", "No gadolinium allergy", "NKA", "NKDA",
     "No known allergies"],
)  # fmt: skip
def test_an_allergy_entry_whose_words_deny_a_contrast_allergy_keeps_both_contrast_studies(engine, text):
    assert suggestions(engine, allergy(text)) >= BOTH


@pytest.mark.parametrize(("system", "code"), [("snomed", "91936005"), ("snomed", "12345678"), (RXNORM, "7980")])
def test_control_an_allergy_coded_only_in_a_code_not_listed_still_removes_both(engine, system, code):
    suggested = suggestions(engine, _coded_allergy(system, code))
    assert not BOTH & suggested and "mr-cspine-wo" in suggested


def test_control_a_no_known_allergy_code_beside_another_code_still_removes_both(engine):
    entry = _coded_allergy("snomed", "716186003")
    entry["code"]["coding"].append(coding(RXNORM, "7980"))
    assert not BOTH & suggestions(engine, entry)


@pytest.mark.parametrize(
    ("text", "removed"),
    [("No known contrast allergy; Omnipaque - hives", {IODINATED}), ("Contrast - premedicate", BOTH),
     ("Contrast dye - hives", BOTH), ("NKA to contrast", BOTH)],
)  # fmt: skip
def test_control_an_allergy_that_is_not_denied_still_removes_the_contrast(engine, text, removed):
    suggested = suggestions(engine, allergy(text))
    assert not removed & suggested and "mr-cspine-wo" in suggested


# -- an allergy that names its agent --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ["Iodinated contrast media", "Contrast Media, Iodinated", "Contrast media (iodine)", "CONTRAST MEDIA - IODINE",
     "IODINATED CONTRAST MEDIA - IV DYE", "Contrast dye (Omnipaque)", "Contrast - Visipaque", "Iodine contrast dye",
     "Radiocontrast media (iodinated)", "Contrast media: iohexol", "CT contrast dye", "Contrast (Isovue)"],
)  # fmt: skip
def test_an_allergy_naming_an_iodinated_agent_removes_only_the_iodinated_study(engine, text):
    suggested = suggestions(engine, allergy(text))
    assert IODINATED not in suggested and GADOLINIUM in suggested


@pytest.mark.parametrize(
    "text",
    ["Contrast Media (Gadolinium)", "Contrast agent: gadolinium", "GADOLINIUM-CONTAINING CONTRAST MEDIA",
     "Gadolinium contrast dye", "IV contrast - gadolinium based", "MRI contrast"],
)  # fmt: skip
def test_an_allergy_naming_gadolinium_removes_only_the_gadolinium_study(engine, text):
    suggested = suggestions(engine, allergy(text))
    assert GADOLINIUM not in suggested and IODINATED in suggested


def test_an_allergy_coded_for_its_agent_with_the_word_contrast_removes_only_that_agent(engine):
    suggested = suggestions(engine, _coded_allergy(RXNORM, "5956", "Contrast"))
    assert IODINATED not in suggested and GADOLINIUM in suggested


def test_an_allergy_coded_for_its_agent_whose_words_say_more_removes_both(engine):
    """A fortieth review: iodine coded, but the words speak of an MRI reaction."""
    suggested = suggestions(engine, _coded_allergy(RXNORM, "5956", "contrast - MRI reaction"))
    assert not BOTH & suggested


@pytest.mark.parametrize("text", ["Omnipaque - hives", "Iodinated contrast media: severe reaction, anaphylaxis"])
def test_an_allergy_naming_its_agent_and_its_reaction_removes_only_that_agent(engine, text):
    suggested = suggestions(engine, allergy(text))
    assert IODINATED not in suggested and GADOLINIUM in suggested


@pytest.mark.parametrize(
    "text",
    ["IV dye", "contrast", "Contrast media", "contrast dye", "Hair dye and contrast dye",
     "Gadolinium and iodinated contrast", "Iodine or gadolinium contrast", "Contrast media (not iodine)",
     "contrast other than Omnipaque", "? iodine contrast",
     # (a fortieth review: another word may say the agent was another, or was tolerated; "MRI" may name gadolinium)
     "IV contrast - hives (CT w/ Omnipaque and MRI same day 2019)",
     "Contrast media - rash (tolerated Omnipaque w/ premedication)", "IV contrast 2015 (Omnipaque?), reaction unknown"],
)  # fmt: skip
def test_control_an_allergy_naming_no_agent_both_or_maybe_another_removes_both(engine, text):
    suggested = suggestions(engine, allergy(text))
    assert not BOTH & suggested and "mr-cspine-wo" in suggested


# -- the basis of a withheld suggestion -----------------------------------------------------------------------------
MRI_WOW = "Not suggested: MRI cervical spine without and with IV contrast ("


def _not_suggested(engine: Any, *extra: dict[str, Any], reason: str | None = None) -> str:
    """The card's line for MRI without and with contrast, on the variant 5 chart with `extra` resources."""
    chart = [patient(), condition("C79.51"), condition("M54.2", onset=ACUTE), *extra]
    draft = order_json("72040")
    if reason:
        draft["reasonCode"] = [{"text": reason}]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(draft)], chart, today=TODAY)
    detail = detail_markdown(decision, engine.knowledge)
    return next(line for line in detail.split("\n") if line.startswith(MRI_WOW))


def _pacemaker_device() -> dict[str, Any]:
    entry = device(snomed="14106009")
    entry["type"]["coding"][0]["display"] = "Cardiac pacemaker"
    return entry


@pytest.mark.parametrize(
    ("extra", "reason", "shown"),
    [
        ([_pacemaker_device()], None, ["14106009", "Cardiac pacemaker"]),
        ([device("Medtronic Azure XT DR")], None, ["Azure XT DR"]),
        ([condition("Z95.0")], None, ["Z95.0"]),
        ([procedure("33208")], None, ["33208", "2024-11-02"]),
        ([allergy("Gadavist")], None, ["Gadavist"]),
        ([observation("62238-1", 22, "mL/min/{1.73_m2}", when="2026-11-15T09:00:00Z")], None, ["22", "2026-11-15"]),
        ([], "has Medtronic pacemaker", ['"has Medtronic pacemaker"']),
    ],
)
def test_a_withheld_study_s_line_shows_the_code_words_value_or_date_behind_it(engine, extra, reason, shown):
    line = _not_suggested(engine, *extra, reason=reason)
    assert all(part in line for part in shown), line


def test_a_withheld_study_s_line_says_when_its_contraindication_is_only_a_doubt(engine):
    local = device()
    local["type"] = {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.657380", "code": "ZX-991"}]}
    line = _not_suggested(engine, local)
    assert "may be" in line and "ZX-991" in line


def test_a_study_withheld_by_two_contraindications_names_both(engine):
    line = _not_suggested(engine, _pacemaker_device(), allergy("Gadavist", aid="gad-1"))
    assert "Device/" in line and "AllergyIntolerance/gad-1" in line and "MR-unsafe implant" in line


def test_a_withheld_study_s_line_escapes_the_chart_s_words(engine):
    line = _not_suggested(engine, allergy("Gadavist *hives* [x](y)"))
    assert r"Gadavist \*hives\* \[x\]\(y\)" in line


# -- the ordered study's own contraindication -----------------------------------------------------------------------
def _detail(engine: Any, study: str, *extra: dict[str, Any]) -> str:
    """The card's detail for `study` ordered for chronic radiculopathy (variant 8), with `extra` resources."""
    chart = [patient(), condition("M54.12", onset="2026-01-10"), *extra]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(order_json(study))], chart, today=TODAY)
    assert decision.outcome.value == "not-appropriate"
    return detail_markdown(decision, engine.knowledge)


@pytest.mark.parametrize(
    ("study", "extra", "shown"),
    [
        ("72142", allergy("Gadavist", aid="gad-1"), ["AllergyIntolerance/gad-1", "Gadavist"]),
        ("72142", device("Pacemaker"), ["Device/", "MR-unsafe implant"]),
        ("72142", condition("Z95.0"), ["Condition/", "Z95.0"]),
    ],
)
def test_the_card_says_when_the_chart_holds_against_the_ordered_study_itself(engine, study, extra, shown):
    detail = _detail(engine, study, extra)
    against = detail.split("**The chart holds against ", 1)[1].split("\n\n")[0]
    assert all(part in against for part in shown), detail


def test_control_no_contraindication_no_line_against_the_ordered_study(engine):
    assert "The chart holds against" not in _detail(engine, "72142")
