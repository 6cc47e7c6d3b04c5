"""Turn a chart and an order into mentions: concepts with a context, dates and evidence (architecture.md).

Codes of any system (the code lists), the words of the order and of Conditions whose codes are not listed (the
text reader), lab values, allergies, devices, procedures and age all become the same `Mention`; what each does
to the decision is decided once, in facts.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.chart import (
    Chart,
    ChartReader,
    CodedConcept,
    ConditionEntry,
    MedicineEntry,
    planned_periods,
    referenced_id,
)
from cds_service.engine.dates import LONGEST_LIFE_DAYS, DayRange, day_range, first_day, plausible, years_between
from cds_service.engine.duration import CHRONIC, INCREASING_CLASS, onset_range
from cds_service.engine.long_term import long_term_mentions
from cds_service.engine.model import Coding, Evidence, Mention
from cds_service.engine.observations import Level, estimated, read_observation
from cds_service.engine.text import TextMention, TextNotRead
from cds_service.knowledge.model import Context, Knowledge, Role

ORDER_WORDS_READ = 50_000  # characters of all the rated orders' own words one request may read; beyond, none is read

# When two sources disagree about a context, the more doubtful (or negating) one wins.
_STRONGER = (
    Context.NEGATED,
    Context.HYPOTHETICAL,
    Context.FAMILY,
    Context.UNKNOWN,
    Context.UNCERTAIN,
    Context.SUSPECTED,
    Context.HISTORICAL,
    Context.AFFIRMED,
)


@dataclass(frozen=True)
class Recognised:
    """Everything the chart and the order say, and what could not be used."""

    mentions: tuple[Mention, ...]
    problems: tuple[str, ...]
    ignored: tuple[str, ...]
    birth: DayRange | None
    order_words_unread: bool = False  # the order's own words could not be read (too long): a reason may be there


def combine(*contexts: Context) -> Context:
    """The context of a mention stated in a resource that has a context of its own (text in a Condition)."""
    return next(c for c in _STRONGER if c in contexts)


def recognise(
    chart: Chart,
    order: ServiceRequest,
    order_date: date,
    k: Knowledge,
    reader: ChartReader,
    siblings: Sequence[ServiceRequest] = (),
) -> Recognised:
    """Every mention the chart, the order and the call's other draft orders (`siblings`) make, for this order's
    date."""
    problems = [*chart.problems, *_deceased(chart)]
    birth = _birth(chart, order_date)
    reason_ids = _reason_ids(order, chart, problems, k)
    mentions: list[Mention] = []
    for entry in chart.conditions:
        mentions += _condition(entry, entry.resource.id in reason_ids, order_date, birth, k)
    order_words_unread = chart.order_words > ORDER_WORDS_READ  # bounds one request's reading time
    if order_words_unread:
        problems.append(f"the orders' words run to more than {ORDER_WORDS_READ} characters in all: not read")
        mentions += _order_codes(order, reader)
    else:
        try:
            mentions += _order(order, order_date, reader)
            mentions += _siblings(order, siblings, order_date, reader)
        except TextNotRead as exc:
            problems.append(f"the order's words cannot be read: {exc}")
            order_words_unread = True
    mentions += _procedures(chart, order_date, birth, reader.procedure_doubts)
    mentions += _observations(chart, order_date, k, birth)
    mentions += _allergies_and_devices(chart)
    mentions += _medicines(chart, order_date, birth, k)
    mentions += [Mention(d.concept, Context.UNCERTAIN, Evidence(d.reference, note=d.note)) for d in chart.doubts]
    mentions += _age(chart, order_date, k, birth, problems)
    return Recognised(tuple(mentions), tuple(problems), tuple(chart.ignored), birth, order_words_unread)


# -- Conditions and the order's own reasons -----------------------------------------------------------------
def _condition(
    entry: ConditionEntry, as_reason: bool, order_date: date, birth: DayRange | None, k: Knowledge
) -> Iterator[Mention]:
    condition = entry.resource
    context = entry.context
    if as_reason and context is Context.HISTORICAL:
        context = Context.AFFIRMED  # the clinician is imaging for it now (policy §2)
    onset = plausible(onset_range(condition, birth, order_date), order_date, birth)
    recorded = plausible(day_range(condition.recordedDate), order_date, birth)
    reference = f"Condition/{condition.id}"
    date_text = f"onset {onset}" if onset else (f"recorded {recorded}" if recorded else None)
    notes = [n for n in ("the order's reason" if as_reason else None, _condition_status(condition, context, k)) if n]
    chronic = _chronic((condition.code.coding or ()) if condition.code else (), k)
    disagreeing = _disagreeing(entry, k)
    denied = _only_denied_or_doubted((w.concept, w.context) for w in entry.words)
    doubted = disagreeing | denied
    for coded in entry.coded:
        said = combine(context, Context.UNCERTAIN) if coded.concept in doubted else context
        evidence = Evidence(
            reference,
            "code",
            coded.coding,
            coded.coding.display or condition.code.text,
            date_text,
            ", ".join([*notes, _WORDS_DOUBT] if coded.concept in denied else notes) or None,
        )
        yield Mention(
            coded.concept,
            said,
            evidence,
            onset,
            recorded,
            duration_classes=chronic,
            coded_recency=coded.initial_encounter,
            order_reason=as_reason,
        )
    beside_codes = bool(entry.coded) and not as_reason  # (chart: words beside a listed code may only block)
    for words in entry.words:
        evidence = _words_evidence(reference, "code.text", entry.text, words, date_text, notes)
        said = combine(context, words.context, Context.UNCERTAIN) if beside_codes else combine(context, words.context)
        mention = _from_words(words, said, evidence, order_date, onset, recorded)
        yield replace(mention, order_reason=as_reason)


def _disagreeing(entry: ConditionEntry, k: Knowledge) -> frozenset[str]:
    """The concepts of a Condition's codings that say a cancer or an infection where another of its codings says only
    an indication (ICD-10-CM M54.2 beside SNOMED CT "malignant neoplastic disease": translations of one problem that
    disagree). Contradictory evidence may block, never enable a warning (a twenty-sixth review: variant 5 and a
    radiograph warning); a Condition coded both ways in one coding's sense ("C79.51" alone) is left as it is."""
    graver = (Role.MALIGNANCY, Role.INFECTION)
    by_role: dict[Role, set[Coding]] = {}
    graver_concepts: set[str] = set()
    for c in entry.coded:
        if (finding := k.findings.get(c.concept)) is not None:
            by_role.setdefault(finding.role, set()).add(c.coding)
            if finding.role in graver:
                graver_concepts.add(c.concept)
    indication = by_role.get(Role.INDICATION, set())
    if not indication or all(indication <= by_role.get(role, set()) for role in graver):
        return frozenset()  # no indication, or every coding of one also says the graver finding
    return frozenset(graver_concepts)


