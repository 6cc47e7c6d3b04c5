"""Coded charts a twenty-first review (2026-12-05) found read wrongly: a code that suggests a cancer without saying
one (a neoplasm of uncertain behaviour or in situ, MGUS, follow-up after a cancer's treatment, a long-term
anti-oestrogen, a raised tumour marker), a myelopathy or bladder code missed, an indication both current and ended
(clinicalStatus active with an abatement), a cancer drug in the medicines (hydroxyurea). Each left variant 1 and an
MRI warned. Controls still warn.

Probe order: 72141 MRI without contrast is Usually Not Appropriate only in V1.
"""

from __future__ import annotations

import pytest

from tests.builders import condition, medicine, patient

ACUTE = "2026-11-10"


def _rate(evaluate, *extra):
    return evaluate([patient(), condition("M54.2", onset=ACUTE), *extra], "72141")


@pytest.mark.parametrize(
    "code",
    [
        "D47.2",  # monoclonal gammopathy
        "D45",  # polycythemia vera
        "D47.1",  # chronic myeloproliferative disease
        "D05.10",  # intraductal carcinoma in situ of breast
        "D48.0",  # neoplasm of uncertain behaviour of bone
        "D49.2",  # neoplasm of unspecified behaviour of bone, soft tissue, skin
        "Z08",  # follow-up after completed treatment of a malignant neoplasm
        "Z92.3",  # personal history of irradiation
        "Z79.810",  # long-term selective oestrogen receptor modulators
        "Z79.811",  # long-term aromatase inhibitors
        "Z86.000",  # personal history of in-situ neoplasm of breast
        "Z86.03",  # personal history of neoplasm of uncertain behaviour
        "R97.20",  # elevated PSA
        "R97.0",  # elevated CEA
        "Z90.11",  # acquired absence of right breast and nipple
    ],
)
def test_a_code_that_suggests_a_cancer_blocks(evaluate, code):
    decision = _rate(evaluate, condition(code))
    assert decision.outcome.value == "no-criteria-apply"
    assert any("Possible malignancy" in reason for reason in decision.reasons)


@pytest.mark.parametrize("code", ["Z51.0", "Z51.12"])  # radiotherapy, antineoplastic immunotherapy encounters
def test_an_encounter_for_cancer_treatment_is_a_malignancy(evaluate, code):
    decision = _rate(evaluate, condition(code))
    assert ([v.number for v in decision.variants], decision.outcome.value) == ([5], "appropriate")


@pytest.mark.parametrize("code", ["Z86.010", "D22.5", "D36.9"])  # colon polyps history, a naevus, a benign neoplasm
def test_control_a_benign_neoplasm_still_warns(evaluate, code):
    assert _rate(evaluate, condition(code)).outcome.value == "not-appropriate"


@pytest.mark.parametrize(
    "code, finding",
    [("M43.3", "myelopathy"), ("M47.01", "myelopathy"), ("R39.14", "neurologic-deficit")],
)
def test_myelopathy_and_bladder_codes_block(evaluate, code, finding):
    decision = _rate(evaluate, condition(code))
    assert decision.outcome.value == "no-criteria-apply"
    assert finding in {f.id for f in decision.findings}


@pytest.mark.parametrize(
    "abatement",
    [{"abatementDateTime": "2026-11-18"}, {"abatementString": "resolved"}, {"abatementPeriod": {"end": "2026-11-18"}}],
)
def test_an_indication_both_active_and_ended_cannot_lead_to_a_warning(evaluate, abatement):
    indication = condition("M54.2", onset="2026-11-15")
    indication.update(abatement)
    decision = evaluate([patient(), indication], "72141")
    assert decision.outcome.value != "not-appropriate"


def test_control_an_active_indication_without_an_abatement_warns(evaluate):
    assert evaluate([patient(), condition("M54.2", onset="2026-11-15")], "72141").outcome.value == "not-appropriate"


def test_a_red_flag_both_active_and_ended_still_blocks(evaluate):
    fever = condition("R50.9")
    fever["abatementDateTime"] = "2026-11-18"
    assert _rate(evaluate, fever).outcome.value == "no-criteria-apply"


@pytest.mark.parametrize("text", ["Hydroxyurea 500 mg capsule", "Hydrea", "Droxia 300 mg"])
def test_hydroxyurea_in_the_medicines_blocks(evaluate, text):
    assert _rate(evaluate, medicine(text)).outcome.value == "no-criteria-apply"


@pytest.mark.parametrize("code", ["Z92.3", "Z79.810", "Z90.11", "D47.2", "R97.20"])
def test_a_code_that_suggests_a_cancer_beside_a_known_cancer_is_still_variant_5(evaluate, code):
    # (review 22: the block outweighed the known bone metastasis; the radiographs' warning was lost)
    chart = [patient(), condition("C79.51"), condition("M54.2", onset=ACUTE), condition(code)]
    decision = evaluate(chart, "72040")
    assert (decision.outcome.value, [v.number for v in decision.variants]) == ("not-appropriate", [5])
