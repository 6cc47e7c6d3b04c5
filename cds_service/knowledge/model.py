"""Typed, immutable form of the clinical knowledge in mappings/ (built once at start-up)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cds_service.knowledge.codes import CodeSets, CodeSystems


@dataclass(frozen=True)
class Category:
    """An ACR appropriateness category (UA, MBA, MBA-D, UNA)."""

    code: str
    name: str
    band: tuple[int, int]
    rank: int
    pama: str

    @property
    def band_text(self) -> str:
        low, high = self.band
        return str(low) if low == high else f"{low}-{high}"


@dataclass(frozen=True)
class Procedure:
    """One of the imaging procedures the ACR topic rates."""

    id: str
    name: str
    short: str
    modality: str
    contrast: str
    mri: bool
    gadolinium: bool
    iodinated: bool

    def involves(self, attribute: str) -> bool:
        """Whether the procedure involves `mri`, `gadolinium` or `iodinated` contrast."""
        return bool(getattr(self, attribute))


@dataclass(frozen=True)
class Rating:
    """A procedure's rating in one variant: category, relative radiation level and table position."""

    variant: int
    procedure: Procedure
    category: Category
    rrl: int
    position: int

    @property
    def rrl_symbol(self) -> str:
        return "O" if self.rrl == 0 else "☢" * self.rrl


@dataclass(frozen=True)
class Variant:
    """An ACR clinical scenario with its rating table in ACR order."""

    number: int
    title: str
    short: str
    adult_only: bool
    ratings: tuple[Rating, ...]

    def rating_of(self, procedure_id: str) -> Rating | None:
        return next((r for r in self.ratings if r.procedure.id == procedure_id), None)


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    revised: int
    url: str
    methodology_url: str | None = None


@dataclass(frozen=True)
class FindingDefinition:
    """A clinical finding and the Condition / Procedure codes that evidence it."""

    id: str
    label: str
    role: str
    counts: frozenset[str]
    condition_codes: CodeSets
    procedure_codes: CodeSets
    topic: str | None = None
    certainty: str | None = None
    initial_encounter: frozenset[str] = frozenset()
    sequela: frozenset[str] = frozenset()
    recent_days: int | None = None


@dataclass(frozen=True)
class ConditionStatus:
    current: frozenset[str]
    history: frozenset[str]
    suspected: frozenset[str]
    ignored: frozenset[str]


@dataclass(frozen=True)
class UnitConversion:
    factor: float
    offset: float = 0.0

    def to_canonical(self, value: float) -> float:
        return (value + self.offset) * self.factor


@dataclass(frozen=True)
class ObservationRule:
    """A lab or vital sign: its LOINC codes, canonical unit, conversions and threshold."""

    id: str
    label: str
    loinc: frozenset[str]
    unit: str
    units: dict[str, UnitConversion]
    op: str
    threshold: float
    finding: str
    lookback_days: int
    flags_count: bool = True

    def beyond(self, value: float) -> bool:
        """Whether a value in the canonical unit crosses the threshold."""
        return {
            ">": value > self.threshold,
            ">=": value >= self.threshold,
            "<": value < self.threshold,
            "<=": value <= self.threshold,
        }[self.op]


@dataclass(frozen=True)
class Contraindication:
    """A reason some procedures must not be suggested, and the evidence that shows it."""

    id: str
    label: str
    excludes: tuple[str, ...]
    conditions: CodeSets
    device_codes: CodeSets
    device_text: tuple[str, ...] = ()
    allergy_text: tuple[str, ...] = ()
    allergy_text_unless: tuple[str, ...] = ()

    def excludes_procedure(self, procedure: Procedure) -> bool:
        return any(procedure.involves(attribute) for attribute in self.excludes)


@dataclass(frozen=True)
class Refinement:
    """A context test that narrows an ambiguous order code to particular procedures."""

    procedures: tuple[Procedure, ...]
    text: tuple[str, ...] = ()
    codes: CodeSets = field(default_factory=lambda: CodeSets(()))
    sibling_codes: CodeSets = field(default_factory=lambda: CodeSets(()))


@dataclass(frozen=True)
class ContextRule:
    """An order code whose procedure depends on the rest of the order (rules R2-R7)."""

    name: str
    codes: CodeSets
    default: tuple[Procedure, ...]
    refinements: tuple[Refinement, ...]


@dataclass(frozen=True)
class TextRule:
    procedures: tuple[Procedure, ...]
    all_of: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class OrderCodeMap:
    """Everything needed to turn a ServiceRequest.code into a set of procedures."""

    direct: dict[tuple[str, str], tuple[Procedure, ...]]
    context_rules: tuple[ContextRule, ...]
    text_rules: tuple[TextRule, ...]
    suggested: dict[str, dict[str, str]]  # procedure id -> {system URI: code}

    def suggested_coding(self, procedure_id: str, preferred_systems: tuple[str, ...]) -> tuple[str, str] | None:
        """(system URI, code) to order a procedure with, in the first preferred system that has one."""
        codes = self.suggested.get(procedure_id, {})
        return next(((uri, codes[uri]) for uri in preferred_systems if uri in codes), None)


@dataclass(frozen=True)
class IndicationStep:
    finding: str
    acute: tuple[int, ...]
    chronic: tuple[int, ...]


@dataclass(frozen=True)
class Policy:
    """Thresholds and the variant ladder of the clinical policy."""

    adult_age_years: int
    duration_findings: tuple[str, ...]
    acute_below_days: int
    chronic_from_days: int
    malignancy_variants: tuple[int, ...]
    infection_variants: tuple[int, ...]
    prior_surgery_variants: tuple[int, ...]
    indications: tuple[IndicationStep, ...]


@dataclass(frozen=True)
class Knowledge:
    """The whole clinical knowledge base, validated."""

    topic: Topic
    systems: CodeSystems
    categories: dict[str, Category]
    procedures: dict[str, Procedure]
    variants: dict[int, Variant]
    order_codes: OrderCodeMap
    condition_status: ConditionStatus
    findings: dict[str, FindingDefinition]
    observation_statuses: frozenset[str]
    elevated_interpretations: frozenset[str]
    observations: dict[str, ObservationRule]
    contraindications: dict[str, Contraindication]
    policy: Policy

    def observation_rule_for(self, loinc_code: str) -> ObservationRule | None:
        return next((r for r in self.observations.values() if loinc_code in r.loinc), None)
