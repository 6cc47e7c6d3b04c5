"""Policy §2-§3: what counts as evidence (statuses, reason codes, prefixes, units, look-back)."""

from __future__ import annotations

import pytest

from cds_service.engine.facts import build_facts
from cds_service.engine.recognise import recognise
from tests.builders import condition, device, observation, order, patient, procedure
from tests.conftest import TODAY


@pytest.fixture
def facts(engine, knowledge):
    def run(resources, sr=None):
        sr = sr or order()
        chart = engine.read_chart(resources, [sr], TODAY)
        return build_facts(recognise(chart, sr, TODAY, knowledge, engine.reader), TODAY, knowledge)

    return run


def ids(facts):
    return {f.id for f in facts.findings}


# -- §2 Condition statuses ----------------------------------------------------------------------------
@pytest.mark.parametrize("clinical", ["active", "recurrence", "relapse", None])
def test_policy_2_current_clinical_status_counts(facts, clinical):
    assert "neck-pain" in ids(facts([patient(), condition("M54.2", clinical=clinical)]))


@pytest.mark.parametrize("clinical", ["resolved", "inactive", "remission"])
def test_policy_2_resolved_conditions_do_not_count(facts, clinical):
    assert "neck-pain" not in ids(facts([patient(), condition("M54.2", clinical=clinical)]))


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_policy_2_refuted_or_erroneous_conditions_are_ignored(facts, verification):
    assert ids(facts([patient(), condition("C50.911", verification=verification)])) == set()


def test_policy_2_resolved_malignancy_counts_as_history(facts):
    assert "malignancy" in ids(facts([patient(), condition("C50.911", clinical="resolved")]))


def test_policy_2_provisional_malignancy_is_not_known_malignancy(facts):
    found = facts([patient(), condition("C50.911", verification="provisional")])
    assert ids(found) == set()
    assert [(f.id, f.doubt) for f in found.blocking] == [("malignancy", "suspected")]


def test_policy_2_provisional_infection_is_suspected_infection(facts):
    found = facts([patient(), condition("M46.22", verification="differential")])
    (infection,) = found.with_role("infection")
    assert infection.doubt == "suspected"


def test_policy_2_reason_code_counts_as_active_condition(facts):
    found = facts([patient()], order(reasons=[("icd10cm", "M54.12")]))
    (finding,) = found.findings
    assert finding.id == "radiculopathy"
    assert finding.evidence[0].reference == "ServiceRequest/order-1"


def test_policy_2_reason_reference_counts_even_if_the_condition_is_marked_resolved(facts):
    chart = [patient(), condition("M54.2", clinical="resolved", cid="c-neck")]
    assert "neck-pain" in ids(facts(chart, order(reason_refs=["Condition/c-neck"])))


def test_policy_2_reason_reference_missing_from_the_chart_is_a_problem(facts):
    found = facts([patient()], order(reason_refs=["Condition/nowhere"]))
    assert any("Condition/nowhere" in p for p in found.problems)


# -- §2 code matching ---------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["M50.122", "m50.122", "M50122", "M50.1"])
def test_policy_2_icd_prefix_matching_normalises_dots_and_case(facts, code):
    assert "radiculopathy" in ids(facts([patient(), condition(code)]))


def test_policy_3_non_melanoma_skin_cancer_is_not_malignancy(facts):
    assert "malignancy" not in ids(facts([patient(), condition("C44.91")]))
    assert "malignancy" in ids(facts([patient(), condition("C43.9")]))
    assert "malignancy" in ids(facts([patient(), condition("Z85.3")]))
    assert "malignancy" not in ids(facts([patient(), condition("Z85.828")]))


def test_policy_3_range_pattern_covers_the_whole_block(facts):
    assert "malignancy" in ids(facts([patient(), condition("C96.4")]))
    assert "malignancy" not in ids(facts([patient(), condition("D03.9")]))


def test_policy_3_snomed_codes_match_exactly(facts):
    assert "radiculopathy" in ids(facts([patient(), condition("54404000", "snomed")]))
    assert "radiculopathy" not in ids(facts([patient(), condition("128196005", "snomed")]))  # lumbar


