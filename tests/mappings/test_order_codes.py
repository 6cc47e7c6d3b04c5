"""Order-code coverage: every procedure reachable; the common ones from CPT, LOINC, SNOMED and RadLex."""

from __future__ import annotations

import pytest

from cds_service.knowledge import Knowledge

COMMON = {
    # procedure: systems the reference gives codes for (terminology.md §1; RadLex/SNOMED gaps G1/G3 noted)
    "xr-cspine": {"cpt", "loinc", "snomed", "radlex"},
    "ct-cspine-wo": {"cpt", "loinc", "snomed", "radlex"},
    "ct-cspine-w": {"cpt", "loinc", "snomed", "radlex"},
    "ct-cspine-wow": {"cpt", "loinc", "radlex"},
    "mr-cspine-wo": {"cpt", "loinc", "snomed"},
    "mr-cspine-w": {"cpt", "loinc", "snomed", "radlex"},
    "mr-cspine-wow": {"cpt", "loinc", "radlex"},
    "ct-myelo-cspine": {"cpt", "loinc", "snomed"},
    # SNOMED has MRA codes only for the head and neck together: not mapped (policy §10, two regions)
    "mra-neck-wo": {"cpt", "loinc", "radlex"},
    "mra-neck-w": {"cpt", "loinc", "radlex"},
    "mra-neck-wow": {"cpt", "loinc", "radlex"},
    "cta-neck": {"cpt", "loinc", "snomed", "radlex"},
}


def _reachable(knowledge: Knowledge) -> dict[str, set[str]]:
    """procedure id -> code systems from which some code leads to it (alone or with context)."""
    by_uri = {knowledge.systems[n].uri: n for n in knowledge.systems.names()}
    found: dict[str, set[str]] = {}
    for (uri, _code), procedures in knowledge.order_codes.direct.items():
        for p in procedures:
            found.setdefault(p.id, set()).add(by_uri[uri])
    for rule in knowledge.order_codes.context_rules:
        systems = {s.system.name for s in rule.codes.by_system}
        for p in rule.default + tuple(p for r in rule.refinements for p in r.procedures):
            found.setdefault(p.id, set()).update(systems)
    return found


def test_every_procedure_is_reachable_from_cpt_or_loinc(knowledge: Knowledge):
    reachable = _reachable(knowledge)
    for pid in knowledge.procedures:
        assert reachable.get(pid, set()) & {"cpt", "loinc"}, f"{pid} has no CPT or LOINC route"


@pytest.mark.parametrize(("procedure", "systems"), sorted(COMMON.items()))
def test_common_procedures_are_reachable_from_every_system_with_codes(knowledge, procedure, systems):
    assert systems <= _reachable(knowledge)[procedure]


def test_known_wrong_public_codes_are_not_mapped(knowledge: Knowledge):
    """terminology.md §0.3: codes public repos get wrong must never map to a cervical procedure."""
    loinc = knowledge.systems["loinc"].uri
    for wrong in ("24800-5", "36713-6", "36657-5", "36659-1", "24845-0"):
        assert (loinc, wrong) not in knowledge.order_codes.direct


def test_no_code_is_both_direct_and_context_dependent(knowledge: Knowledge):
    for rule in knowledge.order_codes.context_rules:
        for code_set in rule.codes.by_system:
            assert not any((code_set.system.uri, c) in knowledge.order_codes.direct for c in code_set.exact)


def test_every_suggested_code_maps_back_to_exactly_its_procedure(knowledge: Knowledge):
    from cds_service.engine.order import match_order
    from tests.builders import coding, order

    checked = 0
    for pid, codes in knowledge.order_codes.suggested.items():
        for system, suggested in codes.items():
            for sr in (
                order(suggested.code, system),
                order(None, extra_codings=[coding(system, suggested.code, suggested.display)]),
            ):
                match = match_order(sr, [], knowledge)
                assert match is not None and [p.id for p in match.procedures] == [pid], (pid, system, suggested)
            checked += 1
    assert checked > 40


def test_policy_10_orders_naming_another_region_or_study_are_not_rated(knowledge: Knowledge):
    from cds_service.engine.order import match_order
    from tests.builders import order

    for code, text in [
        ("72020", "XR lumbar spine 1 view"),
        ("72141", "MRI cervical and thoracic spine wo"),
        ("72125", "CT C/T/L spine"),
        ("78803", "Parathyroid SPECT sestamibi"),
        ("70498", "CTA head and neck"),
    ]:
        assert match_order(order(code, text=text), [], knowledge) is None, text
    assert not match_order(order("72020", text="XR C-spine single view"), [], knowledge).needs_neck_reason
    assert match_order(order("72020"), [], knowledge).needs_neck_reason  # level not named: the reason must say


def test_the_common_procedures_can_be_suggested_as_cpt(knowledge: Knowledge):
    cpt = knowledge.systems["cpt"].uri
    for pid in ("xr-cspine", "mr-cspine-wo", "mr-cspine-wow", "ct-cspine-wo", "ct-cspine-w", "cta-neck"):
        assert knowledge.order_codes.suggested_coding(pid, (cpt,)) is not None
