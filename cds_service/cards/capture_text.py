"""The words on the capture card (policy §9): a label per choice and a detail that shows each choice's basis."""

from __future__ import annotations

from cds_service.cards.markdown import escape
from cds_service.cards.text import duration_line, finding_line
from cds_service.engine.capture import CaptureChoice
from cds_service.engine.model import Decision, Finding, Outcome
from cds_service.knowledge.model import Knowledge, Role

CAPTURE_SUMMARY = "No indication recorded: choose one"
MAX_LABEL = 80


def rating_words(decision: Decision) -> str:
    """The order's rating as a clinician reads it: the ACR category, or why there is none."""
    if decision.outcome is Outcome.NO_CRITERIA_APPLY:
        return "no ACR rating applies"
    names = [c.name for c in decision.categories]  # best first: "May Be Appropriate or Usually Not Appropriate"
    return " or ".join(names) if names else decision.outcome.value


def choice_label(choice: CaptureChoice) -> str:
    """The reason and the rating it gives; past MAX_LABEL characters, the categories by their codes ("Cervical
    radiculopathy: UA or MBA or UNA"), never cut inside one (the detail's table names them in full)."""
    label = f"{choice.finding.label}: {rating_words(choice.decision)}"
    if len(label) <= MAX_LABEL:
        return label
    codes = " or ".join(c.code for c in choice.decision.categories)
    return f"{choice.finding.label}: {codes}"[:MAX_LABEL]


def capture_detail(choices: tuple[CaptureChoice, ...], ordered: str, k: Knowledge) -> str:
    """Why the card is shown, one row per choice (reason, code, variants, rating), and what the chart adds."""
    parts = [
        f"The order states no indication and the chart records none, so {escape(ordered)} cannot be rated. Each "
        "choice adds one coded reason (SNOMED CT) to the draft order and shows the rating the order would then get "
        "on this chart; the next order-select rates it for real.",
        _table(choices, ordered),
    ]
    parts += [p for p in (_variants(choices), _duration(choices), _no_rating(choices), _chart_findings(choices)) if p]
    parts += [p for p in (_against_ordered(choices, ordered),) if p]
    parts.append(f"Source: {k.topic.title}, revised {k.topic.revised}.")
    return "\n\n".join(parts)


def _table(choices: tuple[CaptureChoice, ...], ordered: str) -> str:
    lines = [f"| Reason | SNOMED CT | ACR variant | {escape(ordered)} |", "|---|---|---|---|"]
    for c in choices:
        variants = " or ".join(str(v.number) for v in c.decision.variants) or "none"
        lines.append(f"| {c.finding.label} | `{c.reason.code}` | {variants} | {rating_words(c.decision)} |")
    return "\n".join(lines)


def _variants(choices: tuple[CaptureChoice, ...]) -> str | None:
    """The ACR variants the table names, each with its text (policy §7: every card carries the variants' text)."""
    variants = {v.number: v for c in choices for v in c.decision.variants}
    lines = [f"- {n}: {variants[n].title}" for n in sorted(variants)]
    return "**ACR variants:**\n" + "\n".join(lines) if lines else None


def _duration(choices: tuple[CaptureChoice, ...]) -> str | None:
    """The duration words the order or the chart wrote ("symptoms x 3 days"), which every choice is read with."""
    lines = dict.fromkeys(duration_line(d) for c in choices if (d := c.decision.duration) is not None and d.words)
    return "**Duration, for every choice:**\n" + "\n".join(lines) if lines else None


def _no_rating(choices: tuple[CaptureChoice, ...]) -> str | None:
    """Why a choice gives no rating (a red flag, an out-of-scope finding): the same reason for every choice."""
    reasons = dict.fromkeys(
        r for c in choices if c.decision.outcome is Outcome.NO_CRITERIA_APPLY for r in c.decision.reasons
    )
    return "**No rating:**\n" + "\n".join(f"- {escape(r)}" for r in reasons) if reasons else None


def _chart_findings(choices: tuple[CaptureChoice, ...]) -> str | None:
    """What the chart itself holds that changes the rating (not the added reason), with where it was read."""
    found = [f for c in choices for f in c.decision.findings if f.role is not Role.INDICATION]
    lines = _finding_lines(found)
    return "**From the chart, for every choice:**\n" + "\n".join(lines) if lines else None


def _against_ordered(choices: tuple[CaptureChoice, ...], ordered: str) -> str | None:
    """What the chart holds against the ordered study itself (each choice keeps it), with where it was read."""
    lines = _finding_lines([f for c in choices for f in c.decision.against_ordered])
    if not lines:
        return None
    return f"**The chart holds against {escape(ordered)} (every choice keeps it):**\n" + "\n".join(lines)


def _finding_lines(findings: list[Finding]) -> list[str]:
    """One line per finding (the first of each id), as the warning card writes it (`finding_line`)."""
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.id, finding)
    return [finding_line(f) for f in first.values()]
