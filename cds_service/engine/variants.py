"""From findings to the candidate variants, or to why none applies (policy §5), under the asymmetric rule.

Doubtful evidence that widens (an uncertain radiculopathy, a possible prior surgery) is read both ways: the ladder
runs once per combination of present and absent widened findings, and the candidates are the union. If any of
those readings gives no variant (e.g. without the uncertain indication there is none), no rating is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from cds_service.engine.facts import PatientFacts
from cds_service.engine.model import Finding, Outcome, Scenario
from cds_service.knowledge.model import Knowledge, Role

MAX_WIDENED = 6  # 2**6 readings at most; more doubtful findings than that: no rating


def infer_scenario(facts: PatientFacts, k: Knowledge) -> Scenario:
    """Apply the policy's rules in order; uncertainty widens the candidate set or blocks, never narrows it."""
    out_of_scope = facts.with_role(Role.OUT_OF_SCOPE)
    if out_of_scope:
        topics = tuple(dict.fromkeys(f.topic for f in out_of_scope if f.topic))
        reasons = tuple(f"{_named(f)}: another ACR topic applies ({f.topic})" for f in out_of_scope)
        return Scenario(Outcome.NO_CRITERIA_APPLY, (), reasons, topics)
    if facts.problems:
        return Scenario(Outcome.INSUFFICIENT_DATA, (), tuple(f"data could not be read: {p}" for p in facts.problems))
    if facts.blocking:
        reasons = tuple(f"{_named(f)}: a rating must not rest on doubtful evidence" for f in facts.blocking)
        return Scenario(Outcome.NO_CRITERIA_APPLY, (), reasons)
    widened = facts.widened
    if len(widened) > MAX_WIDENED:
        return Scenario(Outcome.INSUFFICIENT_DATA, (), ("too many uncertain findings to consider every reading",))
    aged = _aged_by_recording(facts, k)
    ages = (frozenset(), aged) if aged else (frozenset(),)
    readings = [
        _ladder(facts, k, frozenset(f.id for f in present), old) for present in _subsets(widened) for old in ages
    ]
    if all(r.outcome is None for r in readings):
        variants = tuple(sorted({v for r in readings for v in r.variants}))
        widening = tuple(f"{_named(f)}: the variants with and without it are candidates" for f in widened)
        return Scenario(None, variants, tuple(dict.fromkeys(r for s in readings for r in s.reasons)) + widening)
    stopped = next(r for r in readings if r.outcome is not None)
    doubt = tuple(f"{_named(f)}: without it, {stopped.outcome.value}" for f in widened)
    if aged:
        doubt += (f"{' and '.join(sorted(aged))} dated only by when it was recorded: it may be older than the window",)
    if not doubt:
        return stopped
    return Scenario(stopped.outcome, (), stopped.reasons + doubt, stopped.routed_to)


def _aged_by_recording(facts: PatientFacts, k: Knowledge) -> frozenset[str]:
    """The findings of suspected infection dated only by when they were recorded, longer ago than its window (an
    active "fever" recorded in 2019: still going on, or long over): suspected infection is read both ways."""
    window = k.policy.suspected_infection_days
    return frozenset(f for f in k.policy.suspected_infection if facts.recorded_ago.get(f, 0) > window)


def _subsets(findings: tuple[Finding, ...]) -> Iterable[tuple[Finding, ...]]:
    for size in range(len(findings) + 1):
        yield from combinations(findings, size)


def _ladder(facts: PatientFacts, k: Knowledge, extra: frozenset[str], old: frozenset[str] = frozenset()) -> Scenario:
    """Rules 2-8 for one reading: the present findings plus the widened ones assumed present in it; `old`: findings
    read, in this reading, as old as their recording (`_aged_by_recording`; else they may be recent)."""
    present = [f for f in facts.findings] + [f for f in facts.widened if f.id in extra]
    indications = [f for f in present if f.role is Role.INDICATION]
    malignancy = [f for f in present if f.role is Role.MALIGNANCY]
    infection = [f for f in present if f.role is Role.INFECTION]
    suspected_infection = all(
        facts.certain(fid) and facts.days_ago.get(fid, 0) <= k.policy.suspected_infection_days and fid not in old
        for fid in k.policy.suspected_infection
    )
    if malignancy or infection or suspected_infection:
        if not indications:
            return _no_indication()
        return _rule_2(malignancy, infection, suspected_infection, k)
    red_flags = [f for f in present if f.role is Role.RED_FLAG]
    if red_flags:
        reasons = tuple(f"red flag: {_named(f)}; the variants without red flags do not apply" for f in red_flags)
        return Scenario(Outcome.NO_CRITERIA_APPLY, (), reasons)
    if not indications:
        return _no_indication()
    surgery = [f for f in present if f.role is Role.PRIOR_SURGERY]
    if surgery:
        return Scenario(None, k.policy.prior_surgery_variants, tuple(_named(f) for f in surgery))
    return _by_indication(facts, k, {f.id for f in indications})


def _rule_2(malignancy: list[Finding], infection: list[Finding], suspected: bool, k: Knowledge) -> Scenario:
    variants: list[int] = []
    reasons = []
    if infection or suspected:
        variants += k.policy.infection_variants
        reasons += [_named(f) for f in infection]
        if suspected and not infection:
            reasons.append("suspected infection: " + " together with ".join(k.policy.suspected_infection))
    if malignancy:
        variants += k.policy.malignancy_variants
        reasons += [_named(f) for f in malignancy]
    return Scenario(None, tuple(sorted(set(variants))), tuple(reasons))


def _by_indication(facts: PatientFacts, k: Knowledge, present: set[str]) -> Scenario:
    """Rules 5-7: the first indication present decides, by duration."""
    for step in k.policy.indications:
        if step.finding not in present:
            continue
        finding = next(f for f in (*facts.findings, *facts.widened) if f.id == step.finding)
        variants: set[int] = set()
        if "acute" in facts.duration.classes:
            variants |= set(step.acute)
        if "chronic" in facts.duration.classes:
            variants |= set(step.chronic)
        reasons = (_named(finding), f"duration {facts.duration.label}: {facts.duration.basis}")
        return Scenario(None, tuple(sorted(variants)), reasons)
    return _no_indication()


def _no_indication() -> Scenario:
    return Scenario(
        Outcome.INSUFFICIENT_DATA,
        (),
        (
            "no neck indication (cervical pain, radiculopathy or cervicogenic headache) is recorded in the chart "
            "or given as the order's reason",
        ),
    )


def _named(finding: Finding) -> str:
    refs = ", ".join(e.reference for e in finding.evidence)
    doubt = f", {finding.doubt}" if finding.doubt else ""
    return f"{finding.label} ({refs}{doubt})"
