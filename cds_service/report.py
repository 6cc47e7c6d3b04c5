"""Decisions as JSON-ready dicts and as a readable text summary (CLI, audit trail, cards)."""

from __future__ import annotations

from typing import Any

from cds_service.engine.model import Alternative, Decision, Evidence, Finding
from cds_service.knowledge.model import Rating


def rating_dict(rating: Rating) -> dict[str, Any]:
    return {
        "variant": rating.variant,
        "procedure": rating.procedure.id,
        "category": rating.category.code,
        "category_name": rating.category.name,
        "band": rating.category.band_text,
        "rrl": rating.rrl_symbol,
    }


def _evidence(e: Evidence) -> dict[str, Any]:
    return {k: v for k, v in vars(e).items() if v is not None}


def _finding(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id, "label": f.label, "role": f.role}
    if f.suspected:
        out["suspected"] = True
    if f.topic:
        out["topic"] = f.topic
    if f.certainty:
        out["certainty"] = f.certainty
    out["evidence"] = [_evidence(e) for e in f.evidence]
    return out


def _alternative(a: Alternative) -> dict[str, Any]:
    return {
        "procedure": a.procedure.id,
        "name": a.procedure.name,
        "worst_category": a.worst.code,
        "ratings": [rating_dict(r) for r in a.ratings],
    }


def decision_dict(d: Decision) -> dict[str, Any]:
    """The whole decision as plain JSON data."""
    out: dict[str, Any] = {
        "order": {"id": d.order_id, "date": d.order_date.isoformat()},
        "outcome": d.outcome.value,
    }
    if d.outcome.pama_rating:
        out["pama_rating"] = d.outcome.pama_rating
    if d.match:
        out["order"]["procedures"] = [{"id": p.id, "name": p.name} for p in d.match.procedures]
        out["order"]["mapped_by"] = d.match.basis
        if d.match.coding:
            out["order"]["coding"] = d.match.coding
    if d.variants:
        out["variants"] = [{"number": v.number, "title": v.title, "short": v.short} for v in d.variants]
    if d.ratings:
        out["ratings"] = [
            rating_dict(r.rating)
            if r.rating
            else {"variant": r.variant.number, "procedure": r.procedure.id, "category": None}
            for r in d.ratings
        ]
    if d.alternatives:
        out["alternatives"] = [_alternative(a) for a in d.alternatives]
        out["better_alternative"] = d.better_alternative
    if d.exclusions:
        out["excluded_alternatives"] = [
            {
                "procedure": e.procedure.id,
                "contraindication": e.contraindication,
                "label": e.label,
                "evidence": [_evidence(x) for x in e.evidence],
            }
            for e in d.exclusions
        ]
    if d.findings:
        out["findings"] = [_finding(f) for f in d.findings]
    if d.duration:
        out["duration"] = {
            k: v
            for k, v in {
                "classes": sorted(d.duration.classes),
                "days_at_least": d.duration.days_at_least,
                "days_at_most": d.duration.days_at_most,
                "basis": d.duration.basis,
            }.items()
            if v is not None
        }
    if d.routed_to:
        out["routed_to"] = list(d.routed_to)
    out["reasons"] = list(d.reasons)
    return out


def decision_text(d: Decision) -> str:
    """A short human-readable summary of a decision."""
    lines = [f"Order {d.order_id or '(no id)'} on {d.order_date}: {d.outcome.value.upper()}"]
    if d.match:
        names = " or ".join(p.name for p in d.match.procedures)
        lines.append(f"  Study: {names}  [{d.match.basis}]")
    for v in d.variants:
        lines.append(f"  Variant {v.number}: {v.title}")
    for r in d.ratings:
        if r.rating:
            lines.append(
                f"    V{r.variant.number} {r.procedure.name}: {r.rating.category.name} "
                f"({r.rating.category.band_text}), RRL {r.rating.rrl_symbol}"
            )
        else:
            lines.append(f"    V{r.variant.number} {r.procedure.name}: not rated")
    if d.alternatives:
        lines.append("  Alternatives:" if not d.better_alternative else "  Better alternatives:")
        for a in d.alternatives[:3]:
            ratings = ", ".join(f"V{r.variant} {r.category.code} {r.rrl_symbol}" for r in a.ratings)
            lines.append(f"    - {a.procedure.name} ({ratings})")
    for e in d.exclusions:
        refs = ", ".join(x.reference for x in e.evidence)
        lines.append(f"  Not suggested: {e.procedure.name} ({e.label} <- {refs})")
    for f in d.findings:
        refs = ", ".join(e.reference for e in f.evidence)
        lines.append(f"  Finding: {f.label}{' (suspected)' if f.suspected else ''} <- {refs}")
    if d.duration:
        lines.append(f"  Duration: {d.duration.label} ({d.duration.basis})")
    for reason in d.reasons:
        lines.append(f"  Reason: {reason}")
    return "\n".join(lines)
