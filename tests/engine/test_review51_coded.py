"""A fifty-first review: contraindications and orders the review's held-out cases found read wrong.

Unsafe, each a study the chart rules out left on the card (policy §6): a contrast reaction told with the verb ("pt
reacted to MRI contrast last yr"), a premedication for iodinated contrast, implants misspelt ("peacemaker",
"defibrilator", "stimulater", "cochlear implnt"), a contrast allergy entry misspelt ("Omnipaq"), and a coded serum
creatinine that means an eGFR below 30 at any adult age (6.8 mg/dL, 620 µmol/L). Lost: an allergy entry as a drug
knowledge base names its class ("Iodinated Contrast Agent [EPC]") also removed gadolinium.

Unsafe too (policy §10): a note that sends the order to another region ("wrong site: should be lumbar", "Please
image the lumbar spine instead", "MRI lumbar spine") was rated as the neck, and warned.

The chart for the suggestions is neck pain with a bone metastasis (variant 5): radiographs (72040) are Usually Not
Appropriate, and the card suggests MRI without and with contrast, MRI without, CT with contrast, CT without, PET/CT.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.builders import allergy, condition, observation, order_json, patient
from tests.conftest import TODAY
from tests.engine.metastasis_suggestions import MRI, suggestions
from tests.text_cases import note_outcome

GADOLINIUM = {"mr-cspine-wow"}
IODINATED = {"ct-cspine-w"}


@pytest.mark.parametrize(
    ("reason", "removed"),
    [
        ("pt reacted to MRI contrast last yr", GADOLINIUM),
        ("rxn to MR dye in 2019", GADOLINIUM),
        ("hives after the MRI contrast", GADOLINIUM),
        ("needs premed for iodinated contrast", IODINATED),
        ("premedicate before CT contrast", IODINATED),
        ("reacted to CT contrast", IODINATED),
        ("peacemaker", MRI),
        ("pace maker in place", MRI),
        ("pacemacker", MRI),
        ("has defibrilator", MRI),
        ("nerve stimulater in back", MRI),
        ("cochlear implnt R ear", MRI),
    ],
)
def test_contraindications_in_these_words_remove_their_studies(engine, reason, removed):
    suggested = suggestions(engine, reason=reason)
    assert suggested and not removed & suggested


@pytest.mark.parametrize("text", ["Omnipaq", "omnipak", "Visipaq", "Isovu"])
def test_a_misspelt_iodinated_agent_on_the_allergy_list_removes_ct_with_contrast(engine, text):
    suggested = suggestions(engine, allergy(text))
    assert not IODINATED & suggested and suggested >= GADOLINIUM


@pytest.mark.parametrize("text", ["Gadavis", "Magnevis"])
def test_a_misspelt_gadolinium_agent_on_the_allergy_list_removes_mri_with_contrast(engine, text):
    suggested = suggestions(engine, allergy(text))
    assert not GADOLINIUM & suggested and suggested >= IODINATED


def test_an_allergy_class_as_a_drug_knowledge_base_names_it_removes_its_agent_only(engine):
    entry = allergy("Iodinated Contrast Agent [EPC]")
    entry["code"] = {
        "coding": [{"system": "http://hl7.org/fhir/ndfrt", "code": "N0000175863", "display": entry["code"]["text"]}]
    }
    suggested = suggestions(engine, entry)
    assert not IODINATED & suggested and suggested >= GADOLINIUM


# -- a serum creatinine: 3 mg/dL or more is an eGFR below 30 at any adult age ----------------------------------------
@pytest.mark.parametrize(
    ("loinc", "value", "unit"),
    [
        ("2160-0", 6.8, "mg/dL"),
        ("2160-0", 3.4, "mg/dL"),
        ("38483-4", 5.0, "mg/dL"),
        ("14682-9", 620, "umol/L"),
        ("14682-9", 0.4, "mmol/L"),
    ],
)
def test_a_creatinine_of_3_mg_dl_or_more_removes_gadolinium(engine, loinc, value, unit):
    suggested = suggestions(engine, observation(loinc, value, unit))
    assert not GADOLINIUM & suggested and "mr-cspine-wo" in suggested


@pytest.mark.parametrize(
    "entry",
    [
        observation("2160-0", 1.4, "mg/dL", interpretation="H", high=1.1),  # a mild rise, flagged: not read
        observation("2160-0", 0.9, "mg/dL"),
        observation("14682-9", 110, "umol/L"),
        observation("2160-0", None, None, interpretation="H"),  # flagged high, no value: not read
        observation("2160-0", 6.8, "mg/dL", when="2026-05-01T09:00:00Z"),  # older than the 90 days looked back
    ],
)
def test_a_creatinine_that_says_nothing_of_an_egfr_below_30_keeps_gadolinium(engine, entry):
    assert suggestions(engine, entry) >= GADOLINIUM


def test_a_creatinine_in_a_unit_that_cannot_be_converted_is_contrast_unsafe(engine):
    assert not GADOLINIUM & suggestions(engine, observation("2160-0", 6.8, "furlongs"))


def test_the_creatinine_codes_are_fetched_with_the_other_labs(knowledge):
    from cds_service.fhir.patient_data import data_keys

    (key,) = [key for key in data_keys(knowledge) if key.name == "observations"]
    assert all(f"http://loinc.org|{code}" in key.template for code in ("2160-0", "14682-9", "38483-4"))


# -- a note or reason that sends the order to another region: not rated (policy §10) ---------------------------------
@pytest.mark.parametrize(
    "note",
    [
        "wrong site: should be lumbar",
        "Please image the lumbar spine instead",
        "L-spine please",
        "thoracic spine instead",
        "shoulder instead",
        "MRI lumbar spine",
        "MRI of the lumbar spine w/o contrast",
        "L-spine XR 2 views",
        "meant to order the T-spine",
        "change to lumbar",
    ],
)
def test_a_note_that_sends_the_order_elsewhere_is_not_rated(engine, note):
    assert note_outcome(engine, note) == "not-applicable"


@pytest.mark.parametrize(
    "note",
    [
        "please eval neck pain",
        "please call pt with results",
        "hx lumbar fusion",
        "lumbar MRI 2019 normal",
        "MRI lumbar spine showed L4-5 HNP",
        "pt has L shoulder pain too",
        "please image, hx of knee replacement",
        "only if insurance approves",
        "MRI C-spine",
    ],
)
def test_a_note_that_only_tells_of_another_region_is_still_rated(engine, note):
    assert note_outcome(engine, note) == "not-appropriate"


# -- an injury whose own words make it recent, whatever the resource's date says ------------------------------------
@pytest.mark.parametrize(
    ("words", "warns"),
    [
        ("Fell from a ladder 5 days ago", False),  # the words: recent; the onset 51 days back: they disagree
        ("Fell from a ladder", True),  # the onset alone: not recent
        ("Fell from a ladder 3 months ago", True),
    ],
)
def test_an_injury_told_recent_in_its_words_blocks_whatever_its_onset(engine, words, warns):
    injury = condition("W11.XXXA", onset="2026-10-01")
    injury["code"] = {"text": words}
    chart = [patient(), condition("M54.2", onset="2026-11-10"), injury]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(order_json("72141"))], chart, today=TODAY)
    assert (decision.outcome.value == "not-appropriate") is warns


# -- an eGFR or a creatinine under a lab's own code, by its name and a value in the test's units ---------------------
def local_lab(display: str, value: Any, unit: str | None, system: str = "urn:oid:1.2.3.77") -> dict[str, Any]:
    entry = observation("2160-0", value, unit)
    entry["code"] = {"coding": [{"system": system, "code": "LAB3321", "display": display}], "text": display}
    return entry


@pytest.mark.parametrize(
    ("display", "value", "unit"),
    [
        ("eGFR (CKD-EPI)", 19, "mL/min/{1.73_m2}"),
        ("GFR, ESTIMATED", 22, "mL/min/1.73m2"),
        ("Creatinine", 6.8, "mg/dL"),
        ("CREATININE, SERUM", 540, "umol/L"),
    ],
)
def test_a_local_code_naming_the_test_is_read_by_its_value(engine, display, value, unit):
    assert not GADOLINIUM & suggestions(engine, local_lab(display, value, unit))


@pytest.mark.parametrize(
    ("display", "value", "unit", "system"),
    [
        ("eGFR (CKD-EPI)", 75, "mL/min/{1.73_m2}", "urn:oid:1.2.3.77"),  # within the limit
        ("EGFR mutation analysis", 19, "mL/min/{1.73_m2}", "urn:oid:1.2.3.77"),  # the gene
        ("Creatinine, urine", 180, "mg/dL", "urn:oid:1.2.3.77"),  # not the serum's
        ("Creatinine clearance", 6, "mg/dL", "urn:oid:1.2.3.77"),
        ("eGFR", 19, "furlongs", "urn:oid:1.2.3.77"),  # a name and no value in the test's units: no proof of it
        ("eGFR", 19, "mL/min/{1.73_m2}", "http://loinc.org"),  # a LOINC code we do not list is another test
    ],
)
def test_a_local_code_that_is_not_the_test_or_says_nothing_keeps_gadolinium(engine, display, value, unit, system):
    assert suggestions(engine, local_lab(display, value, unit, system)) >= GADOLINIUM
