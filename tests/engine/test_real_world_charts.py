"""Policy §10: charts as EHRs really send them. One test (or more) per defect class of the real-world-charts issue."""

from __future__ import annotations

import pytest

from cds_service.engine import Outcome
from tests.builders import allergy, condition, device, observation, patient, procedure

ACUTE = "2026-11-07"
HL7_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
HL7_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
VENDOR = "urn:oid:1.2.840.114350.1.13.0.1.7.4.698084.10"


def variants(decision):
    return [v.number for v in decision.variants]


def vendor_first(resource, element, hl7_system, hl7_code, vendor_code="ACTIVE"):
    resource[element] = {"coding": [{"system": VENDOR, "code": vendor_code}, {"system": hl7_system, "code": hl7_code}]}
    return resource


# -- 1. status codings ------------------------------------------------------------------------------------------------
def test_status_is_read_from_the_hl7_coding_whatever_its_position(evaluate):
    resolved = vendor_first(condition("M54.12", onset=ACUTE), "clinicalStatus", HL7_CLINICAL, "resolved")
    d = evaluate([patient(), resolved, condition("M54.2", onset=ACUTE)], "72141")  # MRI: MBA in V2, UNA in V1
    assert variants(d) == [1] and d.outcome is Outcome.NOT_APPROPRIATE  # the resolved radiculopathy is not read


def test_a_refuted_cancer_behind_a_vendor_coding_is_not_known(evaluate):
    refuted = vendor_first(condition("C50.911"), "verificationStatus", HL7_VERIFICATION, "refuted", "CONFIRMED")
    assert variants(evaluate([patient(), refuted, condition("M54.2", onset=ACUTE)], "72125")) == [1]


@pytest.mark.parametrize(
    "status",
    [
        {"text": "Active"},  # text only
        {"coding": [{"system": VENDOR, "code": "A"}]},  # another system only
        {"coding": [{"system": HL7_CLINICAL, "code": "cured"}]},  # an unknown HL7 code
    ],
)
def test_an_unreadable_status_never_supports_a_warning(evaluate, status):
    neck = condition("M54.2", onset=ACUTE)
    neck["clinicalStatus"] = status
    d = evaluate([patient(), neck], "72125")  # CT: UNA in V1; the only indication has an unknown status
    assert d.outcome is Outcome.INSUFFICIENT_DATA


@pytest.mark.parametrize("status", [{"text": "Active"}, {"coding": [{"system": VENDOR, "code": "A"}]}])
def test_an_unreadable_status_still_blocks_as_a_red_flag(evaluate, status):
    fever = condition("R50.9")
    fever["clinicalStatus"] = status
    d = evaluate([patient(), fever, condition("M54.2", onset=ACUTE)], "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


# -- 2. SNOMED CT as a first-class vocabulary -------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["269062008", "39848009"])  # closed fracture of cervical spine, whiplash
def test_a_recent_snomed_injury_is_recent_trauma(evaluate, code):
    injury = condition(code, "snomed", onset="2026-11-19")
    d = evaluate([patient(), injury, condition("M54.2", onset=ACUTE)], "72125")
    assert (d.outcome, d.routed_to) == (Outcome.NO_CRITERIA_APPLY, ("Suspected Spine Trauma",))


def test_an_old_snomed_injury_is_not_recent(evaluate):
    injury = condition("39848009", "snomed", onset="2024-01-01")
    assert variants(evaluate([patient(), injury, condition("M54.2", onset=ACUTE)], "72125")) == [1]


@pytest.mark.parametrize("code", ["254837009", "93880001"])  # breast cancer, lung cancer
def test_snomed_cancers_are_malignancy(evaluate, code):
    assert variants(evaluate([patient(), condition(code, "snomed"), condition("M54.2")], "72125")) == [5]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("202776005", [2, 8]), ("85216006", [1, 7]), ("279016001", [6]), ("81680005", [1, 7])],
)
def test_snomed_reasons_of_the_sandbox_list_are_read(evaluate, code, expected):
    assert variants(evaluate([patient()], "72040", reasons=[("snomed", code)])) == expected


