"""Which study an order is, as a thirty-third review (2026-12-05) found it misread, each time warning about a study
that was not the one ordered (policy §10: an order whose words name another study or region is not rated; the
asymmetric rule: contradictory evidence never enables a warning):

- words that say the contrast otherwise than the code ("MRI C-spine w/o contrast" on CPT 72156, "CT C-spine with IV
  contrast" on a CT myelogram's LOINC), also in orderDetail ("Contrast: None") and notes;
- words that name the spine on a vessel study's code or the vessels on a spine study's ("CT C-spine w/o" on CPT
  70498), the neck and no spine ("CT neck w/o" on CPT 72125: the soft tissues?), and levels, neuraxis, brain parts,
  vessel territories and the face that reach beyond the neck ("MRI C2-T4", "MRI neuraxis", "CTA H&N");
- a refinement's words inside other words ("reflexes" is no flexion view) or beside a doubt ("no flexion/extension":
  the refinement adds to the code's default instead of replacing it).

Lost, also mended: a code system's URI in capitals, with `https` or a slash at its end.
"""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.order import match_order, order_text
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY


def _order(code: str, text: str | None = None, system: str = "cpt", **elements) -> ServiceRequest:
    return ServiceRequest.model_validate(order_json(code, system, text=text) | elements)


def _ids(knowledge, code: str, text: str | None = None, system: str = "cpt", **elements) -> list[str] | None:
    match = match_order(_order(code, text, system, **elements), [], knowledge)
    return None if match is None else sorted(p.id for p in match.procedures)


# -- contrast --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("72156", "MRI C-spine w/o contrast"),
        ("72156", "MR C-SPINE NON-CONTRAST"),
        ("72156", "MRI C spine noncon"),
        ("72156", "Cervical spine MRI w/o gad"),
        ("72156", "MRI CERVICAL SPINE WO CONTRAST"),
        ("72141", "MRI C-spine w/wo"),
        ("72141", "MRI C spine W WO CONTRAST"),
        ("72141", "MRI cervical spine without and with contrast"),
        ("72141", "MRI C-spine with contrast"),
        ("72141", "MRI C-spine pre/post gad"),
        ("72125", "CT C-spine with IV contrast"),
        ("72125", "CT cervical spine w + wo contrast"),
        ("72127", "CT C-spine non-contrast"),
        ("72142", "MRI C-spine w/o"),
        ("70547", "MRA neck w/wo contrast"),
        ("70549", "MRA neck without contrast"),
        ("72040", "XR C-spine with contrast"),
    ],
)
def test_words_that_say_the_contrast_otherwise_than_the_code_are_not_rated(knowledge, code, text):
    assert _ids(knowledge, code, text) is None


@pytest.mark.parametrize(
    ("code", "system", "text"),
    [
        ("24934-2", "loinc", "CT cervical spine with IV contrast"),
        ("24934-2", "loinc", "CT C-spine without contrast"),
        ("72126", "cpt", "CT C-spine myelogram w/o contrast"),
    ],
)
def test_a_myelograms_code_with_words_of_iv_or_no_contrast_is_not_rated(knowledge, code, system, text):
    assert _ids(knowledge, code, text, system) is None


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("72156", "MRI C-spine w/wo", ["mr-cspine-wow"]),
        ("72156", "MRI C spine W WO CONTRAST", ["mr-cspine-wow"]),
        ("72156", "MR cervical spine wo and w contrast IV", ["mr-cspine-wow"]),
        ("72156", "MRI C-spine w/ and w/o gad", ["mr-cspine-wow"]),
        ("72141", "MRI C-spine w/o", ["mr-cspine-wo"]),
        ("72141", "MRI cervical spine without IV contrast", ["mr-cspine-wo"]),
        ("72141", "MR C-spine noncontrast", ["mr-cspine-wo"]),
        ("72142", "MRI C-spine w contrast", ["mr-cspine-w"]),
        ("72125", "CT C-spine w/o", ["ct-cspine-wo"]),
        ("72126", "CT C-spine w IV contrast", ["ct-cspine-w"]),
        ("72127", "CT C-spine without contrast, followed by contrast", ["ct-cspine-wow"]),
        ("70498", "CTA neck w contrast", ["cta-neck"]),
        ("70547", "MRA neck wo contrast", ["mra-neck-wo"]),
        ("72040", "XR C-spine 2-3 views", ["xr-cspine"]),
    ],
)
def test_control_words_that_say_the_codes_contrast_are_rated(knowledge, code, text, expected):
    assert _ids(knowledge, code, text) == expected


