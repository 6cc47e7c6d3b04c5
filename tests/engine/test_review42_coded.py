"""A forty-second review: coded charts as EHR exports send them, re-tested with cases written from the issue alone.

- A red flag the words named was missed when only coded: Horner syndrome and diplopia in SNOMED CT; diplopia,
  transient visual loss, a homonymous field defect and a thunderclap headache in ICD-10-CM. Acute neck pain with one
  of them warned on CT angiography (variant 1), which policy §10 does not rate with a vascular red flag.
- A red flag recorded as the operation that implies it was missed: an organ or stem cell transplant (lifelong
  immunosuppression; as a Condition, Z94.0, it counted), a carotid endarterectomy or stent, a vertebroplasty, an
  anticoagulant therapy or a mechanical valve, a cancer operation in SNOMED CT or a neck dissection: each warned on an
  MRI for acute neck pain (variant 1).
- An order dated before the patient's birth ("1900-01-01" for a woman born in 1970) was taken as the order's day: the
  birth came after it, so the age was unknown and nothing was rated. Impossible dates are unknown (policy §10): the
  order is rated on the day of the call.

Probe orders: 72141 MRI without contrast and 70498 CT angiography of the neck are Usually Not Appropriate in variant 1.
"""

from __future__ import annotations

import pytest

from tests.builders import condition, patient, procedure

NECK_PAIN = condition("M54.2", onset="2026-11-10")


def _variants(decision) -> list[int]:
    return [v.number for v in decision.variants]


# -- vascular red flags coded without words ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "system"),
    [("271730003", "snomed"), ("24982008", "snomed"), ("H53.2", "icd10cm"), ("H53.121", "icd10cm"),
     ("H53.462", "icd10cm"), ("G44.53", "icd10cm")],
)  # fmt: skip
def test_a_vascular_red_flag_coded_without_words_blocks_the_cta_warning(evaluate, code, system):
    decision = evaluate([patient(), NECK_PAIN, condition(code, system, onset="2026-11-20")], "70498")
    assert decision.outcome.value != "not-appropriate"


@pytest.mark.parametrize(("code", "system"), [("J45.909", "icd10cm"), ("195967001", "snomed")])  # asthma
def test_a_code_of_another_organ_leaves_the_cta_warning(evaluate, code, system):
    decision = evaluate([patient(), NECK_PAIN, condition(code, system, onset="2026-11-20")], "70498")
    assert (decision.outcome.value, _variants(decision)) == ("not-appropriate", [1])


# -- red flags recorded as the operation ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "system"),
    [
        ("50360", "cpt"), ("47135", "cpt"), ("33945", "cpt"), ("32853", "cpt"), ("48554", "cpt"), ("38240", "cpt"),
        ("70536003", "snomed"), ("18027006", "snomed"), ("32413006", "snomed"), ("88039007", "snomed"),
        ("0TY00Z0", "icd10pcs"), ("0FY00Z0", "icd10pcs"), ("02YA0Z0", "icd10pcs"),
    ],
)  # fmt: skip
def test_a_transplant_recorded_as_a_procedure_is_immunosuppression(evaluate, code, system):
    decision = evaluate([patient(), NECK_PAIN, procedure(code, system, performed="2019-06-01")])
    assert decision.outcome.value != "not-appropriate"


@pytest.mark.parametrize(
    ("code", "system"),
    [
        ("35301", "cpt"), ("37215", "cpt"), ("66951008", "snomed"),  # carotid endarterectomy, stent
        ("22510", "cpt"), ("22513", "cpt"),  # vertebroplasty, kyphoplasty
        ("182764009", "snomed"), ("174929002", "snomed"),  # anticoagulant therapy, mechanical aortic valve
        ("26294005", "snomed"), ("726430006", "snomed"), ("38724", "cpt"), ("31360", "cpt"),  # cancer operations
    ],
)  # fmt: skip
def test_a_red_flag_s_operation_blocks_the_warning(evaluate, code, system):
    decision = evaluate([patient(), NECK_PAIN, procedure(code, system, performed="2026-11-01")])
    assert decision.outcome.value != "not-appropriate"


@pytest.mark.parametrize(("code", "system"), [("27447", "cpt"), ("60656008", "snomed"), ("0SRC0J9", "icd10pcs")])
def test_other_operations_leave_the_warning(evaluate, code, system):
    # a knee arthroplasty; a corneal transplant (no lifelong immunosuppression); a knee replacement in ICD-10-PCS
    decision = evaluate([patient(), NECK_PAIN, procedure(code, system, performed="2019-06-01")])
    assert (decision.outcome.value, _variants(decision)) == ("not-appropriate", [1])


# -- an order dated before the birth ----------------------------------------------------------------------------
@pytest.mark.parametrize("authored", ["1900-01-01", "1969-12-31", "1950-06"])
def test_an_order_dated_before_the_birth_is_rated_on_the_call_s_day(evaluate, authored):
    decision = evaluate([patient("1970-01-15"), NECK_PAIN], authored=authored)
    assert (decision.outcome.value, _variants(decision)) == ("not-appropriate", [1])


def test_an_order_dated_after_the_birth_keeps_its_date(evaluate):
    # (the neck pain began after the order's day: the order was written before it, nothing for it to rate)
    decision = evaluate([patient("1970-01-15"), NECK_PAIN], authored="2026-11-01")
    assert decision.outcome.value != "not-appropriate"
