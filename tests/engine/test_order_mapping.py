"""Order code -> procedure(s): direct codes, specificity (R1) and the ambiguity rules R2-R9."""

from __future__ import annotations

import pytest

from cds_service.engine.order import match_order
from tests.builders import coding, order


def ids(match):
    return None if match is None else {p.id for p in match.procedures}


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        ("cpt", "72141", {"mr-cspine-wo"}),
        ("cpt", "72156", {"mr-cspine-wow"}),
        ("loinc", "30667-0", {"mr-cspine-wo"}),
        ("radlex", "RPID487", {"mr-cspine-wow"}),
        ("snomed", "572061000119104", {"ct-cspine-wo"}),
        ("cpt", "70498", {"cta-neck"}),
        ("loinc", "24934-2", {"ct-myelo-cspine"}),
        ("loinc", "24945-8", {"xr-cspine-flexext"}),
        ("loinc", "81552-2", {"pet-naf-ct-wb"}),
        ("cpt", "78306", {"nm-bone-wb-spect"}),
    ],
)
def test_direct_codes(knowledge, system, code, expected):
    assert ids(match_order(order(code, system), [], knowledge)) == expected


def test_oid_system_alias_is_accepted(knowledge):
    assert ids(match_order(order("72141", "urn:oid:2.16.840.1.113883.6.12"), [], knowledge)) == {"mr-cspine-wo"}


@pytest.mark.parametrize(
    ("system", "code", "expected"),
    [
        ("cpt", "72141-26", {"mr-cspine-wo"}),  # professional component
        ("cpt", "72141 TC", {"mr-cspine-wo"}),  # technical component
        ("cpt", "72141TC", {"mr-cspine-wo"}),
        ("cpt", "72156-59-76", {"mr-cspine-wow"}),
        ("cpt", "72040-LT", {"xr-cspine"}),
    ],
)
def test_billing_modifier_suffix_is_dropped(knowledge, system, code, expected):
    assert ids(match_order(order(code, system), [], knowledge)) == expected


@pytest.mark.parametrize("code", ["7214126", "72141-2", "72141-26-TC-50-59-76", "721411"])
def test_code_that_is_not_a_code_and_modifiers_is_not_rated(knowledge, code):
    assert match_order(order(code, "cpt"), [], knowledge) is None


def test_not_cervical_imaging_is_not_applicable(knowledge):
    assert match_order(order("72148", "cpt"), [], knowledge) is None  # MRI lumbar spine
    assert match_order(order("71046", "cpt"), [], knowledge) is None  # chest radiograph
    assert match_order(order(None), [], knowledge) is None  # code still being filled in


def test_multi_region_myelogram_is_not_rated_as_cervical(knowledge):
    assert match_order(order("62305", "cpt"), [], knowledge) is None


def test_r1_loinc_wins_over_cpt(knowledge):
    sr = order("72050", "cpt", extra_codings=[coding("loinc", "24945-8")])
    assert ids(match_order(sr, [], knowledge)) == {"xr-cspine-flexext"}


def test_r1_disagreeing_codes_of_equal_specificity_are_both_kept(knowledge):
    sr = order("30667-0", "loinc", extra_codings=[coding("radlex", "RPID487")])
    assert ids(match_order(sr, [], knowledge)) == {"mr-cspine-wo", "mr-cspine-wow"}


def test_r2_view_count_cpt_is_plain_radiography(knowledge):
    assert ids(match_order(order("72050", "cpt"), [], knowledge)) == {"xr-cspine"}


def test_r2_flexion_extension_text_refines_cpt(knowledge):
    sr = order("72050", "cpt", text="XR C-spine 4 views incl. flexion/extension")
    assert ids(match_order(sr, [], knowledge)) == {"xr-cspine-flexext"}


def test_r3_72126_is_ct_with_iv_contrast_by_default(knowledge):
    assert ids(match_order(order("72126", "cpt"), [], knowledge)) == {"ct-cspine-w"}


def test_r3_72126_with_myelo_text_is_ct_myelography(knowledge):
    sr = order("72126", "cpt", text="CT C-spine post myelogram")
    assert ids(match_order(sr, [], knowledge)) == {"ct-myelo-cspine"}


def test_r3_72126_with_sibling_intrathecal_injection_is_ct_myelography(knowledge):
    sr = order("72126", "cpt")
    sibling = order("62284", "cpt", oid="order-2")
    assert ids(match_order(sr, [sr, sibling], knowledge)) == {"ct-myelo-cspine"}


