"""Rank the procedures a clinician could order instead, honouring contraindications (policy §6)."""

from __future__ import annotations

from collections.abc import Sequence

from cds_service.engine.model import Alternative, Exclusion, Finding
from cds_service.knowledge.model import Knowledge, Procedure, Variant


def rank_alternatives(
    variants: Sequence[Variant], ordered: Sequence[Procedure], contraindications: Sequence[Finding], k: Knowledge
) -> tuple[tuple[Alternative, ...], tuple[Exclusion, ...]]:
    """Procedures rated in every candidate, not UNA anywhere, best worst-category first, then ACR order."""
    if not variants:
        return (), ()
    una_rank = max(c.rank for c in k.categories.values())
    ranked = []
    for first in variants[0].ratings:
        procedure = first.procedure
        if procedure in ordered:
            continue
        ratings = [v.rating_of(procedure.id) for v in variants]
        if any(r is None for r in ratings):
            continue
        worst = max((r.category for r in ratings if r), key=lambda c: c.rank)
        if worst.rank < una_rank:
            ranked.append((worst.rank, first.position, Alternative(procedure, tuple(r for r in ratings if r), worst)))
    ranked.sort(key=lambda item: item[:2])
    kept: list[Alternative] = []
    excluded: list[Exclusion] = []
    for _, _, alternative in ranked:
        blocking = tuple(
            c for c in contraindications if k.contraindications[c.id].excludes_procedure(alternative.procedure)
        )
        if not blocking:
            kept.append(alternative)
        else:
            excluded.append(Exclusion(alternative.procedure, alternative.worst, blocking))
    return tuple(kept), tuple(excluded)