def order_words_size(order: ServiceRequest) -> int:
    """The characters of the words `_order` may read in an order (its reasons' texts and displays, its notes), or
    more: what bounds the reading time of a request."""
    size = sum(len(note.text or "") for note in order.note or ())
    size += sum(len(r.display or "") for r in order.reasonReference or () if r.reference is None)
    for _, concept in _reason_concepts(order):
        size += len(concept.text or "") + sum(len(coding.display or "") for coding in concept.coding or ())
    return size


def _reason_concepts(order: ServiceRequest) -> list[tuple[str, CodeableConcept]]:
    """The order's coded reasons: each reasonCode, and the code of each Condition the order contains (a
    reasonReference names it, "#c1"; one no reference names is the order's context all the same), with where each
    is."""
    found = [(f"reasonCode[{i}]", concept) for i, concept in enumerate(order.reasonCode or ())]
    for i, resource in enumerate(order.contained or ()):
        if resource.get_resource_type() == "Condition" and resource.code is not None:
            found.append((f"contained[{i}] (Condition/{resource.id}).code", resource.code))
    return found


def _order(order: ServiceRequest, order_date: date, reader: ChartReader) -> Iterator[Mention]:
    """ServiceRequest.reasonCode (codes and text) and note text count as an active Condition with unknown onset. A
    coded reason the order's own words only deny or doubt ("M54.2", text "no neck pain"; "r/o neck pain") is
    contradicted: uncertain, so it may widen or block, never warn alone."""
    reference = f"ServiceRequest/{order.id}"
    coded: list[Mention] = []
    texts: list[tuple[str, list[Mention]]] = []  # each text read, in the order's order, with its mentions
    for element, concept, known, mentions in _reason_codes(order, reader):
        coded += mentions
        texts.append((concept.text or "", list(_order_words(reference, element, concept, known, order_date, reader))))
    for i, reason in enumerate(order.reasonReference or ()):
        if reason.reference is None and reason.display:
            read = _read(reference, f"reasonReference[{i}].display", reason.display, order_date, reader)
            texts.append((reason.display, list(read)))
    for i, note in enumerate(order.note or ()):
        if note.text:
            texts.append((note.text, list(_read(reference, f"note[{i}].text", note.text, order_date, reader))))
    words = _answered_by_the_next(texts, reader.k)
    contradicted = _only_denied_or_doubted((m.concept, m.context) for m in words)
    for mention in coded:
        if mention.concept in contradicted and mention.context in (Context.AFFIRMED, Context.HISTORICAL):
            mention = replace(mention, context=Context.UNCERTAIN, evidence=_contradicted(mention.evidence))
        yield mention
    yield from words