def test_a_snomed_stroke_is_a_vascular_red_flag(evaluate):
    stroke = condition("230690007", "snomed")  # cerebrovascular accident
    assert evaluate([patient(), stroke, condition("M54.2", onset=ACUTE)], "72125").outcome is Outcome.NO_CRITERIA_APPLY


def test_an_unlisted_code_whose_words_say_nothing_changes_nothing(evaluate):
    seizures = condition("128613002", "snomed")
    seizures["code"]["coding"][0]["display"] = "Seizure disorder"
    d = evaluate([patient(), seizures, condition("M54.2", onset=ACUTE)], "72125")
    assert d.outcome is Outcome.NOT_APPROPRIATE


def test_an_unknown_code_is_read_by_its_display(evaluate):
    local = condition("LOCAL-123", "http://hospital.example.org/codes")
    local["code"]["coding"][0]["display"] = "Closed fracture of C5"
    d = evaluate([patient(), local, condition("M54.2", onset=ACUTE)], "72125")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY and d.routed_to == ("Suspected Spine Trauma",)


# -- 3. external causes -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "onset", "recent"),
    [("V43.52XA", None, True), ("W01.XXXA", None, True), ("V43.52XS", None, False), ("V43.52XD", "2025-01-01", False)],
)
def test_external_cause_codes_are_injury_evidence_with_the_s_code_rules(evaluate, code, onset, recent):
    d = evaluate([patient(), condition(code, onset=onset), condition("M54.2", onset=ACUTE)], "72125")
    assert (d.outcome is Outcome.NO_CRITERIA_APPLY) is recent


# -- 4. vascular red flags --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "system"), [("G45.9", "icd10cm"), ("G90.2", "icd10cm"), ("266257000", "snomed")])
def test_vascular_red_flags_stop_a_warning_on_cta(evaluate, code, system):
    d = evaluate([patient(), condition(code, system, onset="2026-11-20"), condition("M54.2", onset=ACUTE)], "70498")
    assert d.outcome is Outcome.NO_CRITERIA_APPLY


# -- 5. orders that are not cervical studies --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "kwargs"),
    [
        ("72020", {"text": "XR lumbar spine 1 view"}),
        ("78803", {"text": "Parathyroid SPECT sestamibi"}),
        ("72141", {"text": "MRI cervical and thoracic spine"}),
        ("72125", {"text": "CT soft tissue neck"}),
        ("72126", {"text": "CT neck soft tissues w contrast, parotid"}),
        ("72141", {"text": "MRI larynx"}),
        ("78306", {}),  # a bone scan whose reason is not a neck indication
    ],
)
def test_orders_naming_another_region_or_study_are_not_rated(evaluate, code, kwargs):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE)], code, **kwargs)
    assert d.outcome is Outcome.NOT_APPLICABLE


def test_a_whole_body_study_with_a_neck_reason_is_rated(evaluate):
    d = evaluate([patient(), condition("C50.911"), condition("M54.2")], "78306", reasons=[("icd10cm", "M54.2")])
    assert d.outcome is Outcome.NOT_APPROPRIATE and variants(d) == [5]  # bone scan UNA in V5


# -- 6. contraindications from every place they are recorded ----------------------------------------------------------
def _v8(*extra):
    return [patient(), condition("M54.12", onset="2025-01-01"), *extra]  # chronic radiculopathy: MRI is UA


@pytest.mark.parametrize(
    "resource",
    [
        condition("441509002", "snomed"),  # cardiac pacemaker in situ
        condition("Z95.810"),
        procedure("33208", performed="2020-05-01"),  # pacemaker insertion
        procedure("61867", performed="2021-05-01"),  # deep brain stimulator
        device("Deep brain stimulator"),
        device("Vagus nerve stimulator"),
        device("Cochlear implant"),
    ],
)
def test_mr_unsafe_implants_from_any_resource_remove_mri(evaluate, resource):
    d = evaluate(_v8(resource), "72126")  # CT with contrast: UNA in V8
    assert d.outcome is Outcome.NOT_APPROPRIATE
    assert "mr-cspine-wo" not in [a.procedure.id for a in d.alternatives]


