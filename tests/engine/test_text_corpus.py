"""Policy §8 measured on order texts written by others: zero false warnings, and the policy's outcome for ≥ 95 %.

`corpus.yaml` (374 cases) is ours; `held-out.yaml` (155), `held-out-2.yaml` (400) and `held-out-3.yaml` (300) were
written by three other authors from the policy and the ACR tables, without the service's code; every expectation says
why. held-out-2 and held-out-3 were each first run unseen (391 of 400 agreed with 3 false warnings; 278 of 300 with
4: see the files' headers); the classes behind those were fixed, and the files are kept as regression tests. A false
warning is a warning where the policy gives none.
"""

from __future__ import annotations

import pytest

from tests.text_cases import load_cases, run_case

CORPORA = ["corpus.yaml", "held-out.yaml", "held-out-2.yaml", "held-out-3.yaml"]
MIN_AGREEMENT = 0.95


@pytest.fixture(scope="module", params=CORPORA)
def results(request, engine):
    return [run_case(engine, case) for case in load_cases(request.param)]


def test_policy_8_no_false_warning_on_any_case(results):
    false_warnings = [r.describe() for r in results if r.false_warning]
    assert not false_warnings, "\n".join(false_warnings)


def test_policy_8_at_least_95_percent_rated_as_the_policy_says(results):
    wrong = [r.describe() for r in results if not r.agrees]
    assert len(wrong) <= (1 - MIN_AGREEMENT) * len(results), "\n".join(wrong)


def test_policy_8_orders_that_document_an_indication_get_a_rating(results):
    documented = [r for r in results if r.case["expect"].get("variants")]
    unrated = [r.describe() for r in documented if r.got in ("insufficient-data", "not-applicable")]
    assert len(unrated) <= (1 - MIN_AGREEMENT) * len(documented), "\n".join(unrated)


def test_the_corpora_are_large_enough():
    assert len(load_cases("corpus.yaml")) >= 150