def _answered_by_the_next(texts: list[tuple[str, list[Mention]]], k: Knowledge) -> list[Mention]:
    """The mentions of the order's texts; a finding told in a text that the next text answers alone with a denial
    ("Hx of malignancy", then "No") is uncertain: the answer may be its (it blocks, never warns; a fifty-third review:
    the cancer was read as told and radiographs warned). An indication stays as told."""
    answers = k.lexicon.denial_words  # (a "Yes" confirms it: the finding stays as told)
    found: list[Mention] = []
    for (_, mentions), (following, _) in zip(texts, [*texts[1:], ("", [])], strict=False):
        answered = " ".join(following.lower().strip(" .;:-").split()) in answers
        for mention in mentions:
            finding = k.findings.get(mention.concept)
            told = mention.context in (Context.AFFIRMED, Context.HISTORICAL)
            if answered and told and finding is not None and finding.role is not Role.INDICATION:
                mention = replace(mention, context=Context.UNCERTAIN, evidence=_noted(mention.evidence, _ANSWERED))
            found.append(mention)
    return found


_WORDS_DOUBT = "its words deny or doubt it"


def _only_denied_or_doubted(read: Iterable[tuple[str, Context]]) -> set[str]:
    """The concepts words name only to deny or doubt them ("no neck pain", "? neck pain" beside a code of neck pain):
    contradictory evidence, so the code is uncertain (a relative's or a plan's words say nothing of the patient's:
    "mother with chronic neck pain", "MRI if neck pain persists")."""
    said = list(read)
    stated = {concept for concept, context in said if context in (Context.AFFIRMED, Context.HISTORICAL)}
    return {concept for concept, context in said if context.doubtful or context is Context.NEGATED} - stated


def _contradicted(evidence: Evidence) -> Evidence:
    """The evidence of a coded reason the order's words deny or doubt, saying so."""
    return _noted(evidence, "the order's words deny or doubt it")


_ANSWERED = "the order's next text may answer it"


def _noted(evidence: Evidence, note: str) -> Evidence:
    """The evidence with a note added to its own."""
    return replace(evidence, note=f"{evidence.note}, {note}" if evidence.note else note)


def _siblings(
    order: ServiceRequest, siblings: Sequence[ServiceRequest], order_date: date, reader: ChartReader
) -> Iterator[Mention]:
    """What the call's other draft orders say of the patient (their reasons and notes: "hx breast ca" on the
    radiographs beside this MRI). The clinician's words about the same patient, but not this order's reason: each at
    most uncertain, so it may block or widen, never lead to a warning. The order itself is not another order, as
    itself or as a copy of it with the same id (the capture card rates a copy with a reason added: policy §9)."""
    for sibling in siblings:
        if sibling is not order and not (order.id is not None and sibling.id == order.id):
            for mention in _order(sibling, order_date, reader):
                yield replace(
                    mention, context=combine(mention.context, Context.UNCERTAIN), order_reason=False, sibling=True
                )


def _order_codes(order: ServiceRequest, reader: ChartReader) -> Iterator[Mention]:
    """Only the coded reasons of an order (its words are not read)."""
    for _, _, _, mentions in _reason_codes(order, reader):
        yield from mentions