@pytest.mark.parametrize("name", ["Gadavist", "Dotarem", "MultiHance", "ProHance", "Eovist", "Omniscan", "Clariscan"])
def test_gadolinium_brand_names(evaluate, name):
    chart = [patient(), condition("C50.911"), condition("M54.2", onset=ACUTE), allergy(name)]
    alternatives = [a.procedure.id for a in evaluate(chart, "72040").alternatives]
    assert "mr-cspine-wow" not in alternatives and "mr-cspine-wo" in alternatives


@pytest.mark.parametrize("name", ["Omnipaque", "Isovue", "Visipaque", "Ultravist", "Optiray", "IV dye"])
def test_iodinated_contrast_brand_names(evaluate, name):
    chart = [patient(), condition("C50.911"), condition("M54.2", onset=ACUTE), allergy(name)]
    assert "ct-cspine-w" not in [a.procedure.id for a in evaluate(chart, "72040").alternatives]


def test_an_allergy_coded_in_rxnorm(evaluate):
    coded = allergy("Contrast") | {
        "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1310171"}]}
    }
    chart = [patient(), condition("C50.911"), condition("M54.2", onset=ACUTE), coded]
    assert "mr-cspine-wow" not in [a.procedure.id for a in evaluate(chart, "72040").alternatives]


def test_a_warning_whose_every_alternative_is_contraindicated_says_so(evaluate):
    chart = [patient(), condition("G44.86", verification="provisional"), device("Deep brain stimulator")]
    d = evaluate(chart, "72040")  # V6 rates only MRI w/o above UNA
    assert d.outcome is Outcome.NOT_APPROPRIATE and d.alternatives == ()
    assert [e.procedure.id for e in d.exclusions] == ["mr-cspine-wo"]


# -- 7. observations --------------------------------------------------------------------------------------------------
def test_a_value_above_the_labs_upper_limit_is_elevated(evaluate):
    chart = [
        patient(),
        condition("M54.2", onset=ACUTE),
        observation("8310-5", 38.4, "Cel"),
        observation("1988-5", 7, "mg/L", high=5),
    ]
    assert variants(evaluate(chart, "72125")) == [4]  # fever + CRP above the lab's limit: suspected infection


def test_a_flag_alone_below_the_temperature_threshold_blocks_but_never_enables(evaluate):
    flagged = observation("8310-5", 37.6, "Cel", interpretation="H")
    chart = [patient(), condition("M54.2", onset=ACUTE), flagged, observation("1988-5", 40, "mg/L")]
    assert evaluate(chart, "72125").outcome is Outcome.NO_CRITERIA_APPLY  # not V4


@pytest.mark.parametrize(
    "egfr",
    [
        observation("33914-3", None, None) | {"valueString": "<15"},
        observation("33914-3", 40, "furlongs"),
    ],
)
def test_an_unreadable_egfr_drops_contrast_alternatives_and_keeps_the_rating(evaluate, egfr):
    chart = [patient(), condition("C50.911"), condition("M54.2", onset=ACUTE), egfr]
    d = evaluate(chart, "72040")
    assert d.outcome is Outcome.NOT_APPROPRIATE
    alternatives = [a.procedure.id for a in d.alternatives]
    assert "mr-cspine-wow" not in alternatives and "mr-cspine-wo" in alternatives


# -- 8. dates ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [{"onset": "2027-03-01"}, {"onset": "0001-01-01"}, {"onset": "1800-01-01"}, {"onset_age": (19850, "a")}],
)
def test_an_impossible_onset_is_an_unknown_onset(evaluate, kwargs):
    d = evaluate([patient(), condition("M54.2", **kwargs)], "72141")
    assert variants(d) == [1, 7]  # both durations stay candidates


def test_a_sentinel_order_date_is_no_date(evaluate):
    d = evaluate([patient(), condition("M54.2", onset=ACUTE)], "72125", authored="0001-01-01T00:00:00Z")
    assert d.order_date.isoformat() == "2026-11-21" and variants(d) == [1]


def test_an_onset_before_birth_is_unknown(evaluate):
    d = evaluate([patient("1990-01-01"), condition("M54.2", onset="1985-01-01")], "72141")
    assert variants(d) == [1, 7]