def test_r4_myelography_codes(knowledge):
    assert ids(match_order(order("62302", "cpt"), [], knowledge)) == {"rf-myelo-cspine"}
    cervical = order("62284", "cpt", text="Myelography injection, cervical")
    assert ids(match_order(cervical, [], knowledge)) == {"rf-myelo-cspine", "ct-myelo-cspine"}


def test_policy_10_a_level_less_injection_needs_the_cervical_spine_named(knowledge):
    alone = match_order(order("62284", "cpt"), [], knowledge)
    assert alone is not None and alone.needs_neck_reason  # rated only if the order's reason is a neck indication
    with_cervical_ct = [order("72126", "cpt", oid="ct")]
    named = match_order(order("62284", "cpt"), with_cervical_ct, knowledge)
    assert ids(named) == {"rf-myelo-cspine", "ct-myelo-cspine"} and not named.needs_neck_reason
    with_lumbar_ct = [order("72132", "cpt", oid="ct")]
    assert match_order(order("62284", "cpt"), with_lumbar_ct, knowledge) is None


def test_policy_10_a_level_less_code_is_rated_with_a_neck_reason(evaluate):
    from cds_service.engine import Outcome
    from tests.builders import patient

    assert evaluate([patient()], "72020").outcome is Outcome.NOT_APPLICABLE
    with_reason = evaluate([patient()], "72020", reasons=[("icd10cm", "M54.2")])
    assert with_reason.outcome is Outcome.APPROPRIATE


def test_r5_pet_ct_without_tracer_is_both_fdg_and_fluoride(knowledge):
    assert ids(match_order(order("78816", "cpt"), [], knowledge)) == {"pet-fdg-ct-wb", "pet-naf-ct-wb"}


def test_r5_tracer_hcpcs_resolves_pet_ct(knowledge):
    fdg = order("78816", "cpt", extra_codings=[coding("hcpcs", "A9552")])
    naf = order("78816", "cpt", extra_codings=[coding("hcpcs", "A9580")])
    assert ids(match_order(fdg, [], knowledge)) == {"pet-fdg-ct-wb"}
    assert ids(match_order(naf, [], knowledge)) == {"pet-naf-ct-wb"}


def test_r5_tracer_text_resolves_pet_ct(knowledge):
    sr = order("78815", "cpt", text="FDG PET/CT skull base to mid-thigh")
    assert ids(match_order(sr, [], knowledge)) == {"pet-fdg-ct-sbmt"}


def test_r6_tracer_agnostic_nm_codes(knowledge):
    assert ids(match_order(order("78803", "cpt"), [], knowledge)) == {"nm-bone-wb-spect", "nm-gallium-wb", "nm-wbc-wb"}
    gallium = order("78802", "cpt", extra_codings=[coding("hcpcs", "A9556")])
    assert ids(match_order(gallium, [], knowledge)) == {"nm-gallium-wb"}
    wbc = order("78802", "cpt", text="Indium-111 labelled WBC scan")
    assert ids(match_order(wbc, [], knowledge)) == {"nm-wbc-wb"}


def test_r7_pet_with_sibling_mri_is_pet_mri(knowledge):
    pet = order("78813", "cpt")
    mri = order("72156", "cpt", oid="order-2")
    assert ids(match_order(pet, [pet, mri], knowledge)) == {"pet-fdg-mr-wb"}
    assert match_order(pet, [pet], knowledge) is None  # PET alone is not one of the procedures


def test_r7_pet_mri_from_local_text(knowledge):
    sr = order("LOCAL-123", "http://hospital.example/codes", text="FDG PET/MR whole body")
    assert ids(match_order(sr, [], knowledge)) == {"pet-fdg-mr-wb"}


def test_r9_unspecified_contrast_is_any_contrast(knowledge):
    assert ids(match_order(order("24935-9", "loinc"), [], knowledge)) == {
        "mr-cspine-wo",
        "mr-cspine-w",
        "mr-cspine-wow",
    }


def test_evaluate_rates_an_order_with_the_siblings_it_is_given(engine):
    # the replay evaluates the day's rated orders with all of the day's orders beside them, as a hook call does
    pet = order("78813", "cpt", reasons=[("icd10cm", "M54.12")])
    mri = order("70551", "cpt", oid="order-2")
    chart = [{"resourceType": "Patient", "id": "pat-1", "birthDate": "1970-01-01"}]
    (alone,) = engine.evaluate([pet], chart)
    (beside,) = engine.evaluate([pet], chart, siblings=[pet, mri])
    assert alone.match is None or not alone.match.procedures
    assert ids(beside.match) == {"pet-fdg-mr-wb"} == ids(engine.evaluate([pet, mri], chart)[0].match)
