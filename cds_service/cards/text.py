"""The words on a card: a summary under 140 characters and a markdown detail that shows the basis."""

from __future__ import annotations

from cds_service.engine.model import Decision, Outcome
from cds_service.knowledge.model import Knowledge, Procedure, Rating

MAX_SUMMARY = 139


def _scenario(decision: Decision) -> str:
    names = [v.short[0].lower() + v.short[1:] for v in decision.variants]
    return " or ".join(names)


def _ordered(decision: Decision) -> str:
    procedures = decision.match.procedures if decision.match else ()
    return " / ".join(p.short for p in procedures) or "The ordered study"


def _fit(*candidates: str) -> str:
    """The first candidate that fits, else the last one cut with an ellipsis."""
    for text in candidates:
        if len(text) <= MAX_SUMMARY:
            return text
    return candidates[-1][: MAX_SUMMARY - 1].rstrip() + "…"


def summary_for(decision: Decision) -> str:
    """One sentence: the ordered study's rating, for which scenario, and the better study."""
    ordered = _ordered(decision)
    numbers = " and ".join(str(v.number) for v in decision.variants)
    label = "variants" if len(decision.variants) > 1 else "variant"
    scenarios = [f"for {_scenario(decision)} (ACR {label} {numbers})", f"(ACR {label} {numbers})"]
    best = decision.recommended
    if decision.outcome is Outcome.NOT_APPROPRIATE:
        tail = f"; consider {best.procedure.short}" if best else "; no rated alternative is safe for this patient"
        options = [f"{ordered}: usually not appropriate {s}{tail}" for s in scenarios]
        return _fit(*options, f"{ordered}: usually not appropriate {scenarios[-1]}")
    better = best.procedure.short if best else "Another study"
    options = [f"{better} is usually appropriate {s}; {ordered} may be appropriate" for s in scenarios]
    return _fit(*options, f"{better} is usually appropriate {scenarios[-1]}")


def no_rating_summary(decision: Decision) -> str:
    if decision.routed_to:
        return _fit(f"No ACR rating for {_ordered(decision)}: see ACR topic {', '.join(decision.routed_to)}")
    return _fit(f"No ACR rating for {_ordered(decision)}: this patient fits none of the topic's variants")


def _cell(rating: Rating | None) -> str:
    if rating is None:
        return "not rated"
    return f"{rating.category.name} ({rating.category.band_text})"


def _rows(decision: Decision, procedures: list[tuple[Procedure, str]]) -> list[str]:
    header = "| Study | " + " | ".join(f"Variant {v.number}" for v in decision.variants) + " | RRL |"
    lines = [header, "|---" * (len(decision.variants) + 2) + "|"]
    for procedure, note in procedures:
        ratings = [v.rating_of(procedure.id) for v in decision.variants]
        rrl = next((r.rrl_symbol for r in ratings if r), "")
        cells = " | ".join(_cell(r) for r in ratings)
        lines.append(f"| {procedure.name}{note} | {cells} | {rrl} |")
    return lines


def detail_markdown(decision: Decision, k: Knowledge) -> str:
    """Ordered study, scenario(s), ratings table, evidence, contraindications and source."""
    parts: list[str] = []
    for v in decision.variants:
        parts.append(f"**ACR variant {v.number}:** {v.title}")
    if decision.variants and decision.match:
        studies = [(p, " (ordered)") for p in decision.match.procedures]
        studies += [(a.procedure, " (recommended)" if i == 0 else "") for i, a in enumerate(decision.alternatives[:3])]
        parts.append("\n".join(_rows(decision, studies)))
    if decision.match and decision.match.ambiguous:
        parts.append(
            f"The order code does not tell these studies apart ({decision.match.basis}); it is rated as any of them."
        )
    evidence = []
    for finding in decision.findings:
        refs = "; ".join(
            " ".join(
                x
                for x in (
                    e.reference,
                    f"`{e.code.rpartition('|')[2]}`" if e.code else None,
                    e.display,
                    e.date,
                    f"({e.note})" if e.note else None,
                )
                if x
            )
            for e in finding.evidence
        )
        evidence.append(f"- {finding.label}{' (suspected)' if finding.suspected else ''}: {refs}")
    if decision.duration and decision.variants:
        evidence.append(f"- Duration {decision.duration.label}: {decision.duration.basis}")
    if evidence:
        parts.append("**Why:**\n" + "\n".join(evidence))
    if decision.outcome in (Outcome.NO_CRITERIA_APPLY, Outcome.INSUFFICIENT_DATA):
        parts.append("**No rating:**\n" + "\n".join(f"- {r}" for r in decision.reasons))
    for exclusion in decision.exclusions:
        refs = ", ".join(e.reference for e in exclusion.evidence)
        parts.append(f"Not suggested: {exclusion.procedure.name} ({exclusion.label}; {refs}).")
    if decision.outcome is Outcome.NOT_APPROPRIATE and not decision.alternatives:
        parts.append("No rated alternative is safe for this patient; discuss with radiology.")
    parts.append(f"Source: {k.topic.title}, revised {k.topic.revised}. RRL = relative radiation level.")
    return "\n\n".join(parts)
