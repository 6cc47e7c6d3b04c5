"""Policy §6: rating per candidate, the UNA-in-every-candidate rule, alternatives and contraindications."""

from __future__ import annotations

from cds_service.engine import Outcome
from tests.builders import allergy, condition, device, observation, patient, procedure

ACUTE = "2026-11-07"
CHRONIC = "2025-06-01"


def alternative_ids(decision):
    return [a.procedure.id for a in decision.alternatives]


def test_policy_6_una_in_the_only_candidate_is_not_appropriate(evaluate):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE)], "72125")  # CT w/o in variant 1
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert [(r.variant.number, r.rating.category.code) for r in d.ratings] == [(1, "UNA")]
    assert alternative_ids(d) == ["xr-cspine"]


def test_policy_6_una_in_one_candidate_only_is_not_a_warning(evaluate):
    d = evaluate([patient(), condition("M54.2")], "72141")  # MRI w/o: UNA in V1, MBA in V7
    assert d.outcome is Outcome.APPROPRIATE
    assert {r.variant.number: r.rating.category.code for r in d.ratings} == {1: "UNA", 7: "MBA"}


def test_policy_6_una_in_every_candidate(evaluate):
    d = evaluate([patient(), condition("M54.2")], "72125")  # CT w/o: UNA in V1 and V7
    assert d.outcome is Outcome.NOT_APPROPRIATE


def test_policy_6_not_rated_in_a_candidate_is_never_una(evaluate):
    # Discography: UNA in V8, not rated in V2. Radiculopathy of unknown duration -> {V2, V8}.
    d = evaluate([patient(), condition("M54.12")], "37192-2", "loinc")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY
    assert any("does not rate" in r for r in d.reasons)


def test_policy_6_procedure_rated_in_no_candidate(evaluate):
    chart = [patient(), condition("M54.2", onset=ACUTE)]
    d = evaluate(chart, "78816", reasons=[("icd10cm", "M54.2")])  # PET/CT in variant 1
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


def test_policy_6_ambiguous_order_warns_only_if_every_reading_is_una(evaluate):
    chart = [patient(), condition("C50.911"), condition("M54.2")]
    tracer_unknown = evaluate(chart, "78816", reasons=[("icd10cm", "M54.2")])  # FDG MBA / fluoride UNA in V5
    assert tracer_unknown.outcome is Outcome.APPROPRIATE
    assert {r.rating.category.code for r in tracer_unknown.ratings} == {"MBA", "UNA"}
    assert evaluate(chart, "72050").outcome is Outcome.NOT_APPROPRIATE  # radiographs UNA in V5


def test_policy_6_alternatives_ranked_by_worst_category_then_acr_order(evaluate):
    d = evaluate([patient(), condition("M54.12")], "72126")  # CT with contrast, {V2, V8}
    # MRI w/o: MBA (V2) / UA (V8) -> worst MBA; radiographs MBA / MBA-D -> worst MBA-D
    assert alternative_ids(d)[:2] == ["mr-cspine-wo", "xr-cspine"]
    assert d.recommended.worst.code == "MBA"


def test_policy_6_alternatives_are_rated_in_every_candidate(evaluate):
    d = evaluate([patient(), condition("M54.12")], "72126")
    assert "ct-cspine-wo" not in alternative_ids(d)  # UNA in V2


def test_policy_6_variant_5_alternatives(evaluate):
    d = evaluate([patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE)], "72040")
    assert alternative_ids(d) == ["mr-cspine-wow", "mr-cspine-wo", "ct-cspine-w", "ct-cspine-wo", "pet-fdg-ct-wb"]


def test_policy_6_mri_unsafe_device_removes_mri(evaluate):
    chart = [patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE), device("Cardiac pacemaker")]
    d = evaluate(chart, "72040")
    assert alternative_ids(d) == ["ct-cspine-w", "ct-cspine-wo", "pet-fdg-ct-wb"]
    assert {e.procedure.id for e in d.exclusions} == {"mr-cspine-wow", "mr-cspine-wo"}
    assert {e.contraindication for e in d.exclusions} == {"mri-unsafe"}


def test_policy_6_gadolinium_allergy_removes_contrast_mri_only(evaluate):
    chart = [patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE), allergy("Gadobutrol")]
    assert alternative_ids(evaluate(chart, "72040"))[:2] == ["mr-cspine-wo", "ct-cspine-w"]


