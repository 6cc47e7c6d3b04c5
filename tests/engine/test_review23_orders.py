"""Review 23c (orders): codings that contradict each other, codings that cannot be read, and body sites that cannot
be told to be the neck leave an order unrated; codings that refine each other (rules R2-R6) still rate."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.order import live_draft, match_order
from tests.builders import coding, condition, order, order_json, patient
from tests.conftest import TODAY

SNOMED = "http://snomed.info/sct"


def ids(match):
    return None if match is None else {p.id for p in match.procedures}


@pytest.mark.parametrize(
    ("code", "extra"),
    [
        ("72141", ("loinc", "30592-0")),  # MRI without contrast vs CT without contrast
        ("72141", ("loinc", "24937-5")),  # ... vs MRI without and with contrast (LOINC wins by R1)
        ("72125", ("radlex", "RPID487")),  # CT without contrast vs MRI without and with
        ("72040", ("loinc", "30667-0")),  # radiographs vs MRI without contrast
        ("72141", ("snomed", "572061000119104")),  # MRI vs CT (SNOMED)
    ],
)
def test_codings_that_name_different_studies_are_not_rated(knowledge, code, extra):
    assert match_order(order(code, "cpt", extra_codings=[coding(*extra)]), [], knowledge) is None


@pytest.mark.parametrize(
    ("code", "extra", "expected"),
    [
        ("72050", ("loinc", "24945-8"), {"xr-cspine-flexext"}),  # R2: views refine the CPT
        ("78816", ("hcpcs", "A9552"), {"pet-fdg-ct-wb"}),  # R5: the tracer refines the CPT
        ("72141", ("loinc", "30667-0"), {"mr-cspine-wo"}),  # the same study in two systems
    ],
)
def test_control_codings_that_refine_each_other_are_rated(knowledge, code, extra, expected):
    assert ids(match_order(order(code, "cpt", extra_codings=[coding(*extra)]), [], knowledge)) == expected


@pytest.mark.parametrize(
    "extra",
    [
        {"system": "http://loinc.org", "code": "24582-9"},  # MR brachial plexus, no display
        {"system": SNOMED, "code": "241645008"},  # a SNOMED procedure we do not list, no display
    ],
)
def test_an_unlisted_order_coding_without_words_beside_a_listed_one_is_not_rated(knowledge, extra):
    sr = order("72141", "cpt")
    sr.code.coding.append(type(sr.code.coding[0]).model_validate(extra))
    assert match_order(sr, [], knowledge) is None


def test_an_unlisted_order_coding_whose_words_name_another_region_is_not_rated(knowledge):
    sr = order("72141", "cpt")
    sr.code.coding.append(
        type(sr.code.coding[0]).model_validate(
            {"system": "http://loinc.org", "code": "24582-9", "display": "MR Brachial plexus"}
        )
    )
    assert match_order(sr, [], knowledge) is None


def _with_sites(knowledge, *sites):
    sr = order("72141", "cpt")
    sr.bodySite = [CodeableConcept.model_validate(site) for site in sites]
    return match_order(sr, [], knowledge)


NECK = {"coding": [{"system": SNOMED, "code": "122494005", "display": "Cervical spine structure"}]}


@pytest.mark.parametrize(
    "sites",
    [
        [{"coding": [{"system": SNOMED, "code": "122496007"}]}],  # lumbar spine structure, no display
        [{"coding": [{"system": SNOMED, "code": "69536005"}]}],  # head structure, no display
        [NECK, {"text": "Lumbar spine"}],
        [{"text": "Cervical and thoracic spine"}],
        [{"text": "Thyroid"}],
        [{"text": "Soft tissue neck"}],
        [{"text": "Right arm"}],
    ],
)
def test_a_body_site_that_cannot_be_told_to_be_the_neck_is_not_rated(knowledge, sites):
    assert _with_sites(knowledge, *sites) is None


@pytest.mark.parametrize(
    "sites",
    [
        [NECK],
        [{"coding": [{"system": SNOMED, "code": "45048000"}]}],  # neck structure, no display
        [{"text": "C-spine"}],
        [{"text": "Head and neck"}],
        [{"coding": [{"system": SNOMED, "code": "774007", "display": "Structure of head and/or neck"}]}],
    ],
)
def test_control_a_body_site_that_names_the_neck_is_rated(knowledge, sites):
    assert ids(_with_sites(knowledge, *sites)) == {"mr-cspine-wo"}


# -- the order's reasons ---------------------------------------------------------------------------------------
CANCER = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.911"}]}


def _rated(engine, code, **reasons):
    draft = order_json(code, "cpt") | reasons
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(draft)], chart, today=TODAY)
    return decision


def _contained(code):
    return {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/pat-1"}, "code": code}


@pytest.mark.parametrize(
    "reasons",
    [
        {"reasonReference": [{"display": "Metastatic breast cancer"}]},
        {"contained": [_contained(CANCER)], "reasonReference": [{"reference": "#c1"}]},
    ],
)
def test_a_reason_given_by_display_or_as_a_contained_condition_is_read(engine, reasons):
    decision = _rated(engine, "72141", **reasons)
    assert [v.number for v in decision.variants] == [5]  # the cancer: MRI is appropriate, no warning
    assert decision.outcome.pama_rating != "not-appropriate"


@pytest.mark.parametrize(
    "reasons",
    [
        {"reasonReference": [{"reference": "#nope"}]},
        {"reasonReference": [{"reference": "Observation/o-1"}]},
        {"reasonReference": [{"reference": "Condition/not-in-the-chart"}]},
        {"reasonReference": [{"identifier": {"value": "dx-1"}}]},
        {"reasonCode": [{"coding": [{"system": "urn:oid:1.2.840.114350.1.13", "code": "X9"}]}]},
        {"reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "neck pain"}]}]},
    ],
)
def test_a_reason_that_cannot_be_read_makes_the_decision_insufficient(engine, reasons):
    decision = _rated(engine, "72141", **reasons)
    assert decision.outcome.pama_rating is None
    assert any("the order's reason" in reason for reason in decision.reasons)


@pytest.mark.parametrize(
    "reasons",
    [
        {"reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "R51.9"}]}]},
        {"reasonReference": [{"display": "Neck pain"}]},
        {"contained": [_contained({"text": "neck pain"})], "reasonReference": [{"reference": "#c1"}]},
    ],
)
def test_control_a_readable_reason_that_names_no_red_flag_still_warns(engine, reasons):
    assert _rated(engine, "72141", **reasons).outcome.pama_rating == "not-appropriate"


@pytest.mark.parametrize("status", ["revoked", "entered-in-error", "completed", "unknown", "cancelled"])
def test_a_draft_that_is_not_being_placed_is_no_live_draft(knowledge, status):
    assert not live_draft(ServiceRequest.model_validate(order_json("72141", "cpt") | {"status": status}), knowledge)


@pytest.mark.parametrize("status", ["draft", "active", "on-hold"])
def test_control_a_draft_active_or_held_order_is_a_live_draft(knowledge, status):
    assert live_draft(ServiceRequest.model_validate(order_json("72141", "cpt") | {"status": status}), knowledge)


def test_a_contained_condition_no_reference_names_is_read_as_the_orders_context(engine):
    decision = _rated(engine, "72141", contained=[_contained(CANCER)])
    assert [v.number for v in decision.variants] == [5]
