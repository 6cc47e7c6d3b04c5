"""The one asymmetric rule (architecture.md), as a property: for random charts, adding an uncertain or unreadable
version of any finding never turns "no warning" into "warning".

"Uncertain or unreadable": words with a doubt cue (r/o, ?, possible, concern for), a Condition whose status cannot
be read (text only, another system, an unknown code), a lab value at the threshold, flagged without a value past
it, or in a unit that cannot be converted, an eGFR that cannot be read, a resource whose code cannot be read. A coded
*provisional* cervicogenic headache or infection is not in that list: policy §2 makes those working diagnoses the
very definition of ACR variants 6 and 4 ("suspected ..."); every other provisional diagnosis is.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.engine import Outcome
from tests.builders import condition, observation, order, patient
from tests.conftest import TODAY

# one code and one phrase per finding (and a contraindication), policy §3
CONCEPTS = {
    "neck-pain": ("M54.2", "neck pain"),
    "radiculopathy": ("M54.12", "cervical radiculopathy"),
    "cervicogenic-headache": ("G44.86", "cervicogenic headache"),
    "malignancy": ("C50.911", "breast cancer"),
    "infection": ("M46.22", "discitis"),
    "fever": ("R50.9", "fever"),
    "weight-loss": ("R63.4", "weight loss"),
    "immunosuppression": ("B20", "HIV"),
    "injection-drug-use": ("F11.20", "IVDU"),
    "inflammatory-arthritis": ("M06.9", "rheumatoid arthritis"),
    "coagulopathy": ("Z79.01", "warfarin"),
    "vascular-cause": ("G45.9", "TIA"),
    "neurologic-deficit": ("R29.2", "weakness"),
    "fracture-risk": ("M81.0", "osteoporosis"),
    "elevated-inflammatory-marker": ("R70.0", "elevated ESR"),
    "neck-trauma": ("S13.4XXA", "MVC"),
    "myelopathy": ("M47.12", "myelopathy"),
    "neck-mass": ("R22.1", "neck mass"),
    "plexopathy": ("G54.0", "brachial plexopathy"),
    "prior-surgery-possible": ("Z98.1", "ACDF"),
    "mri-unsafe": ("Z95.0", "pacemaker"),
}
WORKING_DIAGNOSES = {"cervicogenic-headache", "infection"}  # provisional = the variant's own definition (policy §2)
ORDERS = ["72040", "72141", "72125", "72126", "72156", "72142", "70498", "72050"]
ONSETS = [None, "2026-11-10", "2026-09-20", "2025-03-01"]
DOUBT_CUES = ["r/o", "?", "possible", "concern for", "cannot exclude", "questionable"]
BASE_REASONS = [None, "neck pain x 2 wks", "chronic neck pain", "arm tingling radiating into thumb", "neck pain"]

base_conditions = st.lists(
    st.tuples(st.sampled_from(sorted(CONCEPTS)), st.sampled_from(ONSETS)), max_size=3, unique_by=lambda c: c[0]
)


def _coded(concept: str, onset: str | None, **kwargs):
    code, _ = CONCEPTS[concept]
    return condition(code, onset=onset, **kwargs)


def _status_text(concept, onset):
    return _coded(concept, onset, clinical=None) | {"clinicalStatus": {"text": "Active"}}


def _status_other_system(concept, onset):
    status = {"coding": [{"system": "urn:oid:1.2.3", "code": "ACTIVE"}]}
    return _coded(concept, onset, clinical=None) | {"clinicalStatus": status}


def _status_unknown_code(concept, onset):
    status = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "maybe"}]}
    return _coded(concept, onset, verification=None) | {"verificationStatus": status}


def _unreadable_code(concept, onset):
    broken = _coded(concept, onset)
    broken["code"]["coding"][0]["code"] = 42
    return broken


DOUBTFUL_RESOURCES = {  # kind -> (concept, onset) -> one uncertain or unreadable resource
    "status-text": _status_text,
    "status-other-system": _status_other_system,
    "status-unknown-code": _status_unknown_code,
    "provisional": lambda concept, onset: _coded(concept, onset, verification="provisional"),
    "unreadable-code": _unreadable_code,
    "borderline-temperature": lambda *_: observation("8310-5", 38.0, "Cel"),
    "flagged-crp": lambda *_: observation("1988-5", 6, "mg/L", interpretation="H"),
    "unconvertible-esr": lambda *_: observation("4537-7", 80, "mm/day"),
    "unreadable-egfr": lambda *_: observation("33914-3", None, None) | {"valueString": "<15"},
}


def _doubtful(kind: str, concept: str, onset: str | None):
    """(extra chart resources, extra note text) for one uncertain or unreadable version of a finding."""
    if kind == "words":
        _, words = CONCEPTS[concept]
        return [], f"{DOUBT_CUES[len(concept) % len(DOUBT_CUES)]} {words}"
    return [DOUBTFUL_RESOURCES[kind](concept, onset)], None


KINDS = [
    "words",
    "status-text",
    "status-other-system",
    "status-unknown-code",
    "provisional",
    "unreadable-code",
    "borderline-temperature",
    "flagged-crp",
    "unconvertible-esr",
    "unreadable-egfr",
]


def _decide(engine, resources, code, reason, note):
    sr = order(code).model_dump(exclude_none=True)
    if reason:
        sr["reasonCode"] = [{"text": reason}]
    if note:
        sr["note"] = [{"text": note}]
    from fhir.resources.R4B.servicerequest import ServiceRequest

    (decision,) = engine.evaluate([ServiceRequest.model_validate(sr)], resources, today=TODAY)
    return decision


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    conditions=base_conditions,
    code=st.sampled_from(ORDERS),
    reason=st.sampled_from(BASE_REASONS),
    kind=st.sampled_from(KINDS),
    concept=st.sampled_from(sorted(CONCEPTS)),
    onset=st.sampled_from(ONSETS),
)
def test_doubt_never_turns_no_warning_into_a_warning(engine, conditions, code, reason, kind, concept, onset):
    if kind == "provisional" and concept in WORKING_DIAGNOSES:
        return
    base = [patient(), *(_coded(c, o) for c, o in conditions)]
    before = _decide(engine, copy.deepcopy(base), code, reason, None)
    extra, note = _doubtful(kind, concept, onset)
    after = _decide(engine, copy.deepcopy(base) + extra, code, reason, note)
    if before.outcome is not Outcome.NOT_APPROPRIATE:
        assert after.outcome is not Outcome.NOT_APPROPRIATE, (kind, concept, [v.number for v in after.variants])


@pytest.mark.parametrize("kind", ["words", "borderline-temperature", "provisional", "status-text"])
def test_a_doubtful_fever_does_not_make_an_old_one_recent(engine, kind):
    """A fever of 2025 beside an elevated ESR is a red flag (no rating); a doubtful fever added today must not make
    it a suspected infection (V4, where radiographs are UNA)."""
    base = [
        patient(),
        condition("M54.2", onset="2026-11-10"),
        _coded("fever", "2025-03-01"),
        _coded("elevated-inflammatory-marker", None),
    ]
    assert _decide(engine, copy.deepcopy(base), "72040", None, None).outcome is Outcome.NO_CRITERIA_APPLY
    extra, note = _doubtful(kind, "fever", None)
    assert _decide(engine, copy.deepcopy(base) + extra, "72040", None, note).outcome is not Outcome.NOT_APPROPRIATE


def test_the_property_can_fail(engine):
    """A certain finding added the same way does enable a warning: the property test would see a broken rule."""
    base = [patient(), condition("M54.2", onset="2026-11-10")]
    assert _decide(engine, base, "72141", None, None).outcome is Outcome.NOT_APPROPRIATE  # V1: MRI UNA
    assert _decide(engine, base, "72040", None, None).outcome is Outcome.APPROPRIATE  # V1: XR MBA
    certain = _decide(engine, [*base, condition("M46.22")], "72040", None, None)  # known infection: V4, XR UNA
    assert certain.outcome is Outcome.NOT_APPROPRIATE
