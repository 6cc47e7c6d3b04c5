"""Typed, immutable form of the clinical knowledge in mappings/ (built once at start-up)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from cds_service.knowledge.codes import EMPTY_CODE_SETS, CodeSets, CodeSystems


class Role(StrEnum):
    """What a concept does in the policy's variant ladder (policy §3, §5)."""

    INDICATION = "indication"
    MALIGNANCY = "malignancy"
    INFECTION = "infection"
    RED_FLAG = "red-flag"
    OUT_OF_SCOPE = "out-of-scope"
    PRIOR_SURGERY = "prior-surgery"
    CONTRAINDICATION = "contraindication"

    @property
    def can_enable_warning(self) -> bool:
        """Whether evidence of this role can put a patient into a variant (and so make a warning possible)."""
        return self in (Role.INDICATION, Role.MALIGNANCY, Role.INFECTION, Role.PRIOR_SURGERY)


class Context(StrEnum):
    """How a mention of a concept stands (policy §2, §8, §10)."""

    AFFIRMED = "affirmed"
    SUSPECTED = "suspected"  # a coded working diagnosis (provisional, differential)
    UNCERTAIN = "uncertain"  # words (r/o, ?, possible), a borderline or unreadable value
    UNKNOWN = "unknown"  # a status that cannot be read
    HISTORICAL = "historical"
    NEGATED = "negated"
    HYPOTHETICAL = "hypothetical"
    FAMILY = "family"

    @property
    def always_ignored(self) -> bool:
        return self in (Context.NEGATED, Context.HYPOTHETICAL, Context.FAMILY)

    @property
    def doubtful(self) -> bool:
        return self in (Context.SUSPECTED, Context.UNCERTAIN, Context.UNKNOWN)


class Effect(StrEnum):
    """What a mention does to the decision (policy.yaml `evidence`)."""

    FINDING = "finding"  # the concept is present
    WIDEN = "widen"  # variants with and without it are candidates
    BLOCK = "block"  # no rating (no-criteria-apply)
    IGNORE = "ignore"


READ_CONTEXTS = (Context.AFFIRMED, Context.SUSPECTED, Context.UNCERTAIN, Context.UNKNOWN, Context.HISTORICAL)


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
    region: str  # cervical-spine | neck | whole-body
    modalities: tuple[str, ...]  # the kinds of imaging it is: xr, rf, ct, mr, nm, us
    mri: bool
    gadolinium: bool
    iodinated: bool
    contrast: frozenset[str]  # what its order's words may say of contrast (ContrastWords.named)

    def involves(self, attribute: str) -> bool:
        """Whether the procedure involves `mri`, `gadolinium` or `iodinated` contrast."""
        return bool(getattr(self, attribute))

    @property
    def whole_body(self) -> bool:
        return self.region == "whole-body"


@dataclass(frozen=True)
class Rating:
    """A procedure's rating in one variant: category, relative radiation level and table position."""

    variant: int
    procedure: Procedure
    category: Category
    rrl: int
    position: int
    rrl_dose: str = ""  # the adult effective dose range of that level

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
class Recency:
    """Injury evidence counts only when recent (policy §3): 7th-character rules and a window in days."""

    initial_encounter: frozenset[str]
    sequela: frozenset[str]
    recent_days: int


@dataclass(frozen=True)
class Concept:
    """Something the chart can say: a finding or a contraindication, with what each context of it does."""

    id: str
    label: str
    role: Role
    effects: Mapping[Context, Effect]
    condition_codes: CodeSets = EMPTY_CODE_SETS
    procedure_codes: CodeSets = EMPTY_CODE_SETS

    def effect(self, context: Context) -> Effect:
        return Effect.IGNORE if context.always_ignored else self.effects[context]


@dataclass(frozen=True)
class LongTermMedicines:
    """Medicines that show a finding when taken for long (a systemic steroid: immunosuppression), read at most
    uncertain: one being taken that began `days` or more before the order."""

    days: int
    names: tuple[str, ...]
    not_systemic: tuple[str, ...]  # words of a form or route that is not systemic ("inhaler", "cream")
    short_course: tuple[str, ...]  # words of a short course ("dose pack", "taper")

    @cached_property
    def _names(self) -> re.Pattern[str]:
        return _words(self.names)

    @cached_property
    def _other(self) -> re.Pattern[str]:
        return _words(self.not_systemic + self.short_course)

    def names_one(self, text: str) -> bool:
        """Whether a medicine's name is one of them, systemic and not a short course."""
        return bool(self._names.search(text)) and not self._other.search(text)


@dataclass(frozen=True)
class FindingDefinition(Concept):
    """A clinical finding (policy §3)."""

    topic: str | None = None
    recency: Recency | None = None
    representative: SuggestedCoding | None = None  # the coding written for it when it was read in words
    medicines: Context | None = None  # read in the patient's medicines too: as their status says, or at most this
    doubts: str | None = None  # the finding this one may be (a malignancy): a certain one of it outweighs this one
    long_term: LongTermMedicines | None = None  # read, at most uncertain, in medicines taken for long