@pytest.mark.parametrize(
    "elements",
    [
        {"orderDetail": [{"text": "Contrast: None"}]},
        {"orderDetail": [{"text": "without contrast"}]},
        {"orderDetail": [{"text": "No contrast"}]},
        {
            "orderDetail": [
                {"coding": [{"system": "http://example.org/questions", "code": "C1", "display": "Non-contrast"}]}
            ]
        },
        {"note": [{"text": "please do without contrast"}]},
        {"note": [{"text": "contrast: none"}]},
    ],
)
def test_contrast_said_otherwise_in_order_detail_or_a_note_is_not_rated(knowledge, elements):
    assert _ids(knowledge, "72156", None, **elements) is None


@pytest.mark.parametrize(
    "elements",
    [
        {"note": [{"text": "Pt has no contrast allergy"}]},
        {"note": [{"text": "no known contrast allergies, eGFR 80"}]},
        {"orderDetail": [{"text": "Contrast: with and without"}]},
        {"orderDetail": [{"text": "Sedation: no"}]},
        {"orderDetail": [{"text": "IV access: yes"}]},
        {"note": [{"text": "neck pain w/o fever"}]},
        {"note": [{"text": "not immunosuppressed. no IV drug use"}]},
        {"note": [{"text": "on IV antibiotics, no contrast allergy"}]},
    ],
)
def test_control_an_allergy_or_an_answer_that_agrees_is_no_contrast_of_the_study(knowledge, elements):
    assert _ids(knowledge, "72156", None, **elements) == ["mr-cspine-wow"]


@pytest.mark.parametrize(
    ("code", "note"), [("72125", "not immunosuppressed. no IV drug use"), ("72141", "hx IVDU, w/o fever")]
)
def test_control_a_notes_words_of_no_contrast_agent_say_nothing_of_contrast(knowledge, code, note):
    assert _ids(knowledge, code, None, note=[{"text": note}]) is not None


def test_every_mapped_procedures_suggested_display_says_its_own_contrast(knowledge):
    for pid, codes in knowledge.order_codes.suggested.items():
        for suggested in codes.values():
            named = knowledge.order_codes.regions.contrast.named(order_text(_order("72141", suggested.display)))
            assert named <= knowledge.procedures[pid].contrast, (pid, suggested.display, named)


# -- what the study shows ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("70498", "CT C-spine w/o contrast"),
        ("70498", "CT cervical spine"),
        ("70547", "MRI cervical spine w/o"),
        ("72125", "CTA neck"),
        ("72141", "MRA neck w/o contrast"),
        ("72141", "MRI C-spine and MRA neck"),
        ("72125", "CT neck w/o"),
        ("72126", "CT neck w contrast"),
        ("72141", "MRI neck"),
    ],
)
def test_words_that_name_what_the_code_does_not_show_are_not_rated(knowledge, code, text):
    assert _ids(knowledge, code, text) is None


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("72141", "MRI C2-T4"),
        ("72141", "MRI C5-T3 spine"),
        ("72141", "MRI C1-L5"),
        ("72141", "MRI C spine to T4"),
        ("72125", "CT C1-T2"),
        ("72141", "MRI neuraxis"),
        ("72141", "MRI craniospinal axis"),
        ("72141", "MRI spine screening"),
        ("72141", "MRI C & T"),
        ("72141", "MRI CS and TS"),
        ("72141", "MRI C spine + IACs"),
        ("72141", "MRI cervical spine and posterior fossa"),
        ("72141", "MRI C-spine and pituitary"),
        ("70498", "CTA neck + circle of Willis"),
        ("70498", "CTA carotids and COW"),
        ("70498", "CTA H&N"),
        ("70498", "CTA neck/intracranial"),
        ("70498", "CTA aortic arch and neck"),
        ("70498", "CTA neck stroke protocol"),
        ("70547", "MRA neck and COW"),
        ("72125", "CT maxillofacial and c-spine"),
        ("72040", "XR spine survey"),
        ("72040", "XR spine C-T"),
        ("72141", "MRI neck (soft tissue)"),
        ("72126", "CT STN w contrast"),
        ("72141", "MRI neck mass"),
    ],
)
def test_words_that_reach_beyond_the_neck_or_name_another_study_are_not_rated(knowledge, code, text):
    assert _ids(knowledge, code, text) is None


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("72141", "MRI C-spine C7-T1"),
        ("72141", "MRI C5-6 disc"),
        ("72141", "MRI cervical spine"),
        ("72141", "MRI C-spine (neck)"),
        ("70498", "CTA neck"),
        ("70547", "MRA neck vessels w/o"),
        ("72125", "CT cervical spine, neck pain"),
    ],
)
def test_control_words_of_the_neck_and_its_spine_are_rated(knowledge, code, text):
    assert _ids(knowledge, code, text) is not None