def _reason_codes(
    order: ServiceRequest, reader: ChartReader
) -> Iterator[tuple[str, CodeableConcept, list[Coding], list[Mention]]]:
    """Each coded reason (`_reason_concepts`), where it is, its codings in the code lists, and their mentions."""
    reference = f"ServiceRequest/{order.id}"
    for element, concept in _reason_concepts(order):
        known: list[Coding] = []
        mentions: list[Mention] = []
        chronic = _chronic(concept.coding or (), reader.k)
        for j, coding in enumerate(concept.coding or ()):
            if not coding.code:
                continue
            typed = Coding(coding.system, coding.code, coding.display)
            for concept_id, initial in reader.condition_concepts(coding.system, coding.code):
                known.append(typed)
                evidence = Evidence(
                    reference,
                    f"{element}.coding[{j}]",
                    typed,
                    coding.display or concept.text,
                    note="the order's reason",
                )
                mentions.append(
                    Mention(
                        concept_id,
                        Context.AFFIRMED,
                        evidence,
                        duration_classes=chronic,
                        coded_recency=initial,
                        order_reason=True,
                    )
                )
        yield element, concept, known, mentions


def _order_words(
    reference: str, element: str, concept: CodeableConcept, known: list[Coding], order_date: date, reader: ChartReader
) -> Iterator[Mention]:
    """The reason's text, and the displays of its codings that are not in the code lists (the safety net)."""
    displays = {c.display for c in known if c.display}
    if concept.text and concept.text not in displays:
        yield from _read(reference, f"{element}.text", concept.text, order_date, reader)
    for j, coding in enumerate(concept.coding or ()):
        typed = Coding(coding.system, coding.code or "", coding.display)
        if coding.display and typed not in known and coding.display != concept.text:
            yield from _read(reference, f"{element}.coding[{j}].display", coding.display, order_date, reader)


def _read(reference: str, element: str, text: str, order_date: date, reader: ChartReader) -> Iterator[Mention]:
    for words in reader.words.read(text, False):
        evidence = _words_evidence(reference, element, text, words, None, ["the order's words"])
        yield replace(_from_words(words, words.context, evidence, order_date), order_reason=True)


def _from_words(
    words: TextMention,
    context: Context,
    evidence: Evidence,
    order_date: date,
    onset: DayRange | None = None,
    recorded: DayRange | None = None,
) -> Mention:
    spans = tuple(days for note in words.times if (days := note.days_before(order_date)) is not None)
    dated = tuple(
        days for note in words.times if note.year is not None and (days := note.days_before(order_date)) is not None
    )
    classes = tuple(note.classes for note in words.times if note.classes)
    classes += tuple(INCREASING_CLASS for note in words.times if note.increasing)
    return Mention(
        words.concept,
        context,
        evidence,
        onset,
        recorded,
        days_before=spans,
        dated_days_before=dated,
        duration_classes=classes,
    )


def _words_evidence(
    reference: str, element: str, text: str, words: TextMention, date_text: str | None, notes: list[str]
) -> Evidence:
    note = ", ".join([*notes, words.context.value] if words.context is not Context.AFFIRMED else notes)
    return Evidence(
        reference,
        element,
        display=None,
        date=date_text,
        note=note or None,
        quote=words.quote(text),
        span=(words.start, words.end),
        time_words=words.time_words(text),
    )


def _chronic(codings: Iterable[Any], k: Knowledge) -> tuple[frozenset[str], ...]:
    """The duration class the codings of one Condition or reason state: chronic for a code of policy.yaml
    `chronic_codes` ("Chronic neck pain"; G89.29 beside M54.2), else none."""
    stated = any(c.code and k.policy.chronic_codes.match(k.systems, c.system, c.code) for c in codings)
    return (frozenset({CHRONIC}),) if stated else ()


def _condition_status(condition: Condition, context: Context, k: Knowledge) -> str | None:
    """The status code behind a context that is not plainly affirmed (e.g. "remission", "provisional")."""
    if context in (Context.AFFIRMED, Context.UNKNOWN):
        return _status_note(context)
    for element in k.statuses["Condition"]:
        concept = getattr(condition, element.element)
        code = next((c.code for c in (concept.coding or ()) if c.system == element.system), None) if concept else None
        if code and element.codes.get(code) is context:
            return code
    return _status_note(context)


def _status_note(context: Context) -> str | None:
    return {
        Context.SUSPECTED: "suspected",
        Context.HISTORICAL: "no longer active",
        Context.UNKNOWN: "status cannot be read",
    }.get(context)


