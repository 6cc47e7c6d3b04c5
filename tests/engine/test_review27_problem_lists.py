"""Review 27b (whole charts as EHRs send them): ordinary problem-list entries of other organs were read as red flags,
spine infections, cancers or other topics, so a plain neck-pain chart never warned. An infection or an abscess named
by its organ, a bowel or bladder disease, a cancer screening, a benign neoplasm, a limb's fracture and groin nodes
are none of those; what is near or about the spine still is, and so is what a phrase of another organ is joined to
(review 28: "fracture of the femur and cervical spine", "nodes of groin and neck", "infection spread to spine").
A limb's fracture written "fracture of the left wrist" still blocks (it cannot be told from one joined to the neck's).
"""

from __future__ import annotations

import pytest

from cds_service.engine import Outcome
from tests.builders import condition, patient

ACUTE = "2026-11-07"
LOCAL = "http://example.org/local-problems"


def entry(text: str, clinical: str = "active") -> dict:
    found = condition("M54.2", onset="2021-02-01", clinical=clinical)
    found["code"] = {"coding": [{"system": LOCAL, "code": "P-1", "display": text}], "text": text}
    return found


def outcome(evaluate, text: str, clinical: str = "active") -> Outcome:
    return evaluate([patient(), condition("M54.2", onset=ACUTE), entry(text, clinical)], "72141").outcome


@pytest.mark.parametrize(
    "text",
    [
        "Urinary tract infection",
        "Acute upper respiratory infection",
        "Sinus infection",
        "Ear infection",
        "H. pylori infection",
        "Hepatitis C infection",
        "Kidney infection",
        "Dental abscess",
        "Perirectal abscess",
        "Pilonidal abscess",
        "Irritable bowel syndrome",
        "Overactive bladder",
        "Small bowel resection",
        "Bowel obstruction",
        "Encounter for screening for malignant neoplasm of colon",
        "Screening for breast cancer",
        "Bladder cancer screening",
        "Benign lipomatous neoplasm of skin and subcutaneous tissue of trunk",
        "Benign neoplasm of colon",
        "Inguinal lymphadenopathy",
        "Distal radius fracture",
    ],
)
@pytest.mark.parametrize("clinical", ["active", "resolved"])
def test_an_entry_of_another_organ_leaves_a_plain_neck_pain_chart_rated(evaluate, text, clinical):
    assert outcome(evaluate, text, clinical) is Outcome.NOT_APPROPRIATE


@pytest.mark.parametrize(
    "text",
    [
        "Retropharyngeal abscess",
        "Wound infection",
        "Skin abscess",  # (an injection drug user's, as often as not)
        "Latent tuberculosis infection",
        "Bladder cancer",
        "Urinary incontinence",
        "benign vs malignant tumor",
        "screening for metastatic cancer",
        "Fracture of C6",
        "Breast lump",
        # (review 28: an ignored phrase must not swallow what is the neck's beside it)
        "Fracture of the hip and cervical spine",
        "Swollen lymph nodes of groin and neck",
        "Kidney infection spread to spine",
        "Fungal infection at C5-6",
        "Screening for breast cancer recurrence",
        "Benign neck tumor",
        "Benign lipomatous neoplasm of skin and subcutaneous tissue of head, face and neck",
        "Workup for weight loss",
    ],
)
def test_entries_near_or_about_the_spine_still_stop_the_warning(evaluate, text):
    assert outcome(evaluate, text) is not Outcome.NOT_APPROPRIATE