# -- refinements -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "XR C-spine 2-3 views (no flexion/extension)",
        "XR C-spine AP/lat, NO flex/ex",
        "XR C-spine (flex/ext not needed)",
        "XR C-spine 3v w/o flexion-extension",
        "XR C-spine - no dynamic views",
        "XR C-spine, flex/ex if no fracture",
        "XR C-spine, flexion/extension?",
    ],
)
def test_a_doubtful_flexion_view_adds_to_plain_radiographs(knowledge, text):
    assert _ids(knowledge, "72040", text) == ["xr-cspine", "xr-cspine-flexext"]


@pytest.mark.parametrize(
    "text",
    ["CT C-spine w IV contrast (not a myelogram)", "CT C-spine w contrast, no intrathecal", "CT C-spine - myelo?"],
)
def test_a_doubtful_myelogram_adds_to_ct_with_contrast(knowledge, text):
    ids = _ids(knowledge, "72126", text)
    assert ids is None or ids == ["ct-cspine-w", "ct-myelo-cspine"]


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("72040", "XR C-spine 2 views; reflexes normal", ["xr-cspine"]),
        ("72126", "CT C-spine with split contrast bolus", ["ct-cspine-w"]),
        ("72040", "XR C-spine flexion/extension", ["xr-cspine-flexext"]),
        ("72040", "XR C-spine 4 views with flex/ex", ["xr-cspine-flexext"]),
        ("72126", "CT myelogram cervical", ["ct-myelo-cspine"]),
    ],
)
def test_control_a_refinements_words_count_where_they_begin_a_word_and_are_not_doubted(knowledge, code, text, expected):
    assert _ids(knowledge, code, text) == expected


# -- code systems written otherwise --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "system",
    [
        "https://www.ama-assn.org/go/cpt",
        "http://www.ama-assn.org/go/cpt/",
        "HTTP://WWW.AMA-ASSN.ORG/GO/CPT",
        "CPT",
        "cpt4",
    ],
)
def test_a_code_systems_uri_in_capitals_with_https_or_a_slash_is_read(knowledge, system):
    draft = order_json("72141") | {"code": {"coding": [{"system": system, "code": "72141"}]}}
    match = match_order(ServiceRequest.model_validate(draft), [], knowledge)
    assert match is not None and [p.id for p in match.procedures] == ["mr-cspine-wo"]


# -- whole calls ---------------------------------------------------------------------------------------------------
def _outcome(engine, cpt: str, text: str | None = None) -> str:
    """A chronic radiculopathy's (variant 8) order of this CPT code and words."""
    chart = [patient(), condition("M54.12", onset="2025-01-01")]
    (decision,) = engine.evaluate([_order(cpt, text)], chart, today=TODAY)
    return decision.outcome.value


def test_a_chronic_radiculopathys_mri_told_without_contrast_on_the_w_wo_code_gets_no_warning(engine):
    assert _outcome(engine, "72156") == "not-appropriate"  # (control: the code alone warns)
    assert _outcome(engine, "72156", "MRI C-spine w/o contrast") != "not-appropriate"
    assert _outcome(engine, "70498", "CT C-spine w/o contrast") != "not-appropriate"


