"""End to end on the fixture charts (FHIR transaction Bundles): the seed-article vignettes and one per variant."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine import Outcome
from tests.builders import device
from tests.chart_cases import CASES
from tests.conftest import TODAY, load_chart


def decide_chart(engine, resources):
    orders = [ServiceRequest.model_validate(r) for r in resources if r["resourceType"] == "ServiceRequest"]
    (decision,) = engine.evaluate(orders, resources, today=TODAY)
    return decision


@pytest.mark.parametrize(("chart", "outcome", "variants", "categories", "recommended"), CASES)
def test_fixture_chart(engine, chart, outcome, variants, categories, recommended):
    d = decide_chart(engine, load_chart(chart))
    assert d.outcome is outcome
    assert [v.number for v in d.variants] == variants
    assert [r.rating.category.code for r in d.ratings] == categories
    assert (d.recommended.procedure.id if d.recommended else None) == recommended


def test_vignette_002_evidence_names_the_resources(engine):
    d = decide_chart(engine, load_chart("vignette-002-cancer-radiculopathy"))
    evidence = {e.reference for f in d.findings for e in f.evidence}
    assert {"Condition/vig-cancer-breast-ca", "Condition/vig-cancer-radic"} <= evidence
    malignancy = next(f for f in d.findings if f.id == "malignancy")
    assert malignancy.evidence[0].note == "remission"


def test_vignette_002_with_a_pacemaker_suggests_ct_with_contrast(engine):
    d = decide_chart(engine, [*load_chart("vignette-002-cancer-radiculopathy"), device("Cardiac pacemaker")])
    assert d.recommended.procedure.id == "ct-cspine-w"


def test_vignette_002_mri_without_and_with_contrast_is_usually_appropriate(engine):
    resources = load_chart("vignette-002-cancer-radiculopathy")
    resources[-1] = {
        **resources[-1],
        "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72156"}]},
    }
    d = decide_chart(engine, resources)
    assert (d.outcome, d.ratings[0].rating.category.code, d.alternatives) == (Outcome.APPROPRIATE, "UA", ())


def test_vignette_003_mri_is_may_be_appropriate_disagreement_with_nothing_better(engine):
    resources = load_chart("vignette-003-cervicogenic-headache")
    resources[-1] = {**resources[-1], "code": {"coding": [{"system": "http://loinc.org", "code": "30667-0"}]}}
    d = decide_chart(engine, resources)
    assert (d.outcome, d.ratings[0].rating.category.code, d.better_alternative) == (Outcome.APPROPRIATE, "MBA-D", False)


def test_vignette_004_with_mri_contraindication_keeps_ct_myelography(engine):
    d = decide_chart(engine, [*load_chart("vignette-004-post-acdf"), device("Spinal cord stimulator")])
    ids = [a.procedure.id for a in d.alternatives]
    assert "mr-cspine-wo" not in ids and "ct-myelo-cspine" in ids
    assert ids[0] == "xr-cspine"