def test_unknown_code_system_is_ignored(facts):
    assert ids(facts([patient(), condition("M54.2", "http://example.org/local")])) == set()


# -- §2 Observations ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "fever"),
    [(38.0, "Cel", True), (37.9, "Cel", False), (100.4, "[degF]", True), (100.2, "[degF]", False)],
)
def test_policy_2_temperature_in_celsius_or_fahrenheit(facts, value, unit, fever):
    assert ("fever" in ids(facts([patient(), observation("8310-5", value, unit)]))) is fever


@pytest.mark.parametrize(
    ("value", "unit", "elevated"),
    [(11, "mg/L", True), (9.9, "mg/L", False), (1.2, "mg/dL", True), (0.9, "mg/dL", False)],
)
def test_policy_2_crp_in_mg_per_l_or_mg_per_dl(facts, value, unit, elevated):
    assert ("elevated-inflammatory-marker" in ids(facts([patient(), observation("1988-5", value, unit)]))) is elevated


@pytest.mark.parametrize(
    ("loinc", "value", "unit"), [("1988-5", 10, "mg/L"), ("4537-7", 30, "mm/h"), ("8310-5", 38.0, "Cel")]
)
def test_policy_10_a_value_at_the_threshold_is_borderline(facts, loinc, value, unit):
    (finding,) = facts([patient(), observation(loinc, value, unit)]).findings
    assert finding.doubt == "uncertain"  # it may block (a red flag), never enable (suspected infection)


@pytest.mark.parametrize(
    ("value", "unit", "elevated"),
    [(12, "10*3/uL", True), (12, "10*9/L", True), (10.5, "10*9/L", False), (12500, "/uL", True)],
)
def test_policy_2_wbc_units(facts, value, unit, elevated):
    assert ("elevated-inflammatory-marker" in ids(facts([patient(), observation("6690-2", value, unit)]))) is elevated


def test_policy_2_esr_threshold(facts):
    assert "elevated-inflammatory-marker" in ids(facts([patient(), observation("4537-7", 31, "mm/h")]))
    assert "elevated-inflammatory-marker" not in ids(facts([patient(), observation("4537-7", 29, "mm/h")]))


def test_policy_2_interpretation_flag_counts_as_elevated(facts):
    obs = observation("1988-5", 5, "mg/L", interpretation="H")
    assert "elevated-inflammatory-marker" in ids(facts([patient(), obs]))


def test_policy_2_value_above_reference_range_counts_for_unknown_units(facts):
    obs = observation("76485-2", 120, "nmol/L", high=76)
    assert "elevated-inflammatory-marker" in ids(facts([patient(), obs]))


def test_a_value_beyond_64_bit_integers_is_still_read(facts):
    found = facts([patient(), observation("1988-5", 2**70, "mg/L")])  # e.g. parsed by the standard library
    assert "elevated-inflammatory-marker" in ids(found)
    assert not found.problems


def test_policy_10_unconvertible_unit_is_doubtful_not_guessed(facts):
    found = facts([patient(), observation("1988-5", 50, "furlongs")])
    (finding,) = found.findings
    assert (finding.id, finding.doubt) == ("elevated-inflammatory-marker", "uncertain")
    assert "not convertible" in finding.evidence[0].note


def test_policy_2_human_unit_string_without_ucum_code(facts):
    assert "fever" in ids(facts([patient(), observation("8310-5", 101.0, "°F", ucum=False)]))


@pytest.mark.parametrize(("when", "counts"), [("2026-11-07", True), ("2026-11-06", False)])
def test_policy_2_observations_count_within_14_days(facts, when, counts):
    assert ("fever" in ids(facts([patient(), observation("8310-5", 39.0, "Cel", when=when)]))) is counts


@pytest.mark.parametrize("when", ["2026-11-22", "2027-05-01", "0001-01-01"])
def test_policy_10_a_value_past_the_threshold_with_an_impossible_date_is_doubtful(facts, when):
    # a date after the order or a sentinel is an unknown date (it was dropped, or read as long ago): the fever may be
    # today's, so it blocks as a doubtful red flag, and never counts as certain (no suspected infection from it)
    (finding,) = facts([patient(), observation("8310-5", 39.4, "Cel", when=when)]).findings
    assert (finding.id, finding.doubt) == ("fever", "uncertain")
    assert "no usable date" in finding.evidence[0].note


