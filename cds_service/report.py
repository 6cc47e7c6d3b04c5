"""Decisions as JSON-ready dicts and as a readable text summary (CLI, audit trail, cards)."""

from __future__ import annotations

from typing import Any

from cds_service.engine.model import Alternative, Decision, Duration, Evidence, Exclusion, Finding, Mention, OrderRating
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
    out: dict[str, Any] = {k: v for k, v in vars(e).items() if v is not None and k != "coding"}
    if e.coding:
        out["coding"] = {k: v for k, v in vars(e.coding).items() if v is not None}
    if e.span:
        out["span"] = list(e.span)
    return out


def _finding(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id, "label": f.label, "role": f.role.value}
    if f.doubt:
        out["doubt"] = f.doubt
    if f.topic:
        out["topic"] = f.topic
    out["evidence"] = [_evidence(e) for e in f.evidence]
    return out


def mention_dict(m: Mention) -> dict[str, Any]:
    """What was read, without the words themselves (the audit trail keeps concept, context and offsets only)."""
    out: dict[str, Any] = {"concept": m.concept, "context": m.context.value, "source": m.evidence.reference}
    if m.evidence.element:
        out["element"] = m.evidence.element
    if m.evidence.span:
        out["span"] = list(m.evidence.span)
    return out


def _alternative(a: Alternative) -> dict[str, Any]:
    return {
        "procedure": a.procedure.id,
        "name": a.procedure.name,
        "worst_category": a.worst.code,
        "ratings": [rating_dict(r) for r in a.ratings],
    }


def decision_dict(d: Decision) -> dict[str, Any]:
    """The whole decision as plain JSON data (optional parts only when they have a value)."""
    out: dict[str, Any] = {"order": _order(d), "outcome": d.outcome.value}
    optional = {
        "pama_rating": d.outcome.pama_rating,
        "variants": [{"number": v.number, "title": v.title, "short": v.short} for v in d.variants],
        "ratings": [_order_rating(r) for r in d.ratings],
        "alternatives": [_alternative(a) for a in d.alternatives],
        "better_alternative": d.better_alternative if d.alternatives else None,
        "excluded_alternatives": [_exclusion(e) for e in d.exclusions],
        "findings": [_finding(f) for f in d.findings],
        "duration": _duration(d.duration) if d.duration else None,
        "routed_to": list(d.routed_to),
        "ignored": list(d.ignored),
    }
    out.update({k: v for k, v in optional.items() if v not in (None, [], {})})
    out["reasons"] = list(d.reasons)
    return out


def _order(d: Decision) -> dict[str, Any]:
    order: dict[str, Any] = {"id": d.order_id, "date": d.order_date.isoformat()}
    if d.match:
        order["procedures"] = [{"id": p.id, "name": p.name} for p in d.match.procedures]
        order["mapped_by"] = d.match.basis
        if d.match.codings:
            order["codings"] = [{"system": c.system, "code": c.code} for c in d.match.codings]
    return order


def _order_rating(r: OrderRating) -> dict[str, Any]:
    if r.rating:
        return rating_dict(r.rating)
    return {"variant": r.variant.number, "procedure": r.procedure.id, "category": None}


def _exclusion(e: Exclusion) -> dict[str, Any]:
    return {
        "procedure": e.procedure.id,
        "contraindication": e.contraindication,
        "label": e.label,
        "evidence": [_evidence(x) for x in e.evidence],
    }


def _duration(duration: Duration) -> dict[str, Any]:
    values = {
        "classes": sorted(duration.classes),
        "days_at_least": duration.days_at_least,
        "days_at_most": duration.days_at_most,
        "basis": duration.basis,
    }
    return {k: v for k, v in values.items() if v is not None}


def decision_text(d: Decision) -> str:
    """A short human-readable summary of a decision."""
    lines = [f"Order {d.order_id or '(no id)'} on {d.order_date}: {d.outcome.value.upper()}"]
    if d.match:
        names = " or ".join(p.name for p in d.match.procedures)
        lines.append(f"  Study: {names}  [{d.match.basis}]")
    lines += [f"  Variant {v.number}: {v.title}" for v in d.variants]
    lines += [_rating_line(r) for r in d.ratings]
    lines += _alternative_lines(d)
    for f in d.findings:
        lines.append(f"  Finding: {f.label}{f' ({f.doubt})' if f.doubt else ''}")
        lines += [f"    <- {_evidence_line(e)}" for e in f.evidence]
    if d.duration:
        lines.append(f"  Duration: {d.duration.label} ({d.duration.basis})")
    lines += [f"  Reason: {reason}" for reason in d.reasons]
    return "\n".join(lines)


def _rating_line(r: OrderRating) -> str:
    if r.rating is None:
        return f"    V{r.variant.number} {r.procedure.name}: not rated"
    category = r.rating.category
    return (
        f"    V{r.variant.number} {r.procedure.name}: {category.name} ({category.band_text}), RRL {r.rating.rrl_symbol}"
    )


def _alternative_lines(d: Decision) -> list[str]:
    lines = ["  Better alternatives:" if d.better_alternative else "  Alternatives:"] if d.alternatives else []
    for a in d.alternatives[:3]:
        ratings = ", ".join(f"V{r.variant} {r.category.code} {r.rrl_symbol}" for r in a.ratings)
        lines.append(f"    - {a.procedure.name} ({ratings})")
    for e in d.exclusions:
        refs = ", ".join(x.reference for x in e.evidence)
        lines.append(f"  Not suggested: {e.procedure.name} ({e.label} <- {refs})")
    return lines


def _evidence_line(e: Evidence) -> str:
    where = f"{e.reference} {e.element}" if e.element else e.reference
    parts = [where, e.coding.code if e.coding else None, f'"{e.quote}"' if e.quote else e.display, e.date, e.note]
    return " ".join(p for p in parts if p)