def _reason_ids(order: ServiceRequest, chart: Chart, problems: list[str], k: Knowledge) -> set[str]:
    """Ids of Conditions the order names as its reason. A reason that cannot be read is a problem (it may be a red
    flag): a reference to a resource not in the chart, or of another kind than a Condition; a coded reason with no
    words whose code is of a local or unknown system, or malformed. (A contained Condition is read as a coded reason,
    `_reason_concepts`; a reference with only a display through its words, `_order`.)"""
    ids = set()
    contained = {f"#{c.id}" for c in order.contained or () if c.get_resource_type() == "Condition" and c.id}
    for i, reference in enumerate(order.reasonReference or ()):
        target = reference.reference
        if target is None:
            if not reference.display:
                problems.append(f"the order's reason reasonReference[{i}] names nothing that can be read")
            continue
        if target in contained:
            continue
        condition_id = referenced_id(target, "Condition")
        if condition_id is not None and condition_id in chart.condition_ids:
            ids.add(condition_id)
        else:
            problems.append(f"the order's reason {target[:100]} is not in the chart")
    for i, concept in enumerate(order.reasonCode or ()):
        words = concept.text or any(c.display for c in concept.coding or ())
        if not words and any(not _readable_code(c.system, c.code, k) for c in concept.coding or ()):
            problems.append(f"the order's reason reasonCode[{i}] is coded only in a way this service cannot read")
    return ids


def _readable_code(system_uri: str | None, code: str | None, k: Knowledge) -> bool:
    """Whether a coding names a code of a system this service knows, in that system's form (a code it does not
    list there is none of its concepts); a local or unknown system's code, or a malformed one, cannot be read."""
    system = k.systems.by_uri(system_uri)
    if system is None or not code:
        return system is not None
    try:
        system.check_code(system.normalise(code))
    except ValueError:
        return False
    return True


# -- Procedures, Observations, allergies and devices, age -----------------------------------------------------
def _procedures(chart: Chart, order_date: date, birth: DayRange | None, doubts: frozenset[str]) -> Iterator[Mention]:
    """What the Procedures show; their words' `doubts` (ChartReader.procedure_doubts) at most uncertain."""
    for entry in chart.procedures:
        procedure = entry.resource
        period = procedure.performedPeriod
        performed = first_day(procedure.performedDateTime, (period.start if period else None))
        context, note = entry.context, _status_note(entry.context)
        if performed is not None and performed.earliest > order_date:
            # done (its status says so), yet dated after the order: a date that cannot be real, or a time zone's
            # day; the surgery or the implant may be there (uncertain: a surgery widens, an implant still counts)
            context, note = combine(context, Context.UNCERTAIN), f"dated {performed}, after the order: uncertain"
        performed = plausible(performed, order_date, birth)
        date_text = f"performed {performed}" if performed else None
        for coded in entry.coded:
            evidence = Evidence(
                f"Procedure/{procedure.id}",
                "code",
                coded.coding,
                coded.coding.display or _text(procedure.code),
                date_text,
                note,
            )
            yield Mention(coded.concept, context, evidence, onset=performed)
        notes = [note] if note else []
        for words in entry.words:
            evidence = _words_evidence(f"Procedure/{procedure.id}", "code.text", entry.text, words, date_text, notes)
            said = combine(context, words.context)
            if words.concept in doubts:
                said = combine(said, Context.UNCERTAIN)  # "Chemotherapy infusion": a cancer, or not (it blocks)
            yield _from_words(words, said, evidence, order_date, onset=performed)
        for cid in entry.named:
            evidence = Evidence(f"Procedure/{procedure.id}", "code.text", None, entry.text, date_text, ", ".join(notes))
            yield Mention(cid, context, evidence, onset=performed)


def _observations(chart: Chart, order_date: date, k: Knowledge, birth: DayRange | None) -> Iterator[Mention]:
    # (the oldest the patient may be: the lower estimate of a creatinine's eGFR)
    age = (order_date - birth.earliest).days / 365.25 if birth is not None else None
    gender = chart.patient.gender if chart.patient is not None else None
    for entry in chart.observations:
        reading = estimated(read_observation(entry.resource, entry.rule, order_date, k), entry.rule, age, gender)
        if reading is None or reading.level is Level.WITHIN:
            continue
        context = Context.AFFIRMED if reading.level is Level.BEYOND else Context.UNCERTAIN
        if entry.context is not Context.AFFIRMED:
            context = combine(context, Context.UNCERTAIN)
        coding = next(
            (
                Coding(c.system, c.code, c.display)
                for c in entry.resource.code.coding or ()
                if c.code in entry.rule.loinc
            ),
            None,
        )
        note = reading.note if reading.level is Level.BEYOND else f"{reading.level.value}: {reading.note}"
        evidence = Evidence(f"Observation/{entry.resource.id}", "value", coding, entry.rule.label, reading.day, note)
        yield Mention(entry.rule.concept, context, evidence)


