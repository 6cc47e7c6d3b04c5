"""A cancer's treatment recorded as a Procedure blocks a warning and never makes variant 5.

Coded: chemotherapy administration (CPT 96401-96549), radiation oncology (CPT 77261-77799), ICD-10-PCS
antineoplastic introduction (3E0, substance 0) and radiation therapy (section D), SNOMED CT chemotherapy and
radiotherapy (findings.yaml `malignancy-possible` `procedures`). In words, under a code we do not list: a Procedure's
words that name a cancer, a red flag or another topic are read at most as uncertain (ChartReader.procedure_doubts):
they block, they never make a variant. Imaging codes near the radiation-oncology range change nothing.
"""

from __future__ import annotations

import pytest

from cds_service.engine import Outcome
from tests.builders import condition, patient, procedure

ACUTE = "2026-11-07"
LOCAL = "http://hospital.example.org/procedure-codes"


def chart(*extra):
    return [patient(), condition("M54.2", onset=ACUTE), *extra]


def in_words(text: str) -> dict:
    done = procedure("P-1", LOCAL, performed="2026-10-01")  # (an infection's drainage counts while recent)
    done["code"] = {"coding": [{"system": LOCAL, "code": "P-1"}], "text": text}
    return done


@pytest.mark.parametrize(
    ("system", "code"),
    [
        ("cpt", "96413"),
        ("cpt", "96401"),
        ("cpt", "96549"),
        ("cpt", "77427"),
        ("cpt", "77412"),
        ("cpt", "77261"),
        ("icd10pcs", "3E03305"),
        ("icd10pcs", "3E0430M"),  # a monoclonal antibody into a central vein
        ("icd10pcs", "DW02JZZ"),
        ("snomed", "367336001"),
        ("snomed", "108290001"),
    ],
)
@pytest.mark.parametrize("order", ["72125", "72040"])
def test_a_coded_cancer_treatment_blocks_and_makes_no_variant(evaluate, system, code, order):
    d = evaluate(chart(procedure(code, system, performed="2026-06-01")), order)
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    assert not d.variants


@pytest.mark.parametrize(("system", "code"), [("cpt", "77067"), ("cpt", "77080"), ("cpt", "96372"), ("cpt", "99213")])
def test_other_codes_beside_those_ranges_change_nothing(evaluate, system, code):
    assert evaluate(chart(procedure(code, system, performed="2026-06-01")), "72125").outcome is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    "text",
    [
        "Chemotherapy infusion",
        "Radiation therapy to neck",
        "Lumpectomy for breast cancer",
        "Excision of melanoma, back",
        "Incision and drainage of neck abscess",
        "Biopsy of neck mass",
    ],
)
@pytest.mark.parametrize("order", ["72125", "72040"])
def test_a_procedure_whose_words_name_a_cancer_or_a_red_flag_only_blocks_or_widens(evaluate, text, order):
    d = evaluate(chart(in_words(text)), order)
    assert d.outcome is not Outcome.NOT_APPROPRIATE
    numbers = {v.number for v in d.variants}
    assert not numbers or 1 in numbers  # blocked, or widened (an uncertain infection): never narrowed to 4 or 5


@pytest.mark.parametrize("text", ["Knee arthroscopy", "Colonoscopy", "Cataract extraction, left eye"])
def test_other_procedures_in_words_change_nothing(evaluate, text):
    assert evaluate(chart(in_words(text)), "72125").outcome is Outcome.NOT_APPROPRIATE


def test_a_procedure_that_was_not_done_changes_nothing(evaluate):
    skipped = procedure("96413", "cpt", performed="2026-06-01", status="not-done")
    assert evaluate(chart(skipped), "72125").outcome is Outcome.NOT_APPROPRIATE


def test_the_reason_names_the_procedure(evaluate):
    d = evaluate(chart(procedure("96413", "cpt", performed="2026-06-01", pid="chemo-1")), "72125")
    assert any("Procedure/chemo-1" in r for r in d.reasons)
