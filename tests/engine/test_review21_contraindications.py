"""Contraindications a twenty-first review (2026-12-05) found missed, each leaving a study the patient cannot have
on the card (policy §6): contrast agents and lay names on an allergy list ("Oxilan", "IVP dye", "Dye", "GBCA"); a
contrast allergy written as words on the problem list or in the reason ("Allergy to iodine", "anaphylaxis to IV
contrast"); implants by kind or brand on a Device ("CIED", "Impella", "Azure XT DR MRI SureScan"); an eGFR, metal
in the eye or an MRI that cannot be done, written in the reason. Controls: words that are no contraindication keep
the suggestions.

The chart is neck pain with a bone metastasis (variant 5): radiographs (72040) are Usually Not Appropriate, and the
card suggests MRI without and with contrast, MRI without contrast, CT with contrast, CT without, PET/CT.
"""

from __future__ import annotations

import pytest

from tests.builders import allergy, device
from tests.engine.metastasis_suggestions import MRI, problem, suggestions


@pytest.mark.parametrize(
    "name", ["Oxilan", "Hexabrix", "Lipiodol", "Renografin", "Xenetix", "IVP dye", "Isovue-370", "CT scan dye"]
)
def test_an_iodinated_agent_or_its_lay_name_on_the_allergy_list_removes_ct_with_contrast(engine, name):
    suggested = suggestions(engine, allergy(name))
    assert "ct-cspine-w" not in suggested and "mr-cspine-wow" in suggested


@pytest.mark.parametrize("name", ["GBCA", "MRI dye", "Gado", "Ablavar", "gadofosveset"])
def test_a_gadolinium_agent_or_its_lay_name_on_the_allergy_list_removes_mri_with_contrast(engine, name):
    suggested = suggestions(engine, allergy(name))
    assert "mr-cspine-wow" not in suggested and {"mr-cspine-wo", "ct-cspine-w"} <= suggested


@pytest.mark.parametrize("name", ["Dye", "Dyes", "Dye (hives)", "Radiology dye"])
def test_a_dye_that_names_no_agent_removes_both_contrasts(engine, name):
    suggested = suggestions(engine, allergy(name))
    assert not {"mr-cspine-wow", "ct-cspine-w"} & suggested and "mr-cspine-wo" in suggested


@pytest.mark.parametrize("name", ["Hair dye", "Red dye #40", "Isosulfan blue dye", "Penicillin"])
def test_control_a_dye_that_is_no_contrast_keeps_the_contrast_studies(engine, name):
    assert {"mr-cspine-wow", "ct-cspine-w"} <= suggestions(engine, allergy(name))


@pytest.mark.parametrize(
    "text, removed",
    [
        ("Allergy to iodine", {"ct-cspine-w"}),
        ("Allergy to Omnipaque", {"ct-cspine-w"}),
        ("Allergic to iodinated contrast", {"ct-cspine-w"}),
        ("History of anaphylaxis to IV contrast", {"ct-cspine-w", "mr-cspine-wow"}),
        ("Allergy to radiographic contrast media", {"ct-cspine-w", "mr-cspine-wow"}),
        ("Allergy to gadolinium", {"mr-cspine-wow"}),
        ("Reaction to MRI dye", {"mr-cspine-wow"}),
    ],
)
def test_a_contrast_allergy_in_words_on_the_problem_list_removes_the_contrast(engine, text, removed):
    suggested = suggestions(engine, problem(text))
    assert not removed & suggested and "mr-cspine-wo" in suggested


@pytest.mark.parametrize(
    "text",
    [
        "CIED",
        "Cardiac implantable electronic device",
        "Pacing lead",
        "Epicardial pacing leads (abandoned)",
        "Impella",
        "Total artificial heart",
        "Auditory brainstem implant",
        "Middle ear implant",
        "Retinal prosthesis",
        "Implanted infusion pump",
        "Metallic orbital foreign body",
        "Bullet in neck",
        "Medtronic Azure XT DR MRI SureScan",
        "Abbott Assurity MRI",
        "Abbott Proclaim XR",
        "Medtronic Azure",
        "Cardiac contractility modulation (Optimizer)",
        "CardioMEMS HF sensor",
        "Magnetic sphincter augmentation (LINX)",
        "Greenfield IVC filter",
        "Swan-Ganz catheter",
        "Hearing implant",
    ],
)
def test_an_implant_by_kind_or_brand_on_a_device_removes_mri(engine, text):
    suggested = suggestions(engine, device(text))
    assert suggested and not MRI & suggested


@pytest.mark.parametrize("text", ["Insulin infusion pump", "Hip prosthesis", "Dental implant"])
def test_control_a_device_that_is_no_mri_contraindication_keeps_mri(engine, text):
    assert suggestions(engine, device(text)) >= MRI


def test_status_post_icd_on_the_problem_list_removes_mri(engine):
    assert not MRI & suggestions(engine, problem("Status post ICD"))


@pytest.mark.parametrize(
    "reason, removed",
    [
        ("Neck pain, metastatic breast ca. eGFR 18", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. GFR 22 mL/min", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. CrCl 18", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. Metal fragment in eye (welder).", MRI),
        ("Neck pain, metastatic breast ca. Breast tissue expanders.", MRI),
        ("Neck pain, metastatic breast ca. Unable to get MRI due to implant.", MRI),
        ("Neck pain, metastatic breast ca. Allergic to omnipaque.", {"ct-cspine-w"}),
        ("Neck pain, metastatic breast ca. Anaphylaxis to gadolinium.", {"mr-cspine-wow"}),
    ],
)
def test_a_contraindication_written_in_the_reason_removes_the_study(engine, reason, removed):
    assert not removed & suggestions(engine, reason=reason)


def test_control_an_egfr_above_30_in_the_reason_keeps_gadolinium(engine):
    assert "mr-cspine-wow" in suggestions(engine, reason="Neck pain, metastatic breast ca. eGFR 64")


@pytest.mark.parametrize(
    "reason, removed",
    [
        ("Neck pain, metastatic breast ca. eGFR <15", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. Cr 5.2", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. HD MWF", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. ESKD", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. Hives with gadavist.", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. Gad reaction 2019.", {"mr-cspine-wow"}),
        ("Neck pain, metastatic breast ca. Allergic to CT dye.", {"ct-cspine-w"}),
        ("Neck pain, metastatic breast ca. Reaction to CT contrast.", {"ct-cspine-w"}),
        ("Neck pain, metastatic breast ca. Iohexol allergy.", {"ct-cspine-w"}),
        ("Neck pain, metastatic breast ca. Allergic to x-ray dye.", {"ct-cspine-w"}),
    ],
)
def test_more_contraindications_written_in_the_reason_remove_the_study(engine, reason, removed):
    assert not removed & suggestions(engine, reason=reason)


def test_control_a_creatinine_in_micromoles_keeps_gadolinium(engine):
    assert "mr-cspine-wow" in suggestions(engine, reason="Neck pain, metastatic breast ca. Cr 90")