def _allergies_and_devices(chart: Chart) -> Iterator[Mention]:
    for entry in chart.allergies_and_devices:
        resource = entry.resource
        kind = resource.get_resource_type()
        concept = resource.type if kind == "Device" else resource.code
        evidence = Evidence(
            f"{kind}/{resource.id}",
            "type" if kind == "Device" else "code",
            entry.coding,
            _text(concept),
            note=_status_note(entry.context),
        )
        for cid in entry.contraindications:
            yield Mention(cid, entry.context, evidence)


def _medicines(chart: Chart, order_date: date, birth: DayRange | None, k: Knowledge) -> Iterator[Mention]:
    """What the patient's medicines show (findings.yaml `medicines`: anticoagulation, immunosuppression as the
    medicine's status says; a malignancy at most uncertain)."""
    for entry in chart.medicines:
        resource = entry.resource
        reference = f"{resource.get_resource_type()}/{resource.id}"
        status, stop_note = _medicine_status(entry, order_date, birth, k)
        for coded in entry.coded:
            context = _medicine_context(k, coded.concept, status)
            display = coded.coding.display or entry.text or None
            note = stop_note or _medicine_note(context, status)
            yield Mention(coded.concept, context, Evidence(reference, entry.element, coded.coding, display, None, note))
        for words in entry.words:
            context = _medicine_context(k, words.concept, status, words.context)
            note = stop_note or _medicine_note(context, status)
            evidence = _words_evidence(reference, entry.element, entry.text, words, None, [note] if note else [])
            yield _from_words(words, context, evidence, order_date)
        yield from long_term_mentions(entry, status, reference, order_date, birth, k)


def _medicine_status(
    entry: MedicineEntry, order_date: date, birth: DayRange | None, k: Knowledge
) -> tuple[Context, str | None]:
    """The medicine's status as of the order: a stop that may be recent (policy.yaml `stopped_medicine_days`), or
    whose dates cannot be right, is `unknown`, with the card's note saying why."""
    if entry.context is not Context.HISTORICAL:
        return entry.context, None
    try:
        stopped_by = _stopped_by(entry.resource, birth)
    except DoubtfulStop as exc:
        return Context.UNKNOWN, f"stopped, but {exc}"
    if stopped_by is None or (order_date - stopped_by).days > k.policy.stopped_medicine_days:
        return entry.context, None
    return Context.UNKNOWN, f"stopped by {stopped_by}, within {k.policy.stopped_medicine_days} days of the order"


class DoubtfulStop(ValueError):
    """The dates that tell when a medicine was stopped cannot all be right."""


def _stopped_by(
    resource: MedicationRequest | MedicationStatement | MedicationAdministration, birth: DayRange | None
) -> date | None:
    """The latest day by which a stopped medicine's stop had happened, as far as the resource tells: an
    administration's end (its effectivePeriod's, or the moment it was given); a statement's effectivePeriod end
    (the stop itself, even when another date disagrees), else the earlier of the day it was asserted and the
    resource's last change; for a request with neither, the end its course planned; None when nothing tells. (A
    statement's effectiveDateTime is a day it was taken: the stop may be later, so it bounds nothing.)
    DoubtfulStop for a date that cannot be real (a sentinel, before birth) or a period that ends before it starts:
    such a date must not make a recent stop old."""
    if isinstance(resource, MedicationAdministration):
        given = _possible(resource.effectiveDateTime, birth)
        return given.latest if given else _period_end(resource.effectivePeriod, birth, "its effective period")
    values = [resource.meta.lastUpdated if resource.meta else None]
    if isinstance(resource, MedicationStatement):
        end = _period_end(resource.effectivePeriod, birth, "its effective period")
        if end is not None:
            return end
        values.append(resource.dateAsserted)
    days = [found.latest for value in values if (found := _possible(value, birth)) is not None]
    if days:
        return min(days)
    if isinstance(resource, MedicationRequest):
        return _planned_end(resource, birth)
    return None


