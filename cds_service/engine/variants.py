"""From findings to the candidate variants, or to why none applies (policy §5)."""

from __future__ import annotations

from cds_service.engine.findings import PatientFacts
from cds_service.engine.model import Finding, Outcome, Scenario
from cds_service.knowledge.model import Knowledge

FEVER, ELEVATED_MARKER = "fever", "elevated-inflammatory-marker"


def infer_scenario(facts: PatientFacts, k: Knowledge) -> Scenario:
    """Apply the policy's rules in order; uncertainty widens the candidate set, never narrows it."""
    out_of_scope = facts.with_role("out-of-scope")
    if out_of_scope:
        topics = tuple(dict.fromkeys(f.topic for f in out_of_scope if f.topic))
        reasons = tuple(f"{f.label} ({_refs(f)}): another ACR topic applies ({f.topic})" for f in out_of_scope)
        return Scenario(Outcome.NO_CRITERIA_APPLY, (), reasons, topics)
    if facts.problems:
        return Scenario(Outcome.INSUFFICIENT_DATA, (), tuple(f"data could not be read: {p}" for p in facts.problems))

    indications = facts.with_role("indication")
    malignancy = facts.with_role("malignancy")
    infection = facts.with_role("infection")
    suspected_infection = facts.has(FEVER) and facts.has(ELEVATED_MARKER)
    if malignancy or infection or suspected_infection:
        if not indications:
            return _no_indication()
        variants: list[int] = []
        reasons = []
        if infection or suspected_infection:
            variants += k.policy.infection_variants
            reasons += [f"{f.label}{' (suspected)' if f.suspected else ''} ({_refs(f)})" for f in infection]
            if suspected_infection and not infection:
                reasons.append("suspected infection: fever together with an elevated inflammatory marker")
        if malignancy:
            variants += k.policy.malignancy_variants
            reasons += [f"{f.label} ({_refs(f)})" for f in malignancy]
        return Scenario(None, tuple(sorted(set(variants))), tuple(reasons))

    red_flags = facts.with_role("red-flag")
    if red_flags:
        reasons = tuple(
            f"red flag: {f.label} ({_refs(f)}); the variants without red flags do not apply" for f in red_flags
        )
        return Scenario(Outcome.NO_CRITERIA_APPLY, (), reasons)
    if not indications:
        return _no_indication()

    base, base_reasons = _ladder(facts, k)
    surgery = facts.with_role("prior-surgery")
    certain = [f for f in surgery if f.certainty == "certain"]
    if certain:
        return Scenario(None, k.policy.prior_surgery_variants, tuple(f"{f.label} ({_refs(f)})" for f in certain))
    if surgery:
        reasons = tuple(f"{f.label} ({_refs(f)}): post-surgical variant added" for f in surgery) + base_reasons
        return Scenario(None, tuple(sorted(set(k.policy.prior_surgery_variants) | set(base))), reasons)
    return Scenario(None, base, base_reasons)


def _ladder(facts: PatientFacts, k: Knowledge) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Rules 5-7: the first indication present decides, by duration."""
    for step in k.policy.indications:
        finding = next((f for f in facts.findings if f.id == step.finding), None)
        if finding is None:
            continue
        variants: set[int] = set()
        if "acute" in facts.duration.classes:
            variants |= set(step.acute)
        if "chronic" in facts.duration.classes:
            variants |= set(step.chronic)
        reasons = (f"{finding.label} ({_refs(finding)})", f"duration {facts.duration.label}: {facts.duration.basis}")
        return tuple(sorted(variants)), reasons
    return (), ()


def _no_indication() -> Scenario:
    return Scenario(
        Outcome.INSUFFICIENT_DATA,
        (),
        (
            "no neck indication (cervical pain, radiculopathy or cervicogenic headache) is recorded in the chart "
            "or given as the order's reason",
        ),
    )


def _refs(finding: Finding) -> str:
    return ", ".join(e.reference for e in finding.evidence)
