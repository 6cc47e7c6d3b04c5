"""Read a patient's FHIR resources: keep (and validate) only those the decision can use, and say what could not be read.

A resource that could be decisive but cannot be read (a malformed code, a date that is not a FHIR date string, a
resource type spelled like a known one) is a *problem*: the decision is then insufficient-data, never a rating
built without it (policy §10). Data of another patient is ignored and reported. Unreadable data that can only
remove suggestions (an allergy, a device, an eGFR) becomes a doubtful contraindication instead.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from cds_service.engine.dates import EARLIEST_PLAUSIBLE, DayRange, day_range, first_day
from cds_service.engine.model import Coding
from cds_service.engine.text import TextMention, TextNotRead, TextReader
from cds_service.engine.text.characters import searchable
from cds_service.fhir.json_text import is_json_structure
from cds_service.json_bytes import dumps
from cds_service.knowledge.model import Context, Knowledge, ObservationRule, Role, StatusElement

_MODELS: dict[str, type[Any]] = {
    "Patient": Patient,
    "Condition": Condition,
    "Observation": Observation,
    "Procedure": FhirProcedure,
    "AllergyIntolerance": AllergyIntolerance,
    "Device": Device,
    "ServiceRequest": ServiceRequest,
    "MedicationRequest": MedicationRequest,
    "MedicationStatement": MedicationStatement,
    "MedicationAdministration": MedicationAdministration,
}
# the resource types read as medicines
MEDICINES = frozenset({"MedicationRequest", "MedicationStatement", "MedicationAdministration"})
_NAMED_BY = "Medication"  # read only as what a medicine resource names, never validated alone
_KNOWN = frozenset({*_MODELS, _NAMED_BY})
_SPELLINGS = {kind.lower(): kind for kind in _KNOWN}
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # (FHIR R4 id: any other string names no resource)
_ENTRY_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # a word of an allergy entry's text (lower case)
_CLOSE = 0.8  # difflib ratio: "Conditon", "Condtion", "Conditions", "Observations" are near "Condition", ...
_SUBJECT = {"AllergyIntolerance": "patient", "Device": "patient"}  # others: subject
CHART_WORDS_READ = 100_000  # characters of text read in one chart; beyond, texts are unreadable (insufficient-data)
_CODING_STRINGS = ("system", "code", "display")  # a Coding's elements that are read, each a string when present
_MODIFIERS = ("modifierExtension", "implicitRules")  # (FHIR: a resource with an unknown one cannot be read)
_DATE_KEYS = frozenset(
    {"birthDate", "authoredOn", "issued", "recordedDate", "start", "end", "lastOccurrence"}
    | {"dateAsserted", "lastUpdated"}  # the medicines' stop dates (recognise._stopped_by)
)


@dataclass(frozen=True)
class CodedConcept:
    """A concept a coding of a resource is evidence for."""

    concept: str
    coding: Coding
    initial_encounter: bool | None = None  # injury codes: 7th character rule (None: no rule applies)


@dataclass(frozen=True)
class ConditionEntry:
    resource: Condition
    context: Context
    coded: tuple[CodedConcept, ...]
    text: str  # the words read: code.text and coding displays (no code listed, or the order's reason), or those beside
    # its listed codes (`_words_beside`)
    words: tuple[TextMention, ...]


@dataclass(frozen=True)
class ObservationEntry:
    resource: Observation
    rule: ObservationRule
    context: Context


@dataclass(frozen=True)
class ProcedureEntry:
    resource: FhirProcedure
    context: Context
    coded: tuple[CodedConcept, ...]
    text: str = ""  # code.text and coding displays (read when no code is in the code lists)
    words: tuple[TextMention, ...] = ()  # a prior surgery or a contraindication the words name
    named: frozenset[str] = frozenset()  # contraindications the words name as a Device's do ("Insertion of ICD")


@dataclass(frozen=True)
class ContraindicationEntry:
    resource: AllergyIntolerance | Device
    context: Context
    contraindications: frozenset[str]
    coding: Coding | None = None


def planned_periods(request: MedicationRequest) -> list[tuple[Period, str]]:
    """The periods a medicine request plans, each with its element: its dispense's validity, its dosages' bounds."""
    dispense = request.dispenseRequest
    found = (
        [(dispense.validityPeriod, "dispenseRequest.validityPeriod")] if dispense and dispense.validityPeriod else []
    )
    for i, dosage in enumerate(request.dosageInstruction or ()):
        repeat = dosage.timing.repeat if dosage.timing else None
        if repeat and repeat.boundsPeriod:
            found.append((repeat.boundsPeriod, f"dosageInstruction[{i}].timing.repeat.boundsPeriod"))
    return found


# the medicines taken for a time, which a long-term rule may read (an administration is one dose)
LONG_TERM_KINDS = frozenset({"MedicationRequest", "MedicationStatement"})


@dataclass(frozen=True)
class MedicineEntry:
    """A medicine the patient takes or took, read only for the findings a medicine can show (findings.yaml
    `medicines`: anticoagulation, immunosuppression, a cancer-only drug)."""

    resource: MedicationRequest | MedicationStatement | MedicationAdministration
    context: Context
    element: str  # where its name was read: medicationCodeableConcept, a contained or included Medication's code ...
    coded: tuple[CodedConcept, ...]
    text: str
    words: tuple[TextMention, ...]
    # the findings it shows if taken for long, with the days that takes (findings.yaml `long_term_medicines`)
    long_term: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Doubt:
    """Unreadable data that can only remove suggestions: a doubtful contraindication."""

    concept: str
    reference: str
    note: str


@dataclass
class Chart:
    """The parts of a chart that matter for the decision, as validated FHIR R4(B) models."""

    patient: Patient | None = None
    conditions: list[ConditionEntry] = field(default_factory=list)
    condition_ids: set[str] = field(default_factory=set)
    observations: list[ObservationEntry] = field(default_factory=list)
    procedures: list[ProcedureEntry] = field(default_factory=list)
    allergies_and_devices: list[ContraindicationEntry] = field(default_factory=list)
    medicines: list[MedicineEntry] = field(default_factory=list)
    service_requests: list[ServiceRequest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unreadable decisive data: insufficient-data
    ignored: list[str] = field(default_factory=list)  # reported: another patient's data (not used), unverified owners
    unverified: set[int] = field(default_factory=set)  # id() of raw resources whose subject names no Patient id
    doubts: list[Doubt] = field(default_factory=list)
    words_read: int = 0  # characters of Condition and medicine text read so far
    order_words: int = 0  # characters of the rated orders' own words (recognise.order_words_size), summed

    @property
    def birth_days(self) -> DayRange | None:
        """The days the Patient may have been born, as written (whether that is plausible is the reader's question)."""
        patient = self.patient
        return day_range(patient.birthDate) if patient is not None and patient.birthDate else None


class Unreadable(ValueError):
    """A part of a raw resource is not what FHIR says it is."""


def codings(element: Any) -> list[dict[str, Any]]:
    """The codings of a raw CodeableConcept; Unreadable when its shape is wrong."""
    if element is None:
        return []
    if type(element) is not dict:
        raise Unreadable("a CodeableConcept is not an object")
    if element.get("text") is not None and type(element["text"]) is not str:
        raise Unreadable("a CodeableConcept's text is not a string")
    found = element.get("coding")
    if found is None:
        return []
    _check_codings(found)
    return found


def _check_codings(found: Any) -> None:
    """Unreadable unless `found` is a list of objects whose system, code and display are strings when present.
    (Plain loops: this runs for every coded resource of a chart, thousands in a large one.)"""
    if type(found) is not list:
        raise Unreadable("coding is not a list of objects")
    for c in found:
        if type(c) is not dict:
            raise Unreadable("coding is not a list of objects")
    for c in found:
        for key in _CODING_STRINGS:
            value = c.get(key)
            if value is not None and type(value) is not str:
                raise Unreadable(f"a coding's {key} is not a string")


def concept_text(element: Any) -> str:
    """The text and coding displays of a raw CodeableConcept (already checked by `codings`), each different one
    once."""
    if type(element) is not dict:
        return ""
    return _distinct_words([element.get("text")] + [c.get("display") for c in codings(element)])


def _distinct_words(parts: list[Any], leave_out: frozenset[str] = frozenset()) -> str:
    """The strings among `parts`, each different one once (a display that repeats the text, or another display, is
    read once), but those of `leave_out` (case-folded)."""
    kept: dict[str, str] = {}
    for part in parts:
        if isinstance(part, str) and part.strip() and part.strip().casefold() not in leave_out:
            kept.setdefault(part.strip().casefold(), part)
    return " ".join(kept.values())


def _words_beside(element: dict[str, Any], coded: tuple[CodedConcept, ...]) -> str:
    """A coded CodeableConcept's text and the displays of its codings we do not list, leaving out what only repeats a
    listed coding's display (a twenty-sixth review: an interface term beside the billing code was never read)."""
    listed = frozenset(c.coding.display.strip().casefold() for c in coded if c.coding.display)
    parts = [element.get("text")] + [c.get("display") for c in codings(element) if not _listed(c, coded)]
    return _distinct_words(parts, listed)


def _listed(coding: dict[str, Any], coded: tuple[CodedConcept, ...]) -> bool:
    return any(c.coding.code == coding.get("code") and c.coding.system == coding.get("system") for c in coded)


@lru_cache(maxsize=256)
def misspelled_type(kind: str) -> str | None:
    """The resource type of ours a type name is a misspelling of ("conditon", " Observation", "Procedures"); None
    for a real FHIR type ("DeviceRequest", "Encounter") and for anything not close to one of ours."""
    if _SPELLINGS.get(kind.strip().lower()):
        return _SPELLINGS[kind.strip().lower()]
    letters = "".join(c for c in kind if c.isalnum())
    if letters != kind.strip():  # a mark or an invisible character in it ("Condition.", "Condition\u200b"): no type
        close = difflib.get_close_matches(letters, sorted(_KNOWN), n=1, cutoff=_CLOSE)
        return _SPELLINGS.get(letters.lower()) or (close[0] if close else None)
    if not kind.isidentifier() or importlib.util.find_spec(f"fhir.resources.R4B.{kind.lower()}") is not None:
        return None
    close = difflib.get_close_matches(kind, sorted(_KNOWN), n=1, cutoff=_CLOSE)
    return close[0] if close else None


def _named(code: Any) -> bool:
    """Whether a Condition's code has any coding with a code (it may be one we do not list)."""
    return any(c.get("code") for c in codings(code))


def reference_id(reference: Any, kind: str) -> str | None:
    """The id in a raw Reference to a resource of `kind` (relative or absolute URL); None otherwise."""
    return referenced_id(reference.get("reference"), kind) if isinstance(reference, dict) else None


def referenced_id(text: Any, kind: str) -> str | None:
    """The id in a Reference's `reference` string to a resource of `kind`; None otherwise."""
    if type(text) is not str:
        return None
    parts = text.split("/_history/")[0].rstrip("/").split("/")
    return parts[-1] if len(parts) >= 2 and parts[-2] == kind else None


class ChartReader:
    """Sorts raw resources by relevance using the knowledge base, then validates the relevant ones."""

    def __init__(self, knowledge: Knowledge, text_reader: TextReader) -> None:
        self.k = knowledge
        self.words = text_reader
        self._loinc = {code: rule for rule in knowledge.observations.values() for code in rule.loinc}
        self._loinc_system = knowledge.systems["loinc"]
        self._named_rules = tuple(r for r in knowledge.observations.values() if r.named is not None)
        self._statuses = knowledge.statuses
        # lab rules whose values can only remove suggestions (eGFR): unreadable, they are doubtful contraindications
        self._contraindicating = [
            r for r in knowledge.observations.values() if r.concept in knowledge.contraindications
        ]
        self._medicine_concepts = frozenset(f.id for f in knowledge.findings.values() if f.medicines is not None)
        self._long_term = tuple((f.id, f.long_term) for f in knowledge.findings.values() if f.long_term is not None)
        # what a Procedure's words are read for when we list none of its codes ("ACDF C5-6", "PPM implantation"), and
        # what they may name only as a doubt ("Chemotherapy infusion", "XRT to neck": a cancer's treatment, a red flag,
        # another topic), which recognise reads as uncertain: words are no proof of them, so they block, never warn
        self._surgery_concepts = frozenset(f.id for f in knowledge.findings.values() if f.role is Role.PRIOR_SURGERY)
        blocking = (Role.MALIGNANCY, Role.INFECTION, Role.RED_FLAG, Role.OUT_OF_SCOPE)
        self.procedure_doubts = frozenset(f.id for f in knowledge.findings.values() if f.role in blocking)
        self._procedure_word_concepts = (
            self._surgery_concepts | frozenset(knowledge.contraindications) | self.procedure_doubts
        )
        # Charts repeat the same few codes: classify each (system, code) once.
        self.condition_concepts = lru_cache(maxsize=65536)(self._condition_codes)
        self._procedure_concepts = lru_cache(maxsize=65536)(self._procedure_codes)

    # -- code classification ------------------------------------------------------------------------
    def _condition_codes(self, system: str | None, code: str) -> tuple[tuple[str, bool | None], ...]:
        """(concept id, initial encounter?) for each concept a Condition coding is evidence for."""
        k, found = self.k, []
        for f in k.findings.values():
            if f.condition_codes.match(k.systems, system, code):
                found.append((f.id, self._initial_encounter(f.recency, system, code)))
        found += [
            (c.id, None) for c in k.contraindications.values() if c.condition_codes.match(k.systems, system, code)
        ]
        return tuple(found)

    def _procedure_codes(self, system: str | None, code: str) -> tuple[str, ...]:
        k = self.k
        concepts = (*k.findings.values(), *k.contraindications.values())
        return tuple(c.id for c in concepts if c.procedure_codes.match(k.systems, system, code))

    def _initial_encounter(self, recency: Any, system: str | None, code: str) -> bool | None:
        """Injury codes with a 7th character: True for an initial encounter, False for a sequela, else None."""
        icd = self.k.systems["icd10cm"]
        if recency is None or self.k.systems.by_uri(system) is not icd:
            return None
        seventh = icd.normalise(code)[6:7]
        if seventh in recency.initial_encounter:
            return True
        if seventh in recency.sequela:
            return False
        return None

    def _coded(self, element: Any, classify: Any) -> tuple[CodedConcept, ...]:
        found = []
        for c in codings(element):
            if not c.get("code"):
                continue
            coding = Coding(c.get("system"), c["code"], c.get("display"))
            for item in classify(coding.system, coding.code):
                concept, initial = item if isinstance(item, tuple) else (item, None)
                found.append(CodedConcept(concept, coding, initial))
        return tuple(found)

    # -- statuses -------------------------------------------------------------------------------------
    def _context(self, chart: Chart, kind: str, raw: Mapping[str, Any]) -> Context:
        """The resource's context in this chart: unknown, unless denied, when its owner cannot be told."""
        context = self.context_of(kind, raw)
        return Context.UNKNOWN if id(raw) in chart.unverified and context is not Context.NEGATED else context

    def context_of(self, kind: str, raw: Mapping[str, Any]) -> Context:
        """The context a resource's status elements give it (statuses.yaml); UNKNOWN when one cannot be read."""
        contexts = [self._status(element, raw.get(element.element)) for element in self._statuses.get(kind, ())]
        for wanted in (Context.NEGATED, Context.UNKNOWN, Context.SUSPECTED, Context.HISTORICAL):
            if wanted in contexts:
                return wanted
        if kind == "Condition" and _abated(raw):
            return Context.UNKNOWN  # current (or no status) and ended: FHIR's con-4 broken, which is true is unknown
        return Context.AFFIRMED

    @staticmethod
    def _status(element: StatusElement, value: Any) -> Context:
        if value is None:
            return element.absent
        if element.system is None:
            return element.codes.get(value, Context.UNKNOWN) if type(value) is str else Context.UNKNOWN
        try:
            found = [c for c in codings(value) if c.get("system") == element.system]
        except Unreadable:
            return Context.UNKNOWN
        return element.codes.get(found[0].get("code"), Context.UNKNOWN) if found else Context.UNKNOWN

    # -- reading --------------------------------------------------------------------------------------
    def read(
        self,
        resources: Iterable[Any],
        *,
        patient_id: str | None = None,
        not_before: date | None = None,
        reason_ids: frozenset[str] = frozenset(),
    ) -> Chart:
        """Build a Chart. `patient_id`: the hook's patient (others' data is ignored); `not_before`: Observations
        effective before it minus their look-back are skipped; `reason_ids`: Conditions the orders name as reason."""
        chart = Chart()
        medicines = _Medicines()
        # the usual subject, taken without parsing it (an id with a "/" is left to reference_id, which splits it)
        own = f"Patient/{patient_id}" if patient_id is not None and "/" not in patient_id else None
        for raw in resources:
            kind = _kind(chart, raw)
            if kind is None or not self._belongs(chart, kind, raw, patient_id, own):
                continue
            if medicines.keep(kind, raw):  # read once every Medication they may name is known
                continue
            try:
                self._one(chart, kind, raw, not_before, reason_ids)
            except Unreadable as exc:
                self._unreadable(chart, kind, raw, str(exc))
        for kind, raw in medicines.taken:
            try:
                self._medicine(chart, kind, raw, medicines.named)
            except Unreadable as exc:
                self._unreadable(chart, kind, raw, str(exc))
        return chart

    def _one(
        self, chart: Chart, kind: str, raw: dict[str, Any], not_before: date | None, reasons: frozenset[str]
    ) -> None:
        if kind == "Condition":
            self._condition(chart, raw, reasons)
        elif kind == "Observation":
            self._observation(chart, raw, not_before)
        elif kind == "Procedure":
            self._procedure(chart, raw)
        elif kind in ("AllergyIntolerance", "Device"):
            self._allergy_or_device(chart, kind, raw)
        elif kind == "ServiceRequest":
            chart.service_requests.append(self._validate(kind, raw))
        elif kind == "Patient" and chart.patient is None:
            chart.patient = self._validate(kind, raw)

    def _belongs(self, chart: Chart, kind: str, raw: dict[str, Any], patient_id: str | None, own: str | None) -> bool:
        """Whether a resource is this patient's; another patient's is ignored and reported. `own`: the patient's
        usual reference string (`Patient/<id>`), or None."""
        if patient_id is None or kind == "ServiceRequest":
            return True
        if kind == "Patient":
            if raw.get("id") != patient_id:
                chart.problems.append(f"the Patient resource is Patient/{raw.get('id')}, not the hook's patient")
                return False
            return True
        reference = raw.get(_SUBJECT.get(kind, "subject"))
        if (
            own is not None
            and type(reference) is dict
            and reference.get("reference") == own
            and "type" not in reference
        ):
            return True
        owner = reference_id(reference, "Patient")
        typed = reference.get("type", "Patient") if type(reference) is dict else "Patient"
        if owner is None or owner == patient_id or typed != "Patient" or not _FHIR_ID.fullmatch(owner):
            # no subject, one that names no Patient id (an identifier, a urn:uuid, a Group), or an id that is none
            # ("pat-1 ", "pat%2D1", "pat-1?x=1": it cannot be told to be another's): leaving it out could hide a red
            # flag, taking it as the patient's could make a warning: its status is unknown (policy §10)
            if owner != patient_id or typed != "Patient":
                chart.unverified.add(id(raw))
                chart.ignored.append(
                    f"{kind}/{raw.get('id', '?')} names no readable Patient as its subject: read as uncertain"
                )
            return True
        chart.ignored.append(f"{kind}/{raw.get('id', '?')} belongs to another patient; not used")
        return False

    def _unreadable(self, chart: Chart, kind: str, raw: dict[str, Any], why: str) -> None:
        """A resource that cannot be read: a doubtful contraindication if that is all it could show, else a problem."""
        reference = f"{kind}/{raw.get('id', '?')}"
        if kind == "Device":
            chart.doubts.append(Doubt("mri-unsafe", reference, f"unreadable device ({why})"))
        elif kind == "AllergyIntolerance":
            chart.doubts.append(Doubt("contrast-allergy-unspecified", reference, f"unreadable allergy ({why})"))
        elif kind == "Observation" and (rule := self._readable_rule(raw)) in self._contraindicating:
            chart.doubts.append(Doubt(rule.concept, reference, f"unreadable {rule.label} ({why})"))
        else:
            chart.problems.append(f"{reference} cannot be read ({why})")

    def _readable_rule(self, raw: Mapping[str, Any]) -> ObservationRule | None:
        """The lab rule of an Observation whose code can still be read; None otherwise."""
        try:
            return self._rule(raw)
        except Unreadable:
            return None

    def _validate(self, kind: str, raw: dict[str, Any]) -> Any:
        try:
            bad = _unreadable_element(raw)
        except RecursionError:  # (nested deeper than Python's stack: no FHIR resource is)
            raise Unreadable("its elements are nested too deeply to read") from None
        if bad:
            raise Unreadable(bad)
        try:
            # The same chart is sent again on every order-select re-fire: validate each version once.
            return _validated(kind, dumps(raw, sort_keys=True))
        # (fhir_core: AttributeError for a "_birthDate": "5", KeyError for a contained resource of an unknown type)
        except (ValidationError, ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
            count = exc.error_count() if isinstance(exc, ValidationError) else 1
            raise Unreadable(f"not valid FHIR R4, {count} problem(s)") from None

    # -- per resource type ----------------------------------------------------------------------------
    def _condition(self, chart: Chart, raw: dict[str, Any], reasons: frozenset[str]) -> None:
        rid = raw.get("id")
        if type(rid) is str:
            chart.condition_ids.add(rid)
        coded = self._coded(raw.get("code"), self.condition_concepts)
        text = concept_text(raw.get("code"))
        as_reason = type(rid) is str and rid in reasons
        words: tuple[TextMention, ...] = ()
        if text and (as_reason or not coded):
            words = self._words(chart, text, not as_reason)
        elif coded and (text := _words_beside(raw["code"], coded)):
            # a listed code's Condition, with words of its own ("Neck pain due to metastatic breast cancer", "Neck
            # pain s/p ACDF C5-6": an interface term beside M54.2), read as a Procedure's are, and as uncertain by
            # recognise: they may block, widen or remove a suggestion, never make a variant of their own
            words = tuple(m for m in self._words(chart, text, True) if m.concept in self._procedure_word_concepts)
        if not coded and not text and not _named(raw.get("code")):
            raise Unreadable("the Condition names nothing (no code, coding or text)")
        systems = self.k.systems
        doubtful = any(
            systems.lookalike(c.get("system")) or systems.misfit(c.get("system"), c["code"])
            for c in codings(raw.get("code"))
            if c.get("code")
        )
        if not coded and not text and doubtful and self._context(chart, "Condition", raw) is not Context.NEGATED:
            # a code with no system, under one that may be ours written another way (".../icd10cm", WHO ICD-10), or
            # under ours but not one of its codes (an ICD-9 code under ICD-10-CM's URI), and no words: it may be a
            # cancer or an infection
            raise Unreadable(
                "the Condition is coded only in a code system this service does not know, or with a code its system "
                "does not have, and no text"
            )
        if not coded and not any(m.concept for m in words) and not as_reason:
            return
        model = self._validate("Condition", raw)
        chart.conditions.append(ConditionEntry(model, self._context(chart, "Condition", raw), coded, text, words))

    def _medicine(self, chart: Chart, kind: str, raw: dict[str, Any], medications: Mapping[str, Any]) -> None:
        """A medicine resource (MEDICINES), read for the findings a medicine can show. One whose medicine has no name
        at all (no code we list, no text or display) could be an anticoagulant: it cannot be read."""
        context = self._context(chart, kind, raw)
        if context is Context.NEGATED:
            return
        element, concept, display = _medicine_named(raw, medications)
        wanted = self._medicine_concepts
        coded = tuple(c for c in self._coded(concept, self.condition_concepts) if c.concept in wanted)
        text = " ".join(t for t in (concept_text(concept), display) if t)
        if not coded and not text:
            raise Unreadable(f"the medicine is not named ({element} has no text or display)")
        words = tuple(m for m in self._words(chart, text, True) if m.concept in wanted) if text else ()
        long_term = tuple(
            (concept, medicines.days)
            for concept, medicines in (self._long_term if kind in LONG_TERM_KINDS else ())
            if medicines.names_one(text)
        )
        if coded or words or long_term:
            entry = MedicineEntry(self._validate(kind, raw), context, element, coded, text, words, long_term)
            chart.medicines.append(entry)

    def _words(self, chart: Chart, text: str, problem_list: bool) -> tuple[TextMention, ...]:
        """The mentions in a text of the chart; Unreadable when it, or all the chart's words so far, are too long."""
        chart.words_read += len(text)
        if chart.words_read > CHART_WORDS_READ:  # bounds one request's reading time (~2 s at worst)
            raise Unreadable(f"the chart's texts run to more than {CHART_WORDS_READ} characters in all: not read")
        try:
            return self.words.read(text, problem_list)
        except TextNotRead as exc:
            raise Unreadable(str(exc)) from None

    def _rule(self, raw: Mapping[str, Any]) -> ObservationRule | None:
        return next(iter(self._rules(raw)), None)

    def _rules(self, raw: Mapping[str, Any]) -> tuple[ObservationRule, ...]:
        """The lab rule of the Observation's code; else those of its components (a panel's: a temperature sent in a
        vital signs panel, a thirty-fifth review; components that cannot be read name none); else the rule a local
        code's words name (`_named_rule`)."""
        rule = self._coded_rule(raw.get("code"))
        if rule is not None:
            return (rule,)
        components = raw.get("component")
        if type(components) is not list:
            return self._named_rule(raw)
        found: dict[str, ObservationRule] = {}
        for component in components:
            try:
                rule = self._coded_rule(component.get("code")) if type(component) is dict else None
            except Unreadable:
                continue
            if rule is not None:
                found.setdefault(rule.id, rule)
        return tuple(found.values())

    def _named_rule(self, raw: Mapping[str, Any]) -> tuple[ObservationRule, ...]:
        """The rule whose test a local code's text or displays name (observations.yaml `names`: "eGFR (CKD-EPI)" under
        a lab's own code; a fifty-first review left gadolinium suggested beside an eGFR of 19 so sent). A test that
        rules out a contrast, only with a value in one of the rule's units (a name alone is no proof of the test); a
        red flag's ("CRP", "Temp (oral)": a fifty-third review, a CRP of 150 so sent warned), whatever its value, which
        is then read as a coded one's (unreadable, it blocks). A LOINC coding we do not list is another test."""
        if not self._named_rules:
            return ()
        concept = raw.get("code")
        if any(self.k.systems.by_uri(c.get("system")) is self._loinc_system for c in codings(concept)):
            return ()
        words = concept_text(concept)
        for rule in self._named_rules:
            if rule.named.search(words) and not (rule.named_otherwise and rule.named_otherwise.search(words)):
                if rule.concept not in self.k.contraindications:
                    return (rule,)  # a red flag's test ("CRP", "Temp (oral)"): its value decides, unreadable blocks
                quantity = raw.get("valueQuantity")
                unit = (quantity.get("code") or quantity.get("unit")) if isinstance(quantity, dict) else None
                convertible = isinstance(unit, str) and rule.conversion(unit) is not None
                return (rule,) if convertible and isinstance(quantity.get("value"), int | float) else ()
        return ()

    def _coded_rule(self, concept: Any) -> ObservationRule | None:
        for c in codings(concept):
            rule = self._loinc.get(c.get("code"))
            if rule is not None and self.k.systems.by_uri(c.get("system")) is self._loinc_system:
                return rule
        return None

    def _observation(self, chart: Chart, raw: dict[str, Any], not_before: date | None) -> None:
        # Hot path on large charts: plain dict look-ups before any parsing.
        rules = self._rules(raw)
        if not rules:
            return
        context = self._context(chart, "Observation", raw)
        if context is Context.NEGATED:
            return
        when = observation_day(raw) if not_before is not None else None  # (a sentinel is no date: it may be recent)
        for rule in rules:
            if not_before is not None:
                oldest = not_before - timedelta(days=rule.lookback_days)
                if when is not None and when.earliest >= EARLIEST_PLAUSIBLE and when.latest < oldest:
                    continue
            chart.observations.append(ObservationEntry(self._validate("Observation", raw), rule, context))

    def _procedure(self, chart: Chart, raw: dict[str, Any]) -> None:
        """A Procedure we list a code of; else one whose words (code.text, coding displays) name a prior surgery or a
        contraindication (policy §10: a code we do not list is read through its display or text). One that names
        nothing could be a neck operation: it cannot be read."""
        context = self._context(chart, "Procedure", raw)
        if context is Context.NEGATED:  # (not done, entered in error: whatever it names)
            return
        coded = self._coded(raw.get("code"), self._procedure_concepts)
        text, words, named = "", (), frozenset[str]()
        if not coded:
            text = concept_text(raw.get("code"))
            if not text.strip() and not _named(raw.get("code")):
                raise Unreadable("the Procedure names nothing (no code, coding or text)")
            words = self._procedure_words(chart, text)
            named = self._named_in_words("Device", searchable(text).lower())  # (an implant's name, as on a Device)
            if not words and not named:
                return
        chart.procedures.append(ProcedureEntry(self._validate("Procedure", raw), context, coded, text, words, named))

    def _procedure_words(self, chart: Chart, text: str) -> tuple[TextMention, ...]:
        """What a Procedure's words name that counts: a contraindication, a prior surgery unless another site is named
        ("Ankle arthrodesis", "Spinal fusion L5-S1", "Lumbar microdiscectomy" are no neck operation), or a doubt
        (`procedure_doubts`)."""
        if not text.strip():
            return ()
        elsewhere = any(
            word in self.words.lexicon.other_sites for word in re.findall(r"[a-z0-9]+", searchable(text).lower())
        )
        return tuple(
            m
            for m in self._words(chart, text, True)
            if m.concept in self._procedure_word_concepts and not (elsewhere and m.concept in self._surgery_concepts)
        )

    def _allergy_or_device(self, chart: Chart, kind: str, raw: dict[str, Any]) -> None:
        element = raw.get("type") if kind == "Device" else raw.get("code")
        coded, words = _codings_of(kind, raw, element), _words_of(kind, raw, element)
        safety = _safety_words(raw) if kind == "Device" else ""
        found, coding = self._shows(kind, coded, f"{words} {safety}" if safety else words)
        if kind == "AllergyIntolerance" and found:
            found = self._narrowest(found, f"{words} ")
            if coding is None:
                found -= self._denied_in_words(chart, words, found)
        if not found:
            how = _unnamed(coded, words)
            if how and self._no_allergy_coded(kind, coded):
                return
            if how and self._context(chart, kind, raw) is not Context.NEGATED:
                concept, what = _CODED_ONLY[kind]
                chart.doubts.append(Doubt(concept, f"{kind}/{raw.get('id', '?')}", f"{kind} {how}: it may be {what}"))
            return
        context = self._context(chart, kind, raw)
        if context is Context.NEGATED:
            return
        chart.allergies_and_devices.append(ContraindicationEntry(self._validate(kind, raw), context, found, coding))

    def _shows(self, kind: str, coded: list[dict[str, Any]], words: str) -> tuple[frozenset[str], Coding | None]:
        """Contraindications an AllergyIntolerance or Device shows, by its codings (`_codings_of`) or its words
        (`_words_of`)."""
        k = self.k
        concepts: set[str] = set()
        coding = None
        for c in coded:
            for ci in k.contraindications.values():
                codes = ci.device_codes if kind == "Device" else ci.allergy_codes
                if c.get("code") and codes.match(k.systems, c.get("system"), c["code"]):
                    concepts.add(ci.id)
                    coding = coding or Coding(c.get("system"), c["code"], c.get("display"))
        return frozenset(concepts) | self._named_in_words(kind, words), coding

    def _narrowest(self, found: frozenset[str], words: str) -> frozenset[str]:
        """The contraindications an allergy shows, less one whose classes another of them names part of: an entry that
        names its agent ("Iodinated contrast media", "Contrast dye (Omnipaque)", RxNorm iohexol with the text
        "contrast") removes that agent's class only; one that names no agent ("IV dye") removes both, and so does one
        with any word besides the agent's and `agent_named_with`, or a question mark ("Contrast - hives (CT w/
        Omnipaque and MRI)", "Contrast media (not iodine)", "? iodine contrast": the agent may be another, or was
        tolerated)."""
        k = self.k.contraindications
        if "?" in words:  # ("? iodine contrast": in doubt)
            return found
        entry = _ENTRY_WORD.findall(words.lower())

        def wider(c: str) -> bool:
            narrower = [o for o in found if k[o].narrower_than(k[c])]
            fragments = tuple(f for o in narrower for f in k[o].allergy_text)
            return bool(narrower) and all(w in k[c].agent_named_with or w.startswith(fragments) for w in entry)

        return frozenset(c for c in found if not wider(c))

    def _denied_in_words(self, chart: Chart, words: str, found: frozenset[str]) -> frozenset[str]:
        """The allergies an AllergyIntolerance's words name only to deny them ("No known contrast allergy", "Contrast
        allergy - denies"), as the text reader reads a negation: a concept it reads there, never but negated, and a
        wider one read nowhere else ("No allergy to iodinated contrast": its word "contrast" is the denied agent's).
        (Only the allergies, not an implant written on the allergy list: "No MRI - ICD" is no denial.)"""
        k = self.k.contraindications
        allergies = {c for c in found if k[c].allergy_codes.by_system}
        if not allergies:
            return frozenset()
        mentions = [m for m in self._words(chart, words, True) if m.concept in allergies]
        kept = {m.concept for m in mentions if m.context is not Context.NEGATED}
        denied = {m.concept for m in mentions} - kept
        wider = {c for c in allergies - kept if any(k[d].narrower_than(k[c]) for d in denied)}
        return frozenset(denied | wider)

    def _no_allergy_coded(self, kind: str, coded: list[dict[str, Any]]) -> bool:
        """Whether an AllergyIntolerance's every code records that there is no allergy ("No known allergy", SNOMED CT
        716186003, sent with no words: contraindications.yaml `no_known_allergy`)."""
        k = self.k
        codes = [c for c in coded if c.get("code")]
        return (
            kind == "AllergyIntolerance"
            and bool(codes)
            and all(k.no_known_allergy.match(k.systems, c.get("system"), c["code"]) for c in codes)
        )

    def _named_in_words(self, kind: str, text: str) -> frozenset[str]:
        """Contraindications a Device's words name (`device_text`, where no word of `device_text_unless` covers it:
        "Defib pads" names none), or an AllergyIntolerance's (`allergy_text`, where no word of `allergy_text_unless`
        covers it: "Hair dye" names no contrast, "Hair dye and contrast dye" does; an implant too, as some EHRs put
        "Pacemaker - no MRI" on the allergy list so that it shows everywhere); `text` lower-cased."""
        found = set()
        text = f"{text} "  # (a fragment ending in a space is a whole word: "pacer ", not "Pacerone")
        for ci in self.k.contraindications.values():
            if kind == "Device":
                named = _has_uncovered_word(text, ci.device_text, ci.device_text_unless)
            else:
                named = _has_uncovered_word(text, ci.allergy_text, ci.allergy_text_unless)
            if named:
                found.add(ci.id)
        return frozenset(found)


def _kind(chart: Chart, raw: Any) -> str | None:
    """The resource type of a chart entry when it is one the chart reader reads; a problem when it cannot be told."""
    if type(raw) is not dict:
        chart.problems.append("a chart entry is not a FHIR resource (not a JSON object)")
        return None
    kind = raw.get("resourceType")
    if type(kind) is not str:
        chart.problems.append("a chart entry's resourceType is not a string")
        return None
    if kind not in _KNOWN:
        meant = misspelled_type(kind)
        if meant:
            chart.problems.append(f"a resource's type is spelled {kind[:60]!r}, not {meant!r}")
        return None
    return kind


class _Medicines:
    """While a chart is read: the medicine statements and orders, and the Medication resources they may name."""

    def __init__(self) -> None:
        self.taken: list[tuple[str, dict[str, Any]]] = []
        self.named: dict[str, dict[str, Any]] = {}

    def keep(self, kind: str, raw: dict[str, Any]) -> bool:
        """Keep a medicine resource for later (True); False for any other resource."""
        if kind in MEDICINES:
            self.taken.append((kind, raw))
        elif kind == _NAMED_BY:
            if type(raw.get("id")) is str:
                self.named[raw["id"]] = raw
        else:
            return False
        return True


def _medicine_named(raw: Mapping[str, Any], medications: Mapping[str, Any]) -> tuple[str, Any, str]:
    """Where a medicine statement or order names its medicine, the CodeableConcept there, and a reference's display.

    medication[x] is a CodeableConcept, or a Reference to a Medication: contained (`#id`), in the same chart (an
    `_include`), or only its display."""
    if raw.get("medicationCodeableConcept") is not None:
        if raw.get("medicationReference") is not None:
            raise Unreadable("both medicationCodeableConcept and medicationReference: which one is taken?")
        return "medicationCodeableConcept", raw["medicationCodeableConcept"], ""
    reference = raw.get("medicationReference")
    if reference is None:
        return "medication[x]", None, ""
    if type(reference) is not dict:
        raise Unreadable("medicationReference is not an object")
    display = reference.get("display")
    display = display if type(display) is str else ""
    target = reference.get("reference")
    found = None
    if type(target) is str and target.startswith("#"):
        contained = raw.get("contained")
        if contained is not None and type(contained) is not list:
            raise Unreadable("contained is not a list")
        found = next((r for r in contained or () if type(r) is dict and r.get("id") == target[1:]), None)
    elif (medication := reference_id(reference, "Medication")) is not None:
        found = medications.get(medication)
    if found is not None and found.get("resourceType") == _NAMED_BY:
        return (
            "medicationReference (the Medication's code and ingredients)",
            found.get("code"),
            _ingredients(found, display),
        )
    return "medicationReference.display", None, display


def _ingredients(medication: Mapping[str, Any], display: str) -> str:
    """The reference's display and the names of a Medication's ingredients (a compounded medicine's are there)."""
    ingredients = medication.get("ingredient")
    if ingredients is not None and type(ingredients) is not list:
        raise Unreadable("the Medication's ingredient is not a list")
    names = [display]
    for ingredient in ingredients or ():
        if type(ingredient) is not dict:
            raise Unreadable("a Medication's ingredient is not an object")
        item_concept = ingredient.get("itemCodeableConcept")
        codings(item_concept)  # Unreadable when it is not a CodeableConcept
        names.append(concept_text(item_concept))
        item = ingredient.get("itemReference")
        if type(item) is dict and type(item.get("display")) is str:
            names.append(item["display"])
    return " ".join(n for n in names if n)


_ABATEMENT = ("abatementDateTime", "abatementAge", "abatementPeriod", "abatementRange", "abatementString")


def _abated(raw: Mapping[str, Any]) -> bool:
    """Whether a Condition says it has ended (any abatement[x])."""
    return any(raw.get(element) is not None for element in _ABATEMENT)


# what an allergy or a device coded in a code this service does not list, with no words, may be (policy §10: data
# that cannot be read may only remove suggestions): a contrast allergy, an MR-unsafe implant
_CODED_ONLY = {
    "AllergyIntolerance": ("contrast-allergy-unspecified", "a contrast agent allergy"),
    "Device": ("mri-unsafe", "an MR-unsafe implant"),
}


def _unnamed(coded: list[dict[str, Any]], words: str) -> str | None:
    """How an AllergyIntolerance's substance or a Device's type is given when the resource names it in no words
    (`_words_of`: no text, display, reaction substance's, device name's or property's words; a safety's name nothing):
    coded only (its first coding, `_codings_of`), or not at all (a twenty-sixth review: an allergy with no substance,
    a device with only a model number); None when words name it. (One whose code we list is read by its code.)"""
    if words.strip():
        return None
    first = next((c for c in coded if c.get("code")), None)
    if first is None:
        return "that names no substance or type at all"
    return f"coded {first.get('system') or '(no system)'}|{first['code']} with no words"


def _codings_of(kind: str, raw: Mapping[str, Any], element: Any) -> list[dict[str, Any]]:
    """The codings of a Device's type, or of an AllergyIntolerance's substance: its code and its reactions' (the
    substance may be coded in a reaction only)."""
    found = codings(element)
    if kind == "AllergyIntolerance":
        found = found + [c for r in raw.get("reaction") or () if type(r) is dict for c in codings(r.get("substance"))]
    return found


def _words_of(kind: str, raw: Mapping[str, Any], element: Any) -> str:
    parts = [concept_text(element)]
    if kind == "Device":
        names = raw.get("deviceName")
        if names is not None and type(names) is not list:
            raise Unreadable("deviceName is not a list")
        parts += [n["name"] for n in names or () if type(n) is dict and type(n.get("name")) is str]
        properties = raw.get("property")
        if properties is not None and type(properties) is not list:
            raise Unreadable("property is not a list")
        for found in properties or ():  # (an MR safety property: "Magnetic Resonance Unsafe")
            if type(found) is dict:
                values = found.get("valueCode") if type(found.get("valueCode")) is list else []
                parts += [concept_text(found.get("type")), *(concept_text(v) for v in values)]
    else:
        reactions = raw.get("reaction")
        if reactions is not None and type(reactions) is not list:
            raise Unreadable("reaction is not a list")
        parts += [concept_text(r.get("substance")) for r in reactions or () if type(r) is dict]
    return searchable(" ".join(parts)).lower()


def _safety_words(raw: Mapping[str, Any]) -> str:
    """A Device's `safety` (R4's MR safety element, as a UDI import fills it), as words. Read for a contraindication
    only: words of safety do not name what the device is ("Labeling does not contain MRI Safety Information")."""
    safety = raw.get("safety")
    if safety is not None and type(safety) is not list:
        raise Unreadable("safety is not a list")
    return searchable(" ".join(concept_text(s) for s in safety or ())).lower()


def _word_starts(text: str, fragment: str) -> Iterator[int]:
    """Where a fragment starts a word of the text."""
    start = text.find(fragment)
    while start >= 0:
        if start == 0 or not text[start - 1].isalnum():
            yield start
        start = text.find(fragment, start + 1)


def _has_uncovered_word(text: str, fragments: Iterable[str], unless: Iterable[str]) -> bool:
    """Whether a fragment starts a word of the text outside every word of `unless` (and the word after it: "hair
    dye", "lymphazurin dye")."""
    covered = []
    for word in unless:
        for start in _word_starts(text, word):
            after = re.match(r"\s*[\w-]*", text[start + len(word) :])
            covered.append((start, start + len(word) + (after.end() if after else 0)))
    return any(
        not any(start <= at < end for start, end in covered)
        for fragment in fragments
        for at in _word_starts(text, fragment)
    )


def _unreadable_element(value: Any, key: str = "") -> str | None:
    """Why a resource's elements cannot be read as this service reads them, or None: a date element that is not a
    string (FHIR dates are strings: `birthDate: 0` is not 1970), or a modifier it does not know (`modifierExtension`,
    `implicitRules`: FHIR forbids reading a resource as if an unknown modifier were absent; it may negate it)."""
    if type(value) is dict:
        for k, v in value.items():
            if k in _MODIFIERS and v:
                return f"{k} is set (a modifier this service does not know)"
            found = _unreadable_element(v, k)
            if found:
                return found
    elif type(value) is list:
        for item in value:
            found = _unreadable_element(item, key)
            if found:
                return found
    elif (key in _DATE_KEYS or key.endswith(("DateTime", "Instant"))) and type(value) is not str:
        return f"{key} is not a FHIR date string"
    elif type(value) is str and is_json_structure(value):
        return f"{key} is given as JSON text (fhir.resources would read the text as the element)"
    return None


@lru_cache(maxsize=128)
def _validated(kind: str, document: bytes) -> Any:
    """A validated (and never mutated) model for one exact resource JSON.

    Only the resources that can count are validated (about four per chart), so 128 hold the last few dozen
    patients' charts: enough for order-select re-firing for the same patient. The cached models are long-lived
    objects every full pass of the garbage collector walks: 1 024 of them (~30 000 tracked objects) paused a
    process for 6-10 ms on each middle and full pass with every request a new patient; 128 for ~1 ms
    (`bench/gc_pauses.py`).
    """
    return _MODELS[kind].model_validate_json(document)


def observation_day(raw: Mapping[str, Any]) -> DayRange | None:
    """The day a raw Observation refers to (effective[x], else issued), read without validation; None for a period
    that goes on (a start and no end: `observations.observation_day_range`)."""
    period = raw.get("effectivePeriod")
    if isinstance(period, Mapping) and period.get("start") and not period.get("end"):
        return None
    end = (period.get("end") or period.get("start")) if isinstance(period, Mapping) else None
    return first_day(raw.get("effectiveDateTime"), raw.get("effectiveInstant"), end, raw.get("issued"))


__all__ = ["Chart", "ChartReader", "Role"]