@dataclass(frozen=True)
class Contraindication(Concept):
    """A reason some procedures must not be suggested, and the evidence that shows it."""

    excludes: tuple[str, ...] = ()
    device_codes: CodeSets = EMPTY_CODE_SETS
    allergy_codes: CodeSets = EMPTY_CODE_SETS
    device_text: tuple[str, ...] = ()
    device_text_unless: tuple[str, ...] = ()  # a device so named is none of these ("Defib pads", "Holter monitor")
    allergy_text: tuple[str, ...] = ()
    allergy_text_unless: tuple[str, ...] = ()
    # the only other words an allergy that names a narrower entry's agent may hold for it to be that agent's alone
    # ("Iodinated contrast media - hives"; not "Contrast - hives (CT w/ Omnipaque and MRI)")
    agent_named_with: frozenset[str] = frozenset()

    def excludes_procedure(self, procedure: Procedure) -> bool:
        return any(procedure.involves(attribute) for attribute in self.excludes)

    def narrower_than(self, other: Contraindication) -> bool:
        """Whether it excludes part of what `other` excludes (the iodinated allergy of an unnamed contrast's)."""
        return set(self.excludes) < set(other.excludes)


@dataclass(frozen=True)
class StatusElement:
    """How one status element of a resource type reads as a context (statuses.yaml)."""

    element: str
    system: str | None  # the HL7 code system whose coding is read (None: a plain code)
    absent: Context
    codes: Mapping[str, Context]


@dataclass(frozen=True)
class UnitConversion:
    factor: float
    offset: float = 0.0

    def to_canonical(self, value: float) -> float:
        return (value + self.offset) * self.factor


@dataclass(frozen=True)
class FiltrationEstimate:
    """An eGFR estimated from a serum creatinine in mg/dL with the patient's age and sex (observations.yaml
    `estimate`: CKD-EPI 2021, race-free): constant × min(Scr/κ, 1)^α × max(Scr/κ, 1)^exponent_above × age_base^age
    × female_factor (a woman)."""

    equation: str
    below: float  # an estimate under this counts as the rule's concept (mL/min/1.73 m²)
    constant: float
    kappa: Mapping[str, float]  # "female" / "male" -> κ
    alpha: Mapping[str, float]
    exponent_above: float
    age_base: float
    female_factor: float

    def egfr(self, creatinine: float, age: float, sex: str) -> float:
        """The estimate for `sex` "female" or "male"."""
        ratio = creatinine / self.kappa[sex]
        value = self.constant * min(ratio, 1.0) ** self.alpha[sex] * max(ratio, 1.0) ** self.exponent_above
        value *= self.age_base**age
        return value * self.female_factor if sex == "female" else value


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
    concept: str
    lookback_days: int
    flags_count: bool = True
    low_flags_count: bool = False  # flagged low with no value: borderline (eGFR, whose threshold is a low value)
    lab_limit_counts: bool = True  # above the lab's upper limit, not past the threshold: beyond (else borderline)
    plausible: tuple[float, float] | None = None  # values a patient can have, in `unit`; outside: borderline
    names: tuple[str, ...] = ()  # the test's names under a local code (no LOINC coding): "eGFR (CKD-EPI)"
    names_unless: tuple[str, ...] = ()  # words that make such a name another test's ("EGFR mutation")
    estimate: FiltrationEstimate | None = None  # a creatinine's eGFR with the patient's age and sex

    @cached_property
    def named(self) -> re.Pattern[str] | None:
        """The test's names as whole words, for an Observation under a local code."""
        return _words(self.names) if self.names else None

    @cached_property
    def named_otherwise(self) -> re.Pattern[str] | None:
        """The words that make such a name another test's (`names_unless`)."""
        return _words(self.names_unless) if self.names_unless else None

    def implausible(self, value: float) -> bool:
        """Whether a value in the canonical unit is one no patient has (a unit sent wrong: 99.5 "Cel" is °F)."""
        return self.plausible is not None and not self.plausible[0] <= value <= self.plausible[1]

    def conversion(self, unit: str) -> UnitConversion | None:
        """The conversion of a unit as written (UCUM code or a server's unit string), its case aside ("mg/dl")."""
        return self.units.get(unit) or self._folded_units.get(unit.strip().lower())

    @cached_property
    def _folded_units(self) -> dict[str, UnitConversion]:
        return {u.lower(): c for u, c in self.units.items()}

    def at_threshold(self, value: float) -> bool:
        """Whether a value in the canonical unit is the threshold itself (100.4 °F is 38.0 °C: borderline)."""
        return abs(value - self.threshold) < 1e-6 * max(1.0, abs(self.threshold))

    def beyond(self, value: float) -> bool:
        """Whether a value in the canonical unit crosses the threshold (a value at it does not, see at_threshold)."""
        if self.at_threshold(value):
            return False
        return {
            ">": value > self.threshold,
            ">=": value >= self.threshold,
            "<": value < self.threshold,
            "<=": value <= self.threshold,
        }[self.op]


