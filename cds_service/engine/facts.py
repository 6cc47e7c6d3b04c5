"""From mentions to the facts the variant ladder uses: the one asymmetric rule, written once (architecture.md).

Each mention's effect comes from its concept's role and its context (policy.yaml `evidence`, findings.yaml
`effects`): a finding, a widening (variants with and without it), a block (no rating) or nothing. For one
concept a certain finding outweighs a block, and a block a widening. Injury evidence counts only when recent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from cds_service.engine.duration import said_increasing, with_doubtful
from cds_service.engine.model import Duration, Evidence, Finding, Mention
from cds_service.engine.recognise import Recognised
from cds_service.engine.text.mention import SYMPTOMS
from cds_service.knowledge.model import Context, Effect, FindingDefinition, Knowledge, Role


@dataclass(frozen=True)
class PatientFacts:
    """Everything the variant ladder and the alternatives need to know about the patient."""

    findings: tuple[Finding, ...]  # present
    widened: tuple[Finding, ...]  # may or may not be present: variants with and without each are candidates
    blocking: tuple[Finding, ...]  # doubtful evidence no rating may rest on
    duration: Duration
    contraindications: tuple[Finding, ...]
    problems: tuple[str, ...]
    ignored: tuple[str, ...]
    mentions: tuple[Mention, ...]
    days_ago: Mapping[str, int] = field(default_factory=dict)  # a finding's: the fewest days before the order its
    # certain mentions may date from (0: undated)
    # a finding dated only by when it was recorded: the fewest days since (it may be older, or going on still)
    recorded_ago: Mapping[str, int] = field(default_factory=dict)

    def has(self, finding_id: str) -> bool:
        return any(f.id == finding_id for f in self.findings)

    def certain(self, finding_id: str) -> bool:
        return any(f.id == finding_id and f.doubt is None for f in self.findings)

    def with_role(self, role: Role) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.role == role)


def build_facts(recognised: Recognised, order_date: date, k: Knowledge) -> PatientFacts:
    """Apply each mention's effect; compute the duration from the certain indications, widened by the doubtful."""
    effects: dict[Effect, dict[str, list[Mention]]] = defaultdict(lambda: defaultdict(list))
    for mention in recognised.mentions:
        if mention.concept == SYMPTOMS:
            continue
        concept = k.concept(mention.concept)
        effect = concept.effect(_as_of(mention, concept.role, order_date, k))
        if effect is Effect.IGNORE or not _recent_enough(concept, mention, order_date):
            continue
        effects[effect][mention.concept].append(mention)
    found = effects[Effect.FINDING]
    blocked = {cid: m for cid, m in effects[Effect.BLOCK].items() if not _outweighed(cid, found, k)}
    widened = {
        cid: m for cid, m in effects[Effect.WIDEN].items() if not _outweighed(cid, found, k) and cid not in blocked
    }
    findings = [_finding(k, cid, ms) for cid, ms in found.items() if cid in k.findings]
    contraindications = [_finding(k, cid, ms) for cid, ms in found.items() if cid in k.contraindications]
    duration_mentions = [
        m
        for cid in k.policy.duration_findings
        for m in found.get(cid, ())
        if m.context in (Context.AFFIRMED, Context.HISTORICAL)
    ]
    doubtful = [m for cid in k.policy.duration_findings for m in effects[Effect.WIDEN].get(cid, ())]
    symptoms = [m for m in recognised.mentions if m.concept == SYMPTOMS and m.order_reason]
    if any(m.order_reason for m in (*duration_mentions, *doubtful)):  # "sx x 3 months" in the order's note
        duration_mentions += [m for m in symptoms if m.context is Context.AFFIRMED]
        doubtful += [m for m in symptoms if m.context is not Context.AFFIRMED]  # maybe another thing's time
    else:  # the order's words say the coded complaint is increasing ("increasing pain", "acute exacerbation"): it may
        # be the acute-or-increasing variant too (review 52b); it only widens
        doubtful += [m for m in symptoms if said_increasing(m)]
    return PatientFacts(
        findings=tuple(findings),
        widened=tuple(_finding(k, cid, ms) for cid, ms in widened.items()),
        blocking=tuple(_finding(k, cid, ms) for cid, ms in blocked.items()),
        duration=with_doubtful(duration_mentions, doubtful, order_date, k.policy),  # (one that may be there)
        contraindications=tuple(contraindications),
        problems=recognised.problems,
        ignored=recognised.ignored,
        mentions=recognised.mentions,
        days_ago={cid: _days_ago(ms, order_date) for cid, ms in found.items()},
        recorded_ago={cid: ago for cid, ms in found.items() if (ago := _recorded_ago(ms, order_date)) is not None},
    )


