"""The words on a card: a summary under 140 characters and a markdown detail that shows the basis.

Every string that comes from the EHR (displays, quoted words, notes, ids) goes through `escape`.
"""

from __future__ import annotations

from cds_service.cards.markdown import escape
from cds_service.engine.model import Decision, Duration, Evidence, Exclusion, Finding, Outcome
from cds_service.knowledge.model import Knowledge, Procedure, Rating

MAX_SUMMARY = 139
MAX_SUGGESTED = 3


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


def detail_markdown(decision: Decision, k: Knowledge) -> str:
    """Scenario(s), ratings table, evidence (with the words read), contraindications and source."""
    parts = [f"**ACR variant {v.number}:** {v.title}" for v in decision.variants]
    parts += [p for p in (_table(decision), _ambiguity(decision), _why(decision), _no_rating(decision)) if p]
    parts += [p for p in (_against_ordered(decision),) if p]
    parts += [_excluded(e) for e in decision.exclusions]
    if decision.ignored:
        parts.append("**Not used:**\n" + "\n".join(f"- {escape(i)}" for i in decision.ignored))
    if decision.outcome is Outcome.NOT_APPROPRIATE and not decision.alternatives:
        parts.append("No rated alternative is safe for this patient; discuss with radiology.")
    parts.append(f"Source: {k.topic.title}, revised {k.topic.revised}. RRL = relative radiation level (adult dose).")
    return "\n\n".join(parts)


def _table(decision: Decision) -> str | None:
    if not (decision.variants and decision.match):
        return None
    studies = [(p, " (ordered)") for p in decision.match.procedures]
    studies += [
        (a.procedure, " (recommended)" if i == 0 else "") for i, a in enumerate(decision.alternatives[:MAX_SUGGESTED])
    ]
    header = "| Study | " + " | ".join(f"Variant {v.number}" for v in decision.variants) + " | RRL |"
    lines = [header, "|---" * (len(decision.variants) + 2) + "|"]
    lines += [_row(decision, procedure, note) for procedure, note in studies]
    return "\n".join(lines)


def _row(decision: Decision, procedure: Procedure, note: str) -> str:
    ratings = [v.rating_of(procedure.id) for v in decision.variants]
    rrl = next((f"{r.rrl_symbol} {r.rrl_dose}".strip() for r in ratings if r), "")
    return f"| {procedure.name}{note} | {' | '.join(_cell(r) for r in ratings)} | {rrl} |"


def _cell(rating: Rating | None) -> str:
    if rating is None:
        return "not rated"
    return f"{rating.category.name} ({rating.category.band_text})"


def _ambiguity(decision: Decision) -> str | None:
    if decision.match and decision.match.ambiguous:
        return (
            f"The order code does not tell these studies apart ({escape(decision.match.basis)}); "
            "it is rated as any of them."
        )
    return None


def _why(decision: Decision) -> str | None:
    lines = [finding_line(f) for f in decision.findings]
    lines += [
        f"{finding_line(f)} — in doubt: the variants with and without it are candidates" for f in decision.widened
    ]
    if decision.duration and decision.variants:
        lines.append(duration_line(decision.duration))
    return "**Why:**\n" + "\n".join(lines) if lines else None


def duration_line(duration: Duration) -> str:
    """The duration, where it was read, and the time words written that set it ("x 3 wks", "since March")."""
    written = ", ".join(f"“{escape(w)}”" for w in duration.words)
    return f"- Duration {duration.label}: {escape(duration.basis)}" + (f"; written: {written}" if written else "")


def finding_line(finding: Finding) -> str:
    """A finding as a line of a card's list (`_basis`)."""
    return f"- {_basis(finding)}"


def _basis(finding: Finding) -> str:
    """A finding's label, its doubt when it is doubtful, and its evidence (`evidence_text`)."""
    doubt = f" ({escape(finding.doubt)})" if finding.doubt else ""
    return f"{finding.label}{doubt}: " + "; ".join(evidence_text(e) for e in finding.evidence)


def evidence_text(e: Evidence) -> str:
    """One piece of evidence as markdown: the resource, its code or the words read, date and note."""
    where = escape(e.reference) + (f" {escape(_element(e.element))}" if e.element and e.quote else "")
    parts = [
        where,
        f"`{escape(e.coding.code)}`" if e.coding else None,
        escape(e.display) if e.display and not e.quote else None,
        f'"{escape(e.quote)}"' if e.quote else None,
        escape(e.date) if e.date else None,
        f"({escape(e.note)})" if e.note else None,
    ]
    return " ".join(p for p in parts if p)


def _element(element: str) -> str:
    """`reasonCode[0].text` -> `reasonCode text`: where the words were read, as a clinician would say it."""
    return " ".join(part.split("[")[0] for part in element.split("."))


def _no_rating(decision: Decision) -> str | None:
    if decision.outcome not in (Outcome.NO_CRITERIA_APPLY, Outcome.INSUFFICIENT_DATA):
        return None
    reasons = [r for r in decision.reasons if r not in decision.ignored]
    return "**No rating:**\n" + "\n".join(f"- {escape(r)}" for r in reasons)


def _against_ordered(decision: Decision) -> str | None:
    """What the chart holds against the ordered study itself (policy §6), with its basis, as the capture card says it:
    a clinician who overrides the warning sees the study is contraindicated too."""
    if not decision.against_ordered:
        return None
    lines = [finding_line(f) for f in decision.against_ordered]
    return f"**The chart holds against {escape(_ordered(decision))}:**\n" + "\n".join(lines)


def _excluded(exclusion: Exclusion) -> str:
    """A withheld alternative and every contraindication that removes it, each with its basis as a finding's line
    shows it (policy §7, §8): if one of them is wrong, the clinician sees the other still holds."""
    findings = "; and ".join(_basis(f) for f in exclusion.findings)
    return f"Not suggested: {exclusion.procedure.name} ({findings})."