# -- a re-review's (34a) regressions -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["CT CERVICAL SPINE POSTMYELOGRAM", "CT C-SPINE POSTMYELO", "CTMYELO C-SPINE"])
def test_a_myelogram_named_inside_a_word_is_one(knowledge, text):
    assert _ids(knowledge, "72126", text) == ["ct-myelo-cspine"]


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("70498", "CTA NECK W WO CONTRAST", ["cta-neck"]),
        ("70498", "CT ANGIO NECK W/WO CONTRAST", ["cta-neck"]),
        ("72141", "MRI C SPINE WO CONTRAST W RECONS", ["mr-cspine-wo"]),
        ("72141", "MRI CERVICAL SPINE WO CONTRAST W ANESTHESIA", ["mr-cspine-wo"]),
        ("72141", "MRI C-SPINE WO CONTRAST W/ SEDATION", ["mr-cspine-wo"]),
        ("72141", "MRI C SPINE WO CONTRAST WITH 3T", ["mr-cspine-wo"]),
        ("72156", "MRI C-SPINE W WO CONTRAST WITHOUT SEDATION", ["mr-cspine-wow"]),
        ("72156", "MRI C-SPINE W/WO (W/O DELAY)", ["mr-cspine-wow"]),
        ("72142", "MRI C-spine w contrast, w/o O2", ["mr-cspine-w"]),
        ("72040", "XR C-SPINE 2 OR 3 VIEWS FLEXION/EXTENSION", ["xr-cspine-flexext"]),
        ("72040", "XR C-T junction swimmer's view", ["xr-cspine"]),
        ("72141", "MRI C SPINE WO W DWI", ["mr-cspine-wo"]),
        ("72125", "CT C-SPINE WO W/ 3D RECONS", ["ct-cspine-wo"]),
        ("72156", "MRI C-spine with contrast", ["mr-cspine-wow"]),
        ("72141", "MRI C-SPINE SCREENING", ["mr-cspine-wo"]),
    ],
)
def test_words_of_other_things_beside_the_contrast_leave_the_order_rated(knowledge, code, text, expected):
    assert _ids(knowledge, code, text) == expected


@pytest.mark.parametrize(
    "elements",
    [
        {"orderDetail": [{"text": "Reaction to contrast: No"}]},
        {"orderDetail": [{"text": "Allergic to IV contrast: No"}]},
        {"orderDetail": [{"text": "IV contrast: yes"}]},
        {"orderDetail": [{"text": "Gadolinium: yes"}]},
        {"note": [{"text": "Pt ok with contrast"}]},
        {"note": [{"text": "None"}]},
        {"note": [{"text": "No prior imaging"}]},
    ],
)
def test_allergy_questions_yes_answers_and_notes_of_no_agent_leave_the_order_rated(knowledge, elements):
    draft = order_json("72156", text="MRI C-SPINE W WO CONTRAST") | elements
    match = match_order(ServiceRequest.model_validate(draft), [], knowledge)
    assert match is not None and [p.id for p in match.procedures] == ["mr-cspine-wow"]


# -- a whole-session re-review's (35) regressions ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "text", "elements", "expected"),
    [
        ("70498", "CTA NECK", {"note": [{"text": "no gad - eGFR 25"}]}, ["cta-neck"]),
        ("72126", "CT C-SPINE W IV CONTRAST", {"note": [{"text": "no gadolinium (eGFR 25)"}]}, ["ct-cspine-w"]),
        ("72141", "MRI C-SPINE WO NO IV ACCESS", {}, ["mr-cspine-wo"]),
        ("72141", "MRI C-SPINE ARTERIAL SPIN LABELING", {}, ["mr-cspine-wo"]),
        ("72141", "MRI C-SPINE VASCULAR MALFORMATION?", {}, ["mr-cspine-wo"]),
        ("72156", "MRI C-SPINE W WO NO GAD ALLERGY", {}, ["mr-cspine-wow"]),
        ("72126", "CT C-SPINE W CONTRAST MULTIPLE MYELOMA", {}, ["ct-cspine-w"]),
        ("72126", "CT C-SPINE W CONTRAST, MYELOPROLIFERATIVE DISORDER", {}, ["ct-cspine-w"]),
        ("72126", "CT C-SPINE - MYELO", {}, ["ct-myelo-cspine"]),
    ],
)
def test_words_of_another_agent_route_or_disease_leave_the_order_as_its_code_says(
    knowledge, code, text, elements, expected
):
    assert _ids(knowledge, code, text, **elements) == expected


# -- a re-review's (36) regressions --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "MyeloCT C-spine",
        "CT C-SPINE MYELOGR.",
        "CT C-spine after myelogr",
        "CT C-SPINE MYELOS",
        "CT C-SPINE CONTRAST IT",
    ],
)
def test_a_myelogram_in_short_is_one(knowledge, text):
    assert _ids(knowledge, "72126", text) == ["ct-myelo-cspine"]


@pytest.mark.parametrize(
    ("code", "note"),
    [
        ("72156", "no gad - eGFR 25"),
        ("72126", "no iodinated contrast"),
        ("72142", "no gadolinium"),
        ("72141", "with gad"),
        ("72125", "w/ iodinated contrast"),
    ],
)
def test_a_note_naming_the_studys_own_contrast_class_says_its_contrast(knowledge, code, note):
    assert _ids(knowledge, code, None, note=[{"text": note}]) is None