@dataclass(frozen=True)
class Refinement:
    """A context test that narrows an ambiguous order code to particular procedures."""

    procedures: tuple[Procedure, ...]
    text: tuple[str, ...] = ()
    codes: CodeSets = field(default_factory=lambda: CodeSets(()))
    sibling_codes: CodeSets = field(default_factory=lambda: CodeSets(()))
    text_unless: tuple[str, ...] = ()  # words that begin as a fragment does and name something else ("myeloma")

    def told_in(self, text: str) -> bool:
        """Whether the order's words hold one of the `text` fragments outside every word of `text_unless`."""
        words = self.text_words
        if words is None:
            return False
        unless = self._unless
        return any(unless is None or not unless.match(text, found.start()) for found in words.finditer(text))

    @cached_property
    def _unless(self) -> re.Pattern[str] | None:
        return re.compile(_alternation(self.text_unless)) if self.text_unless else None

    @cached_property
    def text_words(self) -> re.Pattern[str] | None:
        """Where a `text` fragment begins a word ("flex": "flexion", "flex/ex"; not "reflexes"), or stands anywhere
        in one when it is written with a "*" before it ("*myelogra": "postmyelogram"); a space at its end is a
        word's end ("*myelo ": "ctmyelo", "myelo?", not "myeloma")."""
        if not self.text:
            return None
        return re.compile("|".join(_fragment(t) for t in sorted(self.text, key=len, reverse=True)))


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
class ContrastWords:
    """How an order's words say whether its study is done with contrast, and by which route (order-codes.yaml
    `contrast_words`, whose comment gives the grammar; procedures.yaml `contrast`)."""

    with_words: tuple[str, ...]
    without_words: tuple[str, ...]
    negations: tuple[str, ...]
    agents: tuple[str, ...]
    joins: tuple[str, ...]
    both: tuple[str, ...]
    without_alone: tuple[str, ...]
    with_alone: tuple[str, ...]
    answers: Mapping[str, tuple[str, ...]]  # "without" -> an order question's answers after an agent ("none")
    refused: tuple[str, ...]  # words after an agent that say it is not given ("contrast not needed")
    routes: Mapping[str, tuple[str, ...]]  # "iv" / "intrathecal" -> its words
    neutral: tuple[str, ...]
    named_agents: Mapping[str, tuple[str, ...]]  # a contrast class (procedures' `gadolinium`, `iodinated`) -> agents

    @cached_property
    def _grammar(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """("with-and-without" | "without" | "with", its phrases), in the order they are looked for. A half that
        names its agent is followed by a half that names one too ("without contrast and with contrast"; "WO CONTRAST
        W RECONS" is no with-and-without), and halves that name none end the words or stand before one ("MRI C SPINE
        W WO"; not "WO W DWI"); a "without" that names no agent ends the words ("MRI C-spine w/o"; not "w/o
        sedation"); an answer follows the agent that begins the words ("Contrast: None")."""
        w, wo, agent, join = (_alternation(x) for x in (self.with_words, self.without_words, self.agents, self.joins))
        ends_or_agent = rf"(?:\s*(?:{agent})|\s*$)"  # ("W WO" at the end or before an agent; not "WO W DWI")
        halves = rf"\s*(?:(?:{join})\s*)?"
        both = (
            rf"(?:{w}){halves}(?:{wo}){ends_or_agent}"
            rf"|(?:{w})\s*(?:{agent}){halves}(?:{wo})\s*(?:{agent})"
            rf"|(?:{wo}){halves}(?:{w}){ends_or_agent}"
            rf"|(?:{wo})\s*(?:{agent}){halves}(?:{w})\s*(?:{agent})"
            rf"|(?:{wo})\s*(?:{agent})\s*(?:{join})\s*(?:{agent})|{_alternation(self.both)}"
        )
        without = (
            rf"(?:{wo})\s*(?:{agent})|(?:{wo})\s*$|(?:{_alternation(self.negations)})\s*(?:{agent})"
            rf"|{_alternation(self.without_alone)}|^\s*(?:{agent})\s+(?:{_alternation(self.answers['without'])})"
            rf"|(?:{agent})\s*(?:{_alternation(self.refused)})"
        )
        with_ = rf"(?:{w})\s*(?:{agent})|{_alternation(self.with_alone)}"
        return tuple(
            (kind, _bounded(phrases))
            for kind, phrases in (("with-and-without", both), ("without", without), ("with", with_))
        )

    @cached_property
    def _routes(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((route, _bounded(_alternation(words))) for route, words in self.routes.items())

    @cached_property
    def _neutral(self) -> re.Pattern[str]:
        return _bounded(_alternation(self.neutral))

    @cached_property
    def _agent(self) -> re.Pattern[str]:
        return _bounded(_alternation(self.agents))

    def named(self, text: str) -> frozenset[str]:
        """What an order's own words say of contrast: with-and-without, without, with, and a route (iv, intrathecal)
        told beside anything but "without"."""
        text = self._neutral.sub(" ", text)
        named: set[str] = set()
        routes_in = text
        for kind, phrases in self._grammar:
            if phrases.search(text):
                named.add(kind)
                text = phrases.sub(" ", text)
                if kind == "without":
                    routes_in = phrases.sub(" ", routes_in)  # ("without IV contrast" tells no route)
        return frozenset(named | {route for route, words in self._routes if words.search(routes_in)})

    @cached_property
    def _named_agents(self) -> dict[str, re.Pattern[str]]:
        return {kind: _bounded(_alternation(words)) for kind, words in self.named_agents.items()}

    def named_beside(self, text: str, classes: frozenset[str]) -> frozenset[str]:
        """What words beside the order (orderDetail, a note) say of the contrast of a study of these contrast classes
        (`gadolinium`, `iodinated`): only where they name an agent of no other class or say it without an agent
        ("non-enhanced"; a note's "w/o fever", "IV drug use" or, on a CT, "no gad - eGFR 25" says nothing of it),
        and no route."""
        text = self._neutral.sub(" ", text)
        for kind, words in self._named_agents.items():
            if kind not in classes:
                text = words.sub(" ", text)
        if not (self._agent.search(text) or self._alone.search(text)):
            return frozenset()
        return self.named(text) - frozenset(self.routes)

    @cached_property
    def _alone(self) -> re.Pattern[str]:
        """Words that tell contrast without naming an agent ("non-enhanced", "plain MRI")."""
        return _bounded(_alternation(self.without_alone + self.with_alone))


@dataclass(frozen=True)
class NoteRequest:
    """How a clause of an order's note, reason or detail asks for another region beside the neck (order-codes.yaml
    `note_request`)."""

    spine_regions: tuple[str, ...]  # another region of the spine ("lumbar", "T-spine")
    other_regions: tuple[str, ...]  # another region a note may ask for ("brain")
    several: tuple[str, ...]  # phrases that name several regions by themselves ("C/T/L spine")
    words: tuple[str, ...]  # words that ask ("also", "add", "would like")
    plain_words: tuple[str, ...]  # words that ask beside a region's study and nothing else ("L-spine please")
    not_with: tuple[str, ...]  # words of history or a result ("hx", "normal", "fusion")
    symptoms: tuple[str, ...]  # words of a symptom or a condition ("radiating", "pain", "sprain")
    joins: tuple[str, ...]  # words that join another region to the study ("and", "+": "MRI brain and c-spine")
    sides: tuple[str, ...]  # words that may stand between a join and its region ("left", "the")
    joined_to: tuple[str, ...]  # the neck's words a region is joined to ("brain and c-spine")
    for_words: tuple[str, ...]  # a study asked "for" a symptom ("whole spine for radiculopathy")

    @cached_property
    def _regions(self) -> re.Pattern[str]:
        return _words(self.spine_regions + self.other_regions)

    @cached_property
    def _spine(self) -> re.Pattern[str]:
        return _words(self.spine_regions)

    @cached_property
    def _several(self) -> re.Pattern[str]:
        return _words(self.several)

    @cached_property
    def _asking(self) -> re.Pattern[str]:
        return _words(self.words)

    @cached_property
    def plain_asking(self) -> re.Pattern[str]:
        """The words that ask beside a region's study and nothing else (`plain_words`)."""
        return _words(self.plain_words)

    @cached_property
    def _history(self) -> re.Pattern[str]:
        return _words(self.not_with)

    @cached_property
    def _told_otherwise(self) -> re.Pattern[str]:
        return _words(self.not_with + self.symptoms)

    @cached_property
    def _joined(self) -> re.Pattern[str]:
        """A region joined to the study: after a join ("+ brain", "and left shoulder"), or before one and the neck's
        words ("brain and c-spine")."""
        join, side = _alternation(self.joins), _alternation(self.sides)
        region, neck = _alternation(self.spine_regions + self.other_regions), _alternation(self.joined_to)
        return re.compile(
            rf"(?<![\w])(?:{join})\s*(?:(?:{side})\s+)*(?:{region})(?![\w])"
            rf"|(?<![\w])(?:{region})\s*(?:{join})\s*(?:(?:{side})\s+)*(?:{neck})(?![\w])",
            re.IGNORECASE,
        )

    def asks(self, clause: str, names_a_study: bool = False) -> bool:
        """Whether a clause of a note asks for another region too: a region and an asking word, or a region joined to
        the study, and no word of history, result or symptom; or a phrase of several regions, and no word of history
        or result, nor of a symptom unless the clause names a kind of imaging or the symptom is what it is for
        (`names_a_study`: "C/T/L spine MRI for pain" and "whole spine for radiculopathy" ask for three regions, "C/T/L
        spine pain" and "pain in C and T spine" tell where it hurts)."""
        several = self._several.search(clause)
        if several and not self._history.search(clause):
            return names_a_study or not self._told_otherwise.search(clause) or bool(self._for.search(clause))
        asked = (self._regions.search(clause) and self._asking.search(clause)) or self._joined.search(clause)
        return bool(asked) and not self._told_otherwise.search(clause)

    @cached_property
    def _for(self) -> re.Pattern[str]:
        return _words(self.for_words)

    def tells_history(self, clause: str) -> bool:
        """Whether a clause says something of history or a result ("previous MRI C spine w/wo 2022")."""
        return bool(self._history.search(clause))

    def free_of_history(self, clause: str) -> bool:
        """Whether a clause says nothing of history, a result or a symptom (its levels are then the study's)."""
        return not self._told_otherwise.search(clause)

    def names_the_spine_elsewhere(self, detail: str) -> bool:
        """Whether an orderDetail's words name another region of the spine, or several regions ("Include lumbar
        spine", "C-spine and T-spine"): the order's extent, whatever else they say."""
        return bool(self._spine.search(detail) or self._several.search(detail))


@dataclass(frozen=True)
class Regions:
    """What an order's words and codes say about the body region (policy §10)."""

    cervical_text: tuple[str, ...]
    other_text: tuple[str, ...]
    other_studies: tuple[str, ...]
    neutral_text: tuple[str, ...]
    modality_text: Mapping[str, tuple[str, ...]]  # a kind of imaging (procedures' `modalities`) -> its words
    other_codes: CodeSets
    level_less_codes: CodeSets
    cervical_sibling_codes: CodeSets
    cervical_site_codes: CodeSets  # an order's bodySite codes that name the neck or the cervical spine
    neck_site_text: tuple[str, ...]  # a body site's phrases that name the neck and another region ("head and neck")
    site_qualifier_text: tuple[str, ...]  # a body site's words that only qualify where ("right", "left")
    other_levels: tuple[re.Pattern[str], ...]  # levels that reach another region ("C2-T4")
    region_text: Mapping[str, tuple[str, ...]]  # procedures' `region` -> its words
    neck_alone_text: tuple[str, ...]  # words of the neck that may mean its soft tissues where no spine is named
    note_request: NoteRequest  # how a note asks for another region beside the neck ("also image lumbar spine")
    contrast: ContrastWords

    @cached_property
    def cervical_words(self) -> re.Pattern[str]:
        return _words(self.cervical_text)

    @cached_property
    def other_words(self) -> re.Pattern[str]:
        return _words(self.other_text)

    @cached_property
    def other_study_words(self) -> re.Pattern[str]:
        return _words(self.other_studies)

    @cached_property
    def neck_site_words(self) -> re.Pattern[str]:
        return _words(self.neck_site_text)

    @cached_property
    def neutral_words(self) -> re.Pattern[str]:
        return _words(self.neutral_text)

    @cached_property
    def modality_words(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((modality, _words(words)) for modality, words in self.modality_text.items())

    def modalities_named(self, text: str) -> frozenset[str]:
        """The kinds of imaging an order's words name."""
        return frozenset(modality for modality, words in self.modality_words if words.search(text))

    @cached_property
    def _region_words(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((region, _words(words)) for region, words in self.region_text.items())

    def regions_named(self, text: str) -> frozenset[str]:
        """What an order's words say the study shows: the spine (`cervical-spine`), the vessels (`neck`)."""
        return frozenset(region for region, words in self._region_words if words.search(text))

    @cached_property
    def _neck_alone(self) -> re.Pattern[str]:
        return _words(self.neck_alone_text)

    def names_the_neck_not_the_spine(self, text: str) -> bool:
        """Whether an order's words name the neck and no spine ("CT neck w/o"; not "C-spine", "cervical neck")."""
        if not self._neck_alone.search(text):
            return False
        rest = self._neck_alone.sub(" ", text)
        return not (self.cervical_words.search(rest) or "cervical-spine" in self.regions_named(rest))

    def names_another_region(self, text: str) -> bool:
        """Whether an order's words name another region: a word of `other_text` or a level beyond the neck."""
        return bool(self.other_words.search(text)) or any(level.search(text) for level in self.other_levels)


def _alternation(phrases: Iterable[str]) -> str:
    """The phrases as a regular expression's alternatives, the longest first."""
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


def _bounded(alternatives: str) -> re.Pattern[str]:
    """The alternatives where they stand as words of an order's lower-cased text (not inside a word, nor against a
    slash: "w/" is not in "w/o")."""
    return re.compile(rf"(?<![a-z0-9/])(?:{alternatives})(?![a-z0-9/])")


def _standing(phrase: str) -> str:
    """A phrase as a regular expression that finds it as words: not inside a word at an end that is a letter or a
    digit (a mark such as "?" may stand against a word)."""
    before = "(?<![a-z0-9/])" if phrase[0].isalnum() else ""
    after = "(?![a-z0-9/])" if phrase[-1].isalnum() else ""
    return f"{before}{re.escape(phrase)}{after}"


def _fragment(text: str) -> str:
    """A refinement's fragment as a regular expression (`Refinement.text_words`)."""
    anywhere, text = text.startswith("*"), text.removeprefix("*")
    ends = text.endswith(" ")
    body = re.escape(text.rstrip(" "))
    return ("" if anywhere else "(?<![a-z0-9])") + body + ("(?![a-z0-9])" if ends else "")


def _words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern finding any of the phrases as whole words (case-insensitive)."""
    return re.compile(rf"(?<![\w])(?:{_alternation(phrases)})(?![\w])", re.IGNORECASE)


@dataclass(frozen=True)
class SuggestedCoding:
    system: str
    code: str
    display: str


@dataclass(frozen=True)
class OrderCodeMap:
    """Everything needed to turn a ServiceRequest.code into a set of procedures."""

    direct: dict[tuple[str, str], tuple[Procedure, ...]]
    context_rules: tuple[ContextRule, ...]
    text_rules: tuple[TextRule, ...]
    regions: Regions
    suggested: dict[str, dict[str, SuggestedCoding]]  # procedure id -> {system URI: coding}
    refinement_doubts: tuple[str, ...]  # words that make a refinement's text doubtful

    @cached_property
    def doubt_words(self) -> re.Pattern[str]:
        """The words of `refinement_doubts` where they stand as words ("no", not in "node"; "?" after a word too)."""
        phrases = sorted(self.refinement_doubts, key=len, reverse=True)
        return re.compile("|".join(_standing(p) for p in phrases) or "(?!)")

    def suggested_coding(self, procedure_id: str, preferred_systems: tuple[str, ...]) -> SuggestedCoding | None:
        """The coding to order a procedure with, in the first preferred system that has one."""
        codes = self.suggested.get(procedure_id, {})
        return next((codes[uri] for uri in preferred_systems if uri in codes), None)

    def display_of(self, system: str, code: str) -> str | None:
        """The display this service knows for an order code (one of the suggested codes), if any."""
        known = (c for codes in self.suggested.values() for c in codes.values())
        return next((c.display for c in known if (c.system, c.code) == (system, code)), None)


@dataclass(frozen=True)
class IndicationStep:
    finding: str
    acute: tuple[int, ...]
    chronic: tuple[int, ...]


@dataclass(frozen=True)
class Policy:
    """Thresholds and the variant ladder of the clinical policy."""

    adult_age_years: int
    age_finding: str
    duration_findings: tuple[str, ...]
    acute_below_days: int
    chronic_from_days: int
    chronic_codes: CodeSets  # a Condition's or a reason's coding that says the indication is chronic
    suspected_infection: tuple[str, ...]
    suspected_infection_days: int  # each of them stated as of this many days before the order at most
    stopped_medicine_days: int  # a stopped medicine whose stop may be this recent counts as unknown
    recent_history_days: Mapping[Role, int]  # by role: a history in words dated this recently may be going on
    dated_stated_days: Mapping[str, int]  # by finding: stated in words and dated longer ago, it may be over
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
    statuses: dict[str, tuple[StatusElement, ...]]  # resource type -> its status elements
    findings: dict[str, FindingDefinition]
    elevated_interpretations: frozenset[str]
    elevated_interpretation_words: frozenset[str]  # flags in other forms, lower-cased ("high", "h", "abnormal")
    low_interpretations: frozenset[str]  # v2/v3 flags of a low value (L, LL)
    low_interpretation_words: frozenset[str]  # the same in other forms, lower-cased ("low", "l")
    normal_interpretations: frozenset[str]  # flags of a normal value (N)
    normal_interpretation_words: frozenset[str]  # the same in other forms, lower-cased ("normal", "wnl")
    observations: dict[str, ObservationRule]
    contraindications: dict[str, Contraindication]
    policy: Policy
    lexicon: Lexicon | None = None
    no_known_allergy: CodeSets = EMPTY_CODE_SETS  # AllergyIntolerance codes that record no allergy (negations)

    def concept(self, concept_id: str) -> FindingDefinition | Contraindication:
        return self.findings.get(concept_id) or self.contraindications[concept_id]

    def observation_rule_for(self, loinc_code: str) -> ObservationRule | None:
        return next((r for r in self.observations.values() if loinc_code in r.loinc), None)


# -- the words (lexicon.yaml) ---------------------------------------------------------------------------
IGNORED = "-"  # the concept of words that look like a concept but are not one (lexicon.yaml `ignore`)

TokenPattern = tuple[Mapping[str, object], ...]


@dataclass(frozen=True)
class TermRule:
    """Words for a concept: a literal phrase, or a spaCy token pattern when `pattern` is given."""

    concept: str  # a finding or contraindication id, or IGNORED
    literal: str
    pattern: TokenPattern | None = None
    region_agnostic: bool = False  # counts in a problem-list entry only beside a cervical word
    hedged: bool = False  # the words are uncertain themselves ("tumor")
    also: frozenset[str] = frozenset()  # other concepts the same words name ("aneurysm clip": a vascular cause too)


@dataclass(frozen=True)
class CueRule:
    """A context cue (hx, r/o, return if, ...) for ConText."""

    literal: str
    category: str  # NEGATED_EXISTENCE, POSSIBLE_EXISTENCE, HISTORICAL, HYPOTHETICAL, FAMILY, CLAUSE
    direction: str  # FORWARD, BACKWARD, BIDIRECTIONAL, TERMINATE, PSEUDO
    pattern: TokenPattern | None = None
    max_scope: int | None = None
    not_for: frozenset[str] = frozenset()  # concepts it does not modify
    only_for: frozenset[str] = frozenset()  # when given, the only concepts it modifies


@dataclass(frozen=True)
class DurationWords:
    """How written time expressions become days before the order (policy §8 durations)."""

    number_words: Mapping[str, tuple[float, float]]  # "two" -> (2, 2); a vague one: "several" -> (3, 8)
    unit_days: Mapping[str, float]
    span: re.Pattern[str]  # groups `n` and `unit`: "x 3 weeks", "for 4 mo", "6-week"
    ago: re.Pattern[str]  # groups `n` and `unit`: "5 days ago"
    since: re.Pattern[str]  # groups month, month_year: "since August", "in March 2025"
    dated: re.Pattern[str]  # groups month, month_year, num_month, num_year, year: "3/2025", "2019"
    asked: re.Pattern[str]  # what follows a duration word asked about ("Acute? N", "Acute onset: [ ] Y [x] N")
    asked_classes: frozenset[str]  # the classes such a word gives, whatever the answer: either
    month_parts: Mapping[str, tuple[int, int]]  # "late" -> the 18th to the 31st (or the month's end)
    year_parts: Mapping[str, tuple[int, int]]  # "late" (this year, last year) -> September to December
    holidays: Mapping[str, tuple[tuple[int, int], tuple[int, int] | None]]  # "easter" -> (3, 22), (4, 25)
    class_words: Mapping[str, frozenset[str]]  # "chronic" -> {chronic}; "subacute" -> {acute, chronic}
    relative: Mapping[str, tuple[float, float]]  # "yesterday" -> (1, 1)
    link_words: frozenset[str] = frozenset()  # may stand between a duration word and its mention ("chronic L C7")
    worsening_words: frozenset[str] = frozenset()  # a span just after one times the worsening: at least that old
    treatment_done_words: frozenset[str] = frozenset()  # "failed 6 wks of PT": the symptoms maybe at least as old
    treated_for: frozenset[str] = frozenset()  # "Tylenol for this for a year": what a treatment's time may treat
    event_links: frozenset[str] = frozenset()  # "began Tuesday with PT": the time may be the care's
    other_events: frozenset[str] = frozenset()  # a time beside one of these is its ("PT x 2 wks"); a word with a
    # capital letter is matched as written ("PT", not "pt"), the others in lower case
    history_class_words: frozenset[str] = frozenset()  # "long history of anxiety": the words name what follows
    states_before: frozenset[str] = frozenset()  # "neck pain in pt who had covid 3 wks ago": an indication's
    # time with one of these in its phrase is that state's
    states_after: frozenset[str] = frozenset()  # "neck pain at 5 wks gestation": the same, just after the time

    @cached_property
    def fixed_phrases(self) -> tuple[tuple[str, tuple[float, float] | None, frozenset[str] | None], ...]:
        """(phrase, days, classes) in the order they are tried: the relative phrases, then the class words, each
        longest first."""
        relative = sorted(self.relative.items(), key=lambda item: -len(item[0]))
        classes = sorted(self.class_words.items(), key=lambda item: -len(item[0]))
        return tuple((p, days, None) for p, days in relative) + tuple((p, None, c) for p, c in classes)


@dataclass(frozen=True)
class UnnamedValues:
    """A value written without its measurement's name ("102F at home", "no fever at home but 38.5 in triage")."""

    units: frozenset[str]  # written units that name the measurement by themselves ("°F")
    within: tuple[float, float]  # what the measurement can be, in the rule's unit (a body temperature: 35-43 °C)
    after: frozenset[str]  # a word or mark before a bare number (no unit) that leaves it free to be one
    not_before: frozenset[str]  # a word after a bare number that makes it something else ("38.5 kg", "38.5 yo")


@dataclass(frozen=True)
class MeasurementWords:
    """How a lab or vital sign is written with its value ("T 38.5", "CRP 94 mg/L"), for an observations.yaml rule."""

    rule: str
    names: tuple[str, ...]
    units: Mapping[str, str]  # written unit (lower case) -> the rule's unit
    bare: tuple[tuple[float | None, tuple[str, ...]], ...]  # (below, units) for a number written without a unit
    unnamed: UnnamedValues | None = None  # how a value written without a name may still be this measurement

    def units_for(self, value: float, written: str | None) -> tuple[str, ...]:
        """The rule's units a value may be in: the written one if known, else the bare-number rule's (several where a
        number alone may be in either: "CRP 5.2", mg/L or mg/dL)."""
        if written:
            known = self.units.get(written.strip().lower())
            if known:
                return (known,)
        return next((units for below, units in self.bare if below is None or value < below), ())


@dataclass(frozen=True)
class LineWraps:
    """When a line break inside a sentence is read as a space (lexicon.yaml `line_wraps`; text/line_wraps.py)."""

    joining_words: frozenset[str] = frozenset()  # a line ending with one goes on ("history of\ncancer")
    min_wrapped_chars: int = 20  # a line this long, ending with a word, goes on before a small letter


@dataclass(frozen=True)
class OtherLanguage:
    """Words of another language: a text with `at_least` of them is not read (lexicon.yaml `other_language`)."""

    words: frozenset[str]
    at_least: int


@dataclass(frozen=True)
class RelativeAnswers:
    """A relative named as the whole answer after a finding (lexicon.yaml `cues.relative_answers`)."""

    marks: frozenset[str]  # "-", ":" between the finding and the relative
    lineage: frozenset[str]  # "maternal" before the relative
    then: frozenset[str]  # words that may follow the relative before its clause ends ("at 45", "deceased")


@dataclass(frozen=True)
class CueDoubts:
    """Where a cue's reading is doubtful and the mention is uncertain instead (lexicon.yaml `cues.doubts`)."""

    events: frozenset[str] = frozenset()  # injuries: not a relative's; told with a date, not denied by a list
    described_conditions: frozenset[str] = frozenset()  # concepts a list's negation does not deny when described
    event_times: frozenset[str] = frozenset()  # words of a time that dates an event ("ago", "yesterday")
    reason_links: tuple[str, ...] = ()  # "for", "due to": what a planned treatment is for
    stopped_reason_links: tuple[str, ...] = ()  # "for": what a stopped (negated) treatment was for
    relative_subject_words: frozenset[str] = frozenset()  # "son was in MVC": the relative's own event
    new_statements: tuple[str, ...] = ()  # "pt has": a new statement between two mentions of a list
    link_fillers: frozenset[str] = frozenset()  # "watch for signs of": words that do not make a plan
    ongoing_unless_dated: frozenset[str] = frozenset()  # concepts whose undated history in words may go on
    event_days: frozenset[str] = frozenset()  # "Tuesday", "weekend": a day that dates an injury
    companions: frozenset[str] = frozenset()  # "pt and son had MVC": the patient is a subject too
    patient_words: frozenset[str] = frozenset()  # "pt", "she": the patient named beside a relative's mention
    patient_nouns: frozenset[str] = frozenset()  # "pt", "patient": the patient alone ("she" may be a relative)
    cues_together: frozenset[tuple[str, str]] = frozenset()  # (earlier, later) cue categories: uncertain together
    until_words: frozenset[str] = frozenset()  # "never had weakness until last week": a denial that ended
    negation_links: frozenset[str] = frozenset()  # "No complications from ACDF": another thing is denied
    site_words: frozenset[str] = frozenset()  # "no L arm numbness": may stand between a negation and an indication
    heading_words: frozenset[str] = frozenset()  # "Family hx reviewed and notable for:": a heading's line
    symptom_item_words: frozenset[str] = frozenset()  # "Denies arm pain, weakness": an unread symptom's item
    symptom_concepts: frozenset[str] = frozenset()  # the concepts a review of systems lists (fever, weakness)
    complaint_words: frozenset[str] = frozenset()  # the neck complaint's own words ("arm pain"): maybe stated
    item_time_words: frozenset[str] = frozenset()  # "fever since Monday": an item that tells when, a statement
    contraindication_denial_words: frozenset[str] = frozenset()  # "denies having a pacemaker": a denial still
    inability_words: frozenset[str] = frozenset()  # "no fever, can't hold urine": an inability told, not listed
    cause_links: tuple[str, ...] = ()  # "can't lift grandchild due to arm pain": the cause is the patient's
    not_auxiliaries: frozenset[str] = frozenset()  # "do", "could", "wo": before "not" / "n't", a verb follows
    denial_verbs: frozenset[str] = frozenset()  # "doesn't have", "did not report": "not" + one of these denies
    since_links: frozenset[str] = frozenset()  # "no fever x 3 days": a denial bounded by a time after it
    window_words: frozenset[str] = frozenset()  # "no trauma in the past 6 wks": a time that reaches the order
    manner_words: tuple[str, ...] = ()  # "doesn't take eliquis regularly": how it is taken is denied


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[TermRule, ...]
    cues: tuple[CueRule, ...]
    dropped_default_cues: frozenset[str]
    cervical_words: tuple[str, ...]
    list_words: frozenset[str]
    durations: DurationWords
    symptom_words: frozenset[str] = frozenset()
    symptom_fillers: frozenset[str] = frozenset()  # may stand beside symptom words and a time ("pt reports sx for")
    present_words: frozenset[str] = frozenset()
    present_leads: frozenset[str] = frozenset()  # may stand before a present word first in the next phrase
    present_follows: frozenset[str] = frozenset()  # may follow a present word that describes the mention
    recent_use_words: frozenset[str] = frozenset()  # present words for a red flag only ("hx IVDU, last used")
    present_denials: frozenset[str] = frozenset()  # deny a present word ("no recurrence")
    current_words: frozenset[str] = frozenset()
    being_words: frozenset[str] = frozenset()  # "denies being on": the cue's own words before a current word
    measurements: tuple[MeasurementWords, ...] = ()
    cue_terminations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reporters_before: frozenset[str] = frozenset()  # "per daughter": the relative reports, it is not family history
    reporters_after: frozenset[str] = frozenset()  # "son says", "wife notes"
    denial_marks: frozenset[str] = frozenset()  # "malignancy - no", "Hx cancer: denies": a mark, then
    denial_words: frozenset[str] = frozenset()  # a denial word ending the clause
    denial_label_words: frozenset[str] = frozenset()  # "Cancer hx: none": a label's words before the mark
    denial_parenthesised_labels: frozenset[str] = frozenset()  # "Malignancy (self): N": one in parentheses
    answer_labels: frozenset[str] = frozenset()  # "Q: Hx of cancer A: No": an answer's label, case as written
    unmarked_denials: frozenset[tuple[str, ...]] = frozenset()  # "Cancer Neg Hx": a denial without a mark
    denial_after_words: frozenset[str] = frozenset()  # "Malignancy: none known": after the denial word
    denial_source_words: frozenset[str] = frozenset()  # "Mets: ruled out on PET": a denial's source after it
    denial_between_words: frozenset[str] = frozenset()  # "hx malignancy: pt says no": between mark and denial
    denial_denies_next: frozenset[str] = frozenset()  # "Hx breast ca - no recurrence": the denial is of what follows
    denial_contradictions: frozenset[str] = frozenset()  # "Hx ca: no, wife says yes": the next clause takes it back
    unread_answers: frozenset[str] = frozenset()  # "Hx of cancer 0", "Cancer: not": an answer not read as a denial
    answers_after_a_word: frozenset[str] = frozenset()  # "Allergies nil, IVDU": the word's answer, no denial after
    presence_marks: frozenset[str] = frozenset()  # "positive", "+", "yes" right after a mention: it is there
    answer_boxes: frozenset[str] = frozenset()  # "Hx of cancer: [ ] yes [x] no": a box answers it, unread
    ticked_boxes: frozenset[str] = frozenset()  # "[x]", "☒": a form's box ticked
    unticked_boxes: frozenset[str] = frozenset()  # "[ ]", "☐": one left empty

    @cached_property
    def boxed_answers(self) -> re.Pattern[str]:
        """A line's rest that is nothing but boxes, each before its word ("[ ] Y [x] N", "☐ yes ☒ no"): each box and
        its word (no mark of a box in it) as groups `box` and `word` of `finditer`'s matches."""
        boxes = self.ticked_boxes | self.unticked_boxes
        alternatives = "|".join(re.escape(b) for b in sorted(boxes, key=len, reverse=True))
        marks = re.escape("".join(sorted({c for b in boxes for c in b if not c.isalnum() and not c.isspace()})))
        return re.compile(rf"\s*(?P<box>{alternatives})\s*(?P<word>[^\s{marks}]+)")

    @cached_property
    def box_starts(self) -> frozenset[str]:
        """The first characters of a form's boxes (`ticked_boxes`, `unticked_boxes`)."""
        return frozenset(box[:1] for box in self.ticked_boxes | self.unticked_boxes)

    blank_after_mark: frozenset[tuple[str, ...]] = frozenset()  # "Cancer: TBD": a field left blank, after ":" or "-"
    blank_anywhere: frozenset[tuple[str, ...]] = frozenset()  # "Cancer yes/no", "(Y/N)": a field left blank
    history_denial_links: frozenset[str] = frozenset()  # "no [known] history of": a negation that denies a history
    relative_answers: RelativeAnswers | None = None  # "Prostate ca - father;": a relative as a finding's answer
    doubts: CueDoubts = field(default_factory=lambda: CueDoubts())  # where a cue's reading is doubtful
    other_sites: frozenset[str] = frozenset()  # another body site or spine region ("lumbar", "foot", "L4")
    radiating_concepts: frozenset[str] = frozenset()  # concepts another site's pain may spread to look like
    radiating_from_sites: frozenset[str] = frozenset()  # "chest pain radiating to L arm": another site's spread
    radiating_named: frozenset[str] = frozenset()  # "L arm radiculopathy": a diagnosis named, not a spread
    radiating_not_before: frozenset[str] = frozenset()  # "shoulder blade": not another site
    line_wraps: LineWraps = field(default_factory=LineWraps)  # line breaks inside a sentence
    other_language: OtherLanguage | None = None  # a text in another language is not read