def _planned_end(request: MedicationRequest, birth: DayRange | None) -> date | None:
    """When nothing else tells: the latest end the request planned (its dispense validity, its dosages' bounds).
    A stopped course ended by then at the latest. Only a fallback: a planned end is not the stop, and putting it
    before a later change would make a stop look older than the resource says."""
    periods = [period for period, _ in planned_periods(request)]
    ends = [end for period in periods if (end := _period_end(period, birth, "its planned course")) is not None]
    return max(ends) if ends else None


def _period_end(period: Period | None, birth: DayRange | None, name: str) -> date | None:
    """The last day a period may end on; DoubtfulStop when it ends before it starts."""
    end = _possible(period.end if period else None, birth)
    if end is None:
        return None
    start = _possible(period.start, birth)
    if start is not None and end.latest < start.earliest:
        raise DoubtfulStop(f"{name} ends before it starts")
    return end.latest


def _possible(value: object, birth: DayRange | None) -> DayRange | None:
    """A medicine's date as a DayRange; DoubtfulStop when it cannot be real (a sentinel, before birth). A date after
    the order is possible: a stop after it is a stop that may be recent."""
    found = day_range(value)
    if found is not None and plausible(found, date.max, birth) is None:  # date.max: no date is after the order
        raise DoubtfulStop(f"a date of it ({found}) cannot be real")
    return found


def _medicine_context(k: Knowledge, concept: str, status: Context, words: Context = Context.AFFIRMED) -> Context:
    """A medicine's context: its status, made doubtful by its words, and no more certain than the finding allows.

    Words in a medicine's name can only add doubt: the name of a medicine being taken that reads as history, a
    denial or a plan ("Hx DVT - warfarin", "no bleeding on apixaban") contradicts its status and is unknown."""
    said = words if words in (Context.AFFIRMED, Context.UNCERTAIN) else Context.UNKNOWN
    return combine(status, said, k.findings[concept].medicines or Context.UNKNOWN)


def _medicine_note(context: Context, status: Context) -> str | None:
    """Why a medicine's mention is not plainly affirmed, as the card says it."""
    if context is Context.UNCERTAIN:
        return "a medicine that suggests it"
    if context is Context.UNKNOWN and status is not Context.UNKNOWN:
        return "its name and its status disagree"  # words of history or denial on a medicine being taken
    return _status_note(context)


def _birth(chart: Chart, order_date: date) -> DayRange | None:
    """The patient's birth date, or None when it is absent or impossible: a sentinel, after the order, or an absurd
    age (more than LONGEST_LIFE_DAYS before the order: "1850-01-01", "1900-01-01")."""
    birth = plausible(chart.birth_days, order_date)
    return birth if birth is None or (order_date - birth.latest).days <= LONGEST_LIFE_DAYS else None


def _deceased(chart: Chart) -> list[str]:
    """A problem when the Patient is recorded as deceased: an order for them means the chart, or the order, is not
    what it seems (a merged record, a wrong patient), so nothing in it is rated."""
    patient = chart.patient
    if patient is None or not (patient.deceasedBoolean or patient.deceasedDateTime is not None):
        return []
    return ["the chart records the patient as deceased (Patient.deceased): the chart cannot be taken as this order's"]


def _age(
    chart: Chart, order_date: date, k: Knowledge, birth: DayRange | None, problems: list[str]
) -> Iterator[Mention]:
    adult = k.policy.adult_age_years
    if birth is None:
        problems.append("the patient's birth date is not available, so adult age cannot be confirmed")
        return
    if years_between(birth.latest, order_date) >= adult:
        return
    if years_between(birth.earliest, order_date) < adult:
        patient = chart.patient
        evidence = Evidence(
            f"Patient/{patient.id if patient else '?'}",
            "birthDate",
            date=f"born {birth}",
            note=f"age {years_between(birth.earliest, order_date)}",
        )
        yield Mention(k.policy.age_finding, Context.AFFIRMED, evidence)
    else:
        problems.append(f"the patient's birth date ({birth}) does not show whether they are an adult")


def _text(concept: CodeableConcept | None) -> str | None:
    if concept is None:
        return None
    return concept.text or next((c.display for c in concept.coding or () if c.display), None)


__all__ = ["CodedConcept", "Recognised", "combine", "recognise"]