def test_policy_6_low_egfr_removes_contrast_mri(evaluate):
    chart = [
        patient(),
        condition("Z85.3"),
        condition("M54.12", onset=ACUTE),
        observation("62238-1", 22, "mL/min/{1.73_m2}", when="2026-10-01"),
    ]
    assert alternative_ids(evaluate(chart, "72040"))[0] == "mr-cspine-wo"


def test_policy_6_iodinated_contrast_allergy_removes_ct_with_contrast(evaluate):
    chart = [
        patient(),
        condition("Z85.3"),
        condition("M54.12", onset=ACUTE),
        device("pacemaker"),
        allergy("Iohexol (iodinated contrast)"),
    ]
    assert alternative_ids(evaluate(chart, "72040")) == ["ct-cspine-wo", "pet-fdg-ct-wb"]


def test_policy_6_unnamed_contrast_allergy_removes_both_kinds(evaluate):
    chart = [patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE), allergy("Contrast media")]
    assert alternative_ids(evaluate(chart, "72040")) == ["mr-cspine-wo", "ct-cspine-wo", "pet-fdg-ct-wb"]


def test_policy_6_iv_dye_names_no_agent_so_both_contrast_classes_go(evaluate):
    # (it was read as iodinated contrast, and MRI with gadolinium stayed first: a twenty-ninth review)
    chart = [patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE), allergy("IV contrast dye")]
    assert alternative_ids(evaluate(chart, "72040")) == ["mr-cspine-wo", "ct-cspine-wo", "pet-fdg-ct-wb"]


def test_policy_6_a_named_iodinated_agent_leaves_gadolinium(evaluate):
    chart = [patient(), condition("Z85.3"), condition("M54.12", onset=ACUTE), allergy("Omnipaque")]
    assert alternative_ids(evaluate(chart, "72040"))[:2] == ["mr-cspine-wow", "mr-cspine-wo"]


def test_policy_6_nothing_left_is_said_not_replaced_by_something_unsafe(evaluate):
    # V6 rates only MRI w/o above UNA; with a pacemaker nothing can be suggested.
    chart = [patient(), condition("G44.86", verification="provisional"), condition("Z95.0")]
    d = evaluate(chart, "72040")
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert d.alternatives == ()
    assert [e.procedure.id for e in d.exclusions] == ["mr-cspine-wo"]


def test_policy_7_mba_with_a_ua_alternative_offers_the_better_study(evaluate):
    d = evaluate([patient(), condition("M54.12", onset=CHRONIC)], "72040")  # radiographs MBA-D in V8
    assert d.outcome is Outcome.APPROPRIATE and d.better_alternative
    assert alternative_ids(d) == ["mr-cspine-wo"]


def test_policy_7_ua_order_has_no_alternative(evaluate):
    d = evaluate([patient(), condition("M54.12", onset=CHRONIC)], "72141")
    assert (d.outcome, d.alternatives, d.better_alternative) == (Outcome.APPROPRIATE, (), False)


def test_policy_7_mba_without_anything_better(evaluate):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE)], "72040")  # radiographs MBA in V1, nothing UA
    assert (d.outcome, d.better_alternative) == (Outcome.APPROPRIATE, False)


def test_policy_6_variant_3_after_acdf(evaluate):
    chart = [patient(), procedure("22551"), condition("M54.12", onset="2026-10-20")]
    d = evaluate(chart, "72126")
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert alternative_ids(d)[:4] == ["xr-cspine", "xr-cspine-flexext", "mr-cspine-wo", "ct-cspine-wo"]


def test_not_cervical_imaging_gets_no_rating(evaluate):
    d = evaluate([patient(), condition("M54.2")], "71046")
    assert d.outcome is Outcome.NOT_APPLICABLE and d.outcome.pama_rating is None


def test_pama_rating_codes(evaluate):
    chart = [patient(), condition("M54.2", onset=ACUTE)]
    assert evaluate(chart, "72125").outcome.pama_rating == "not-appropriate"
    assert evaluate(chart, "72040").outcome.pama_rating == "appropriate"
    assert evaluate([patient(), condition("M47.12")], "72040").outcome.pama_rating == "no-criteria-apply"
    assert evaluate([patient()], "72040").outcome.pama_rating is None