@pytest.mark.parametrize(
    ("status", "counts"),
    [("final", True), ("preliminary", True), ("amended", True), ("cancelled", False), ("entered-in-error", False)],
)
def test_policy_2_observation_status(facts, status, counts):
    assert ("fever" in ids(facts([patient(), observation("8310-5", 39.0, "Cel", status=status)]))) is counts


# -- §2 Procedures, age, contraindications -----------------------------------------------------------------
def test_policy_2_completed_cervical_procedure_before_the_order_is_prior_surgery(facts):
    found = facts([patient(), procedure("22551")])
    assert [(f.id, f.doubt) for f in found.with_role("prior-surgery")] == [("prior-surgery", None)]
    assert not found.widened


@pytest.mark.parametrize("kwargs", [{"status": "in-progress"}, {"performed": "2026-12-01"}])
def test_policy_2_planned_or_later_procedures_do_not_count(facts, kwargs):
    assert not facts([patient(), procedure("22551", **kwargs)]).with_role("prior-surgery")


def test_policy_3_icd10_pcs_prefix_and_diagnostic_exclusion(facts):
    assert facts([patient(), procedure("0RG10A0", "icd10pcs")]).with_role("prior-surgery")
    assert not facts([patient(), procedure("0RB30ZX", "icd10pcs")]).with_role("prior-surgery")


def test_policy_3_lumbar_laminectomy_is_not_cervical_surgery(facts):
    assert not facts([patient(), procedure("63047")]).with_role("prior-surgery")


def test_policy_3_arthrodesis_status_is_possible_surgery(facts):
    found = facts([patient(), condition("Z98.1")])
    assert not found.with_role("prior-surgery")
    assert [f.id for f in found.widened] == ["prior-surgery-possible"]


def test_policy_2_child_is_out_of_scope(facts):
    found = facts([patient("2012-03-01"), condition("M54.2")])
    assert "pediatric" in ids(found)


def test_policy_2_eighteenth_birthday_is_adult(facts):
    assert "pediatric" not in ids(facts([patient("2008-11-21"), condition("M54.2")]))
    assert "pediatric" in ids(facts([patient("2008-11-22"), condition("M54.2")]))


def test_policy_2_missing_birth_date_is_a_problem(facts):
    assert facts([patient(None), condition("M54.2")]).problems


def test_contraindication_from_device_text(facts):
    found = facts([patient(), device("Dual-chamber pacemaker")])
    assert [c.id for c in found.contraindications] == ["mri-unsafe"]


def test_an_inactive_device_is_still_a_contraindication(facts):
    # inactive: no longer used, perhaps left in (an abandoned lead): a contraindication only removes a suggestion
    found = facts([patient(), device("Dual-chamber pacemaker", status="inactive")])
    assert [c.id for c in found.contraindications] == ["mri-unsafe"]


def test_a_device_entered_in_error_is_no_contraindication(facts):
    assert not facts([patient(), device("Dual-chamber pacemaker", status="entered-in-error")]).contraindications


def test_low_egfr_is_a_gadolinium_contraindication(facts):
    found = facts([patient(), observation("62238-1", 24, "mL/min/{1.73_m2}")])
    assert [c.id for c in found.contraindications] == ["gadolinium-contraindicated"]


def test_invalid_relevant_resource_is_a_problem_not_a_crash(facts):
    bad = condition("M54.2", onset="not-a-date")
    found = facts([patient(), bad])
    assert any(bad["id"] in p for p in found.problems)


def test_irrelevant_resources_are_not_validated(engine):
    junk = {
        "resourceType": "Condition",
        "id": "junk",
        "code": {"coding": [{"system": "x", "code": "y"}]},
        "onsetDateTime": "garbage",
    }
    chart = engine.read_chart([junk], [order()], TODAY)
    assert chart.problems == []
