"""An order that contradicts itself is not rated (policy §10), found by a twenty-first review (2026-12-05): a CPT
code for one study with words for another kind of imaging (an MRI's code with code.text "XR CERVICAL SPINE 2-3
VIEWS", or an Epic order code's display beside it), or a body site naming another region. Each was rated by its CPT
code: a warning that the MRI is not appropriate, suggesting the radiographs the order's words already asked for.
Controls: words of the code's own kind, every code system's own display (the suggested codings'), a cervical body
site, still rate the order.
"""

from __future__ import annotations

import pytest
from fhir.resources.R4B.codeableconcept import CodeableConcept

from cds_service.engine.order import match_order
from tests.builders import condition, order, patient

EPIC_ORDER = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"


def _match(knowledge, code: str, *, text: str | None = None, display: str | None = None, **elements):
    sr = order(code, text=text)
    if display:
        sr.code.coding[0].display = display
    for name, value in elements.items():
        setattr(sr, name, value)
    return match_order(sr, [sr], knowledge)


@pytest.mark.parametrize(
    "code, text",
    [
        ("72141", "XR CERVICAL SPINE 2-3 VIEWS"),
        ("72141", "X-ray c-spine"),
        ("72141", "CT C-SPINE WO CONTRAST"),
        ("72040", "MRI CERVICAL SPINE W WO CONTRAST"),
        ("72040", "CT cervical spine"),
        ("72125", "MR C SPINE WO"),
        ("72125", "US neck soft tissue ultrasound"),
        ("72156", "Myelogram cervical"),
    ],
)
def test_a_code_with_words_of_another_kind_of_imaging_is_not_rated(knowledge, code, text):
    assert _match(knowledge, code, text=text) is None


def test_a_code_whose_display_names_another_kind_of_imaging_is_not_rated(knowledge):
    assert _match(knowledge, "72141", display="XR SPINE CERVICAL 2 OR 3 VIEWS") is None


def test_a_vendor_coding_beside_the_code_naming_another_kind_is_not_rated(knowledge):
    sr = order("72141", extra_codings=[{"system": EPIC_ORDER, "code": "IMG123", "display": "XR SPINE CERVICAL 2-3 VW"}])
    assert match_order(sr, [sr], knowledge) is None


@pytest.mark.parametrize(
    "site",
    [
        {"coding": [{"system": "http://snomed.info/sct", "code": "122496007", "display": "Lumbar spine structure"}]},
        {"text": "Thoracic spine"},
        {"text": "L shoulder"},
    ],
)
def test_a_body_site_naming_another_region_is_not_rated(knowledge, site):
    assert _match(knowledge, "72141", bodySite=[CodeableConcept.model_validate(site)]) is None


@pytest.mark.parametrize(
    "code, text",
    [
        ("72141", "MRI C-SPINE WO CONTRAST"),
        ("72156", "MR CERVICAL SPINE W WO CONTRAST"),
        ("72040", "XR C-spine 2-3 views"),
        ("72125", "CT cervical spine without contrast"),
        ("72126", "CT myelogram cervical"),
        ("72141", "Cervical spine without contrast"),  # (no kind named)
    ],
)
def test_control_words_of_the_code_s_own_kind_are_rated(knowledge, code, text):
    assert _match(knowledge, code, text=text) is not None


@pytest.mark.parametrize(
    "site",
    [
        {"text": "Cervical spine"},
        {"text": "Head and neck"},
        {
            "coding": [
                {"system": "http://snomed.info/sct", "code": "774007", "display": "Structure of head and/or neck"}
            ]
        },
    ],
)
def test_control_a_body_site_that_names_the_neck_is_rated(knowledge, site):
    assert _match(knowledge, "72141", bodySite=[CodeableConcept.model_validate(site)]) is not None


def test_control_every_suggested_coding_s_display_names_its_own_kind(knowledge):
    # (the displays the service writes on a suggested order: a swap must be rated again)
    for pid, systems in knowledge.order_codes.suggested.items():
        for suggested in systems.values():
            sr = order(suggested.code, suggested.system)
            sr.code.coding[0].display = suggested.display
            match = match_order(sr, [sr], knowledge)
            assert match is not None and pid in {p.id for p in match.procedures}, (pid, suggested)


@pytest.mark.parametrize("code", ["72141", "72040"])
def test_a_contradicted_order_gets_no_rating_in_the_engine(evaluate, code):
    text = "CT CERVICAL SPINE W CONTRAST"
    assert evaluate([patient(), condition("M54.2", onset="2026-11-10")], code, text=text).outcome.value == (
        "not-applicable"
    )
