"""What the engine produces: findings with evidence, candidate scenarios and the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cds_service.engine.dates import DayRange
from cds_service.knowledge.model import Category, Context, Procedure, Rating, Role, Variant


class Outcome(StrEnum):
    """The decision on one order (policy §7)."""

    NOT_APPROPRIATE = "not-appropriate"  # UNA in every candidate variant -> warning
    APPROPRIATE = "appropriate"  # rated, not UNA everywhere -> no card (or info when a UA alternative exists)
    NO_CRITERIA_APPLY = "no-criteria-apply"  # out of scope, red flag, or not rated for this patient
    INSUFFICIENT_DATA = "insufficient-data"  # no indication, or needed data could not be read
    NOT_APPLICABLE = "not-applicable"  # the order is not one of the topic's procedures

    @property
    def pama_rating(self) -> str | None:
        """The Argonaut pama-rating code, or None when no rating may be attached."""
        return {
            Outcome.NOT_APPROPRIATE: "not-appropriate",
            Outcome.APPROPRIATE: "appropriate",
            Outcome.NO_CRITERIA_APPLY: "no-criteria-apply",
        }.get(self)


@dataclass(frozen=True)
class Coding:
    """A FHIR Coding as read (system URI, code, display); kept typed, never joined into a string."""

    system: str | None
    code: str
    display: str | None = None

    @property
    def complete(self) -> bool:
        """Whether it can be written back to an EHR (a system and a code)."""
        return bool(self.system and self.system.strip() and self.code.strip())


@dataclass(frozen=True)
class Evidence:
    """One FHIR resource (or element of it) behind a finding: its code, or the words read in it."""

    reference: str  # e.g. "Condition/123", "ServiceRequest/abc"
    element: str | None = None  # e.g. "reasonCode[0].text", "note[1].text", "code"
    coding: Coding | None = None
    display: str | None = None
    date: str | None = None
    note: str | None = None  # e.g. "38.6 Cel", "provisional", "uncertain"
    quote: str | None = None  # the words read (text evidence only; never stored in the audit trail)
    span: tuple[int, int] | None = None  # character offsets of the mention in that element's text
    time_words: tuple[str, ...] = ()  # the time words written beside it ("x 3 wks"; text evidence only, never stored)


@dataclass(frozen=True)
class Mention:
    """A concept the chart states, in a context, with when it began (as far as known) and its evidence."""

    concept: str
    context: Context
    evidence: Evidence
    onset: DayRange | None = None  # when it began (coded onset, or a date written beside it)
    recorded: DayRange | None = None  # when it was recorded (it existed by then)
    days_before: tuple[tuple[int, int], ...] = ()  # written spans: (fewest, most) days before the order
    dated_days_before: tuple[tuple[int, int], ...] = ()  # those of them written as a calendar date ("2016")
    duration_classes: tuple[frozenset[str], ...] = ()  # each written duration word's classes: {chronic}, {acute}
    coded_recency: bool | None = None  # injury codes: True initial encounter, False sequela, None no rule
    order_reason: bool = False  # stated by the order itself (reasonCode, note, reasonReference)
    sibling: bool = False  # stated by another draft order of the same call (its reason or note)


@dataclass(frozen=True)
class Finding:
    """A clinical fact read from the chart, with the resources that support it."""

    id: str
    label: str
    role: Role
    evidence: tuple[Evidence, ...]
    topic: str | None = None
    doubt: str | None = None  # why it is doubtful (suspected, uncertain, status unknown), when it is

    @property
    def suspected(self) -> bool:
        return self.doubt is not None


@dataclass(frozen=True)
class Duration:
    """How long the neck symptoms have lasted, as far as the chart proves it."""

    classes: frozenset[str]  # {"acute"}, {"chronic"} or both
    days_at_least: int | None
    days_at_most: int | None
    basis: str  # where each source is, never the words (it goes into the audit trail)
    words: tuple[str, ...] = ()  # the time words written that set it (shown on the card, never stored)

    @property
    def label(self) -> str:
        return " or ".join(sorted(self.classes))


@dataclass(frozen=True)
class Scenario:
    """Which variants the evidence leaves possible, or why none applies."""

    outcome: Outcome | None  # None when `variants` is the answer
    variants: tuple[int, ...]
    reasons: tuple[str, ...]
    routed_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderRating:
    """The ordered procedure's rating in one candidate variant (None: that variant does not rate it)."""

    variant: Variant
    procedure: Procedure
    rating: Rating | None


@dataclass(frozen=True)
class Alternative:
    """A procedure rated in every candidate variant, with its ratings there."""

    procedure: Procedure
    ratings: tuple[Rating, ...]
    worst: Category


@dataclass(frozen=True)
class Exclusion:
    """An alternative left out because the patient cannot have it."""

    procedure: Procedure
    worst: Category
    findings: tuple[Finding, ...]  # every contraindication that removes it (at least one), with its basis and doubt

    @property
    def contraindication(self) -> str:
        """The first contraindication that removes it."""
        return self.findings[0].id

    @property
    def label(self) -> str:
        return self.findings[0].label

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return self.findings[0].evidence


@dataclass(frozen=True)
class OrderMatch:
    """The procedure(s) an order may be, and how that was decided."""

    procedures: tuple[Procedure, ...]
    basis: str
    codings: tuple[Coding, ...] = ()  # the order's codings that decided it
    needs_neck_reason: bool = False  # rated only if the order's own reason is a neck indication (policy §10)

    @property
    def ambiguous(self) -> bool:
        return len(self.procedures) > 1


@dataclass(frozen=True)
class Decision:
    """The full, explainable answer for one order."""

    order_id: str | None
    order_date: date
    outcome: Outcome
    match: OrderMatch | None
    variants: tuple[Variant, ...] = ()
    ratings: tuple[OrderRating, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    findings: tuple[Finding, ...] = ()
    # doubtful findings read both ways: the variants with and without each are candidates (a card shows them, as what
    # made those variants possible: a forty-second review found variant 3 on a card with nothing to show for it)
    widened: tuple[Finding, ...] = ()
    duration: Duration | None = None
    reasons: tuple[str, ...] = ()
    routed_to: tuple[str, ...] = ()
    better_alternative: bool = False
    mentions: tuple[Mention, ...] = ()  # everything read, for the audit trail (concept, context, offsets)
    ignored: tuple[str, ...] = ()  # data not used, and why (another patient's)
    # the chart's contraindications to the ordered study itself (policy §6 judges the alternatives; the capture card,
    # whose choices keep the ordered study, shows these)
    against_ordered: tuple[Finding, ...] = ()

    @property
    def recommended(self) -> Alternative | None:
        return self.alternatives[0] if self.alternatives else None

    @property
    def categories(self) -> tuple[Category, ...]:
        """The ordered study's categories across the candidates, best first (empty if not rated everywhere)."""
        if not self.ratings or any(r.rating is None for r in self.ratings):
            return ()
        return tuple(sorted({r.rating.category for r in self.ratings if r.rating}, key=lambda c: c.rank))

    @property
    def category(self) -> Category | None:
        """The ordered study's one category, when every candidate gives the same (else None: no single one)."""
        return self.categories[0] if len(self.categories) == 1 else None

    @property
    def worst_category(self) -> Category | None:
        """The ordered study's least favourable rating across candidates (None if not rated everywhere)."""
        if not self.ratings or any(r.rating is None for r in self.ratings):
            return None
        return max((r.rating.category for r in self.ratings if r.rating), key=lambda c: c.rank)