def _days_ago(mentions: Sequence[Mention], order_date: date) -> int:
    """The fewest days before the order a finding's certain mentions (all of them, if none is) may date from, by
    their onsets and the times written beside them; 0 for an undated one. A doubtful mention never makes a finding
    more recent ("? fever" beside a fever of 2019)."""
    certain = [m for m in mentions if not m.context.doubtful] or mentions
    return min(_mention_days_ago(m, order_date) for m in certain)


def _as_of(mention: Mention, role: Role, order_date: date, k: Knowledge) -> Context:
    """A mention's context, but a history written in words with a time within its role's `recent_history_days` of
    the order is uncertain ("hx of fevers x 1 wk": it may be going on), and so is a finding stated in words with a
    calendar date older than its finding's `dated_stated_days` ("Discitis 2016": it may be over). A coded status
    says more than words: a Condition `resolved` last week stays history."""
    if mention.evidence.span is None:
        return mention.context
    if mention.context is Context.AFFIRMED:
        longer = k.policy.dated_stated_days.get(mention.concept)
        if longer is not None and any(low > longer for low, _ in mention.dated_days_before):
            return Context.UNCERTAIN  # "Discitis 2016": it may be over ("discitis x 4 months" goes on)
        return mention.context
    if mention.context is not Context.HISTORICAL:
        return mention.context
    days = k.policy.recent_history_days.get(role)
    dated = bool(mention.days_before) or mention.onset is not None
    if days is not None and dated and _mention_days_ago(mention, order_date) <= days:
        return Context.UNCERTAIN
    return mention.context


def _mention_days_ago(mention: Mention, order_date: date) -> int:
    """The fewest days before the order a mention may date from, by its onset and the times written beside it; 0 for
    an undated one (a recordedDate does not date it: see `_recorded_ago`)."""
    days = [low for low, _ in mention.days_before]
    if mention.onset is not None:
        days.append((order_date - mention.onset.latest).days)
    return max(0, min(days)) if days else 0


def _recorded_ago(mentions: Sequence[Mention], order_date: date) -> int | None:
    """For a finding whose certain mentions (all, if none is) give no onset and no written time but a recordedDate:
    the fewest days before the order it was recorded. It began then or before, so it may be older than that, or (an
    active Condition) still going on: both readings stay possible (variants.py). None otherwise."""
    certain = [m for m in mentions if not m.context.doubtful] or list(mentions)
    if any(m.onset is not None or m.days_before or m.recorded is None for m in certain):
        return None
    return max(0, min((order_date - m.recorded.latest).days for m in certain if m.recorded is not None))


def _finding(k: Knowledge, concept_id: str, mentions: Sequence[Mention]) -> Finding:
    concept = k.concept(concept_id)
    evidence: list[Evidence] = list(dict.fromkeys(m.evidence for m in mentions))
    doubtful = [m.context for m in mentions if m.context.doubtful]
    doubt = doubtful[0].value if len(doubtful) == len(mentions) else None
    topic = concept.topic if isinstance(concept, FindingDefinition) else None
    return Finding(concept_id, concept.label, concept.role, tuple(evidence), topic, doubt)


def _outweighed(cid: str, found: Mapping[str, list[Mention]], k: Knowledge) -> bool:
    """Whether a certain finding of the concept, or of the one it may be (findings.yaml `doubts`), is there."""
    definition = k.findings.get(cid)
    return cid in found or (definition is not None and definition.doubts in found)


def _recent_enough(concept: object, mention: Mention, order_date: date) -> bool:
    """Injury evidence (policy §3): an initial encounter always counts, a sequela never (its code's 7th character
    decides, whatever the words); otherwise its own words' time that may be recent counts, whatever the resource's
    date says ("Fell from a ladder 5 days ago" with an onset 51 days back: a fifty-first review; the two disagree,
    and an injury that may be recent blocks); else unless a date or its words show it more than `recent_days` before
    the order (an undated injury counts)."""
    recency = getattr(concept, "recency", None)
    if recency is None or mention.coded_recency is True:
        return True
    if mention.coded_recency is False:
        return False
    written = min((low for low, _ in mention.days_before), default=None)
    if written is not None:
        return written <= recency.recent_days
    started = mention.onset or mention.recorded
    return started is None or (order_date - started.latest).days <= recency.recent_days
