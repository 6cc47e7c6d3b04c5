"""A forty-sixth review: coded charts re-tested from the issue alone, with medicines, order details and notes.

- An order whose note or orderDetail asks for another region too ("please also image lumbar spine", orderDetail
  "Include lumbar spine" or a coded lumbar spine) was rated as the neck alone (policy §10: an order covering the
  cervical and another region is not rated): its warning's one-click swap would drop the other region.
- A systemic steroid recorded as a medicine being taken since long before the order (an active "predniSONE 20 MG
  Oral Tablet" begun in 2024) was not read as immunosuppression (terminology.md: Z79.52, long-term systemic
  steroids), and the MRI for acute neck pain warned. Such a medicine is now an uncertain immunosuppression: it
  blocks; one begun within three weeks, a dose pack or taper, or a steroid that is not systemic is not read so.

Probe order: 72141 MRI without contrast is Usually Not Appropriate in variant 1 (acute neck pain, no red flag).
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from tests.builders import condition, medicine, order_json, patient
from tests.conftest import TODAY

NECK_PAIN = condition("M54.2", onset="2026-11-10")
SNOMED = "http://snomed.info/sct"


def _decide(engine, resources: list[dict[str, Any]], **order_elements: Any):
    sr = ServiceRequest.model_validate(order_json("72141") | order_elements)
    (decision,) = engine.evaluate([sr], [patient(), NECK_PAIN, *resources], today=TODAY)
    return decision


# -- an order that asks for another region beside its code ----------------------------------------------------------
@pytest.mark.parametrize(
    "elements",
    [
        {"note": [{"text": "please also image lumbar spine"}]},
        {"note": [{"text": "Neck pain x 2 wks. Add T-spine."}]},
        {"note": [{"text": "MRI brain as well"}]},
        {"note": [{"text": "C and L spine please"}]},
        {"reasonCode": [{"text": "neck pain; include thoracic spine"}]},
        {"orderDetail": [{"text": "Include lumbar spine"}]},
        {"orderDetail": [{"coding": [{"system": SNOMED, "code": "122496007", "display": "Lumbar spine"}]}]},
        {"orderDetail": [{"text": "Levels: C2-T4"}]},
        {"note": [{"text": "C/T/L spine"}]},  # several regions by themselves
        {"note": [{"text": "Would like CTA head and neck"}]},
        {"orderDetail": [{"text": "C-spine and T-spine"}]},  # another spine region in a detail is the order's extent
        {"orderDetail": [{"text": "cervical + lumbar"}]},
        {"reasonCode": [{"text": "neck pain x 2 wks, please also CT the thoracic spine"}]},
        {"note": [{"text": "Can you do the T-spine at the same time"}]},
        {"note": [{"text": "+ T spine"}]},
        {"orderDetail": [{"text": "Brain"}]},  # a detail that is a region's name alone: a site
        {"orderDetail": [{"text": "Left shoulder"}]},
    ],
)  # fmt: skip
def test_an_order_asking_for_another_region_in_its_note_or_detail_is_not_rated(engine, elements):
    decision = _decide(engine, [], **elements)
    assert decision.outcome.value == "not-applicable"


@pytest.mark.parametrize(
    "elements",
    [
        {"note": [{"text": "Neck pain x 2 wks, radiating to R shoulder. Please evaluate."}]},
        {"note": [{"text": "Hx lumbar fusion 2015. Neck pain x 2 wks."}]},
        {"orderDetail": [{"text": "Contrast: none"}]},
        {"orderDetail": [{"text": "Lumbar puncture not required"}]},  # a region's words that name no region imaged
        # (review 47: history, past studies and symptoms naming another region are no request)
        {"note": [{"text": "CT head negative in ED 11/1"}]},
        {"note": [{"text": "MRI brain normal. Also on gabapentin."}]},
        {"note": [{"text": "hx lumbar fusion, MRI 2019, pls eval"}]},
        {"note": [{"text": "pain radiates to the head too"}]},
        {"note": [{"text": "prior MRI lumbar spine 2022 unremarkable"}]},
        {"orderDetail": [{"text": "Head of bed elevated"}]},
        {"orderDetail": [{"text": "lumbar support pillow"}]},
        {"orderDetail": [{"text": "R arm IV"}]},
        {"orderDetail": [{"text": "Transport: wheelchair; thoracic brace on"}]},
        {"note": [{"text": "hx lumbar fusion, also neck pain"}]},
        {"note": [{"text": "Pt also with sacral decubitus ulcer"}]},
    ],
)
def test_a_note_naming_another_region_without_asking_for_it_is_rated(engine, elements):
    decision = _decide(engine, [], **elements)
    assert decision.outcome.value == "not-appropriate"
    assert [v.number for v in decision.variants] == [1]


# -- a systemic steroid taken for long -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "resource",
    [
        medicine("predniSONE 20 MG Oral Tablet", kind="MedicationStatement", effectivePeriod={"start": "2024-02-01"}),
        medicine("Medrol 4 MG Oral Tablet", authoredOn="2023-05-01"),
        medicine("dexamethasone 4 MG Oral Tablet", kind="MedicationStatement", effectiveDateTime="2026-10-01"),
        medicine(
            "prednisoLONE 5 MG Oral Tablet",
            authoredOn="2026-11-19",  # a renewal: the course began with its dosage's bounds
            dosageInstruction=[{"timing": {"repeat": {"boundsPeriod": {"start": "2024-06-01", "end": "2027-06-01"}}}}],
        ),
        medicine(
            "predniSONE 10 MG Oral Tablet", kind="MedicationStatement", status="unknown", dateAsserted="2025-01-05"
        ),
        medicine("predniSONE 5 MG Oral Tablet", authoredOn="2026"),  # a partial date: its first day
        medicine("predniSONE 5 MG Oral Tablet early AM dosing", authoredOn="2025-03-01"),  # "early" is not "ear"
        medicine("budesonide 3 MG Delayed Release Oral Capsule [Entocort]", authoredOn="2025-03-01"),
    ],
)
def test_a_systemic_steroid_taken_since_weeks_before_the_order_blocks_the_warning(engine, resource):
    decision = _decide(engine, [resource])
    assert decision.outcome.value != "not-appropriate"
    found = [m for m in decision.mentions if m.concept == "immunosuppression"]
    assert found and all(f.context.value == "uncertain" for f in found)


@pytest.mark.parametrize(
    "resource",
    [
        medicine("predniSONE 20 MG Oral Tablet", kind="MedicationStatement", effectivePeriod={"start": "2026-11-15"}),
        medicine("predniSONE 20 MG Oral Tablet"),  # no date told: as before, a short course is common
        medicine("methylPREDNISolone 4 MG Dose Pack", authoredOn="2026-08-01"),
        medicine("predniSONE taper", authoredOn="2026-06-01"),
        medicine("budesonide 0.5 MG/ML Inhalation Suspension", authoredOn="2020-01-01"),
        medicine("hydrocortisone 1 % Topical Cream", authoredOn="2021-01-01"),
        medicine("methylPREDNISolone acetate 40 MG/ML Injectable Suspension", authoredOn="2022-01-01"),
        medicine("methylPREDNISolone 4 MG Oral Tablet Therapy Pack", authoredOn="2025-01-01"),
        medicine("predniSONE 20 MG Oral Tablet", kind="MedicationAdministration", effectiveDateTime="2024-01-01"),
        medicine(
            "predniSONE 20 MG Oral Tablet",
            kind="MedicationStatement",
            status="completed",
            effectivePeriod={"start": "2024-01-01", "end": "2024-03-01"},  # stopped long before the order
        ),
        medicine("predniSONE 20 MG Oral Tablet", authoredOn="2027-01-01"),  # a date after the order: not read
    ],
)
def test_a_short_recent_or_local_steroid_is_no_long_term_immunosuppression(engine, resource):
    decision = _decide(engine, [resource])
    assert decision.outcome.value == "not-appropriate"


def test_a_long_term_steroid_shows_the_element_its_start_was_read_from(engine):
    resource = medicine(
        "prednisoLONE 5 MG Oral Tablet",
        authoredOn="2026-11-15",  # a renewal; its dosage's bounds tell the course's start
        dosageInstruction=[{"timing": {"repeat": {"boundsPeriod": {"start": "2026-09-01"}}}}],
    )
    (found,) = [m for m in _decide(engine, [resource]).mentions if m.concept == "immunosuppression"]
    assert found.evidence.reference == f"MedicationRequest/{resource['id']}"
    assert found.evidence.element == "dosageInstruction[0].timing.repeat.boundsPeriod.start"
    assert found.evidence.date == "2026-09-01" and "81 days before the order" in found.evidence.note
    assert found.evidence.display == "prednisoLONE 5 MG Oral Tablet"
