"""Read findings (with evidence), contraindications and data problems from a chart (policy §2-§3)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine.chart import Chart, ConditionEntry
from cds_service.engine.dates import day_range, first_day, years_between
from cds_service.engine.duration import classify_duration, onset_range
from cds_service.engine.model import Duration, Evidence, Finding
from cds_service.engine.observations import read_observation
from cds_service.knowledge.model import FindingDefinition, Knowledge

PEDIATRIC = "pediatric"


@dataclass(frozen=True)
class PatientFacts:
    """Everything the variant ladder and the alternatives need to know about the patient."""

    findings: tuple[Finding, ...]
    duration: Duration
    contraindications: tuple[Finding, ...]
    problems: tuple[str, ...]

    def has(self, finding_id: str) -> bool:
        return any(f.id == finding_id for f in self.findings)

    def with_role(self, role: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.role == role)


class _Collector:
    """Gathers evidence per finding id, remembering whether all of it is only suspected."""

    def __init__(self) -> None:
        self.evidence: dict[str, list[Evidence]] = defaultdict(list)
        self.confirmed: set[str] = set()

    def add(self, finding_id: str, evidence: Evidence, suspected: bool = False) -> None:
        if evidence not in self.evidence[finding_id]:
            self.evidence[finding_id].append(evidence)
        if not suspected:
            self.confirmed.add(finding_id)


def read_facts(chart: Chart, order: ServiceRequest, order_date: date, k: Knowledge) -> PatientFacts:
    """Turn the chart into findings with evidence, the symptom duration and contraindications."""
    problems = list(chart.problems)
    found = _Collector()
    contra = _Collector()
    reason_ids = _reason_condition_ids(order, chart, problems)
    duration_sources: list[Condition] = []

    for entry in chart.conditions:
        as_reason = entry.resource.id in reason_ids
        state = _condition_state(entry.resource, k, as_reason)
        if state is None:
            continue
        clinical, suspected = state
        evidence = _condition_evidence(entry.resource, clinical, suspected, as_reason)
        for fid in entry.findings:
            definition = k.findings[fid]
            if _counts(definition, clinical, suspected) and _recent_enough(definition, entry, order_date, k):
                found.add(fid, evidence, suspected)
                if fid in k.policy.duration_findings and clinical == "current":
                    duration_sources.append(entry.resource)
        if clinical == "current":
            for cid in entry.contraindications:
                contra.add(cid, evidence)

    _reason_codes(order, k, found)
    _procedures(chart, order_date, k, found)
    _observations(chart, order_date, k, found, contra, problems)
    _allergies_and_devices(chart, k, contra)
    _age(chart, order_date, k, found, problems)

    birth = day_range(chart.patient.birthDate) if chart.patient else None
    duration = classify_duration(duration_sources, birth, order_date, k.policy)
    return PatientFacts(
        findings=_build(found, k),
        duration=duration,
        contraindications=tuple(
            Finding(cid, k.contraindications[cid].label, "contraindication", tuple(ev))
            for cid, ev in contra.evidence.items()
        ),
        problems=tuple(problems),
    )


# -- Conditions --------------------------------------------------------------------------------------
def _first_code(concept: CodeableConcept | None) -> str | None:
    if concept is None:
        return None
    return next((c.code for c in concept.coding or () if c.code), None)


def _condition_state(condition: Condition, k: Knowledge, as_reason: bool) -> tuple[str, bool] | None:
    """("current" | "history", suspected) for a Condition, or None when it must be ignored."""
    verification = _first_code(condition.verificationStatus)
    if verification in k.condition_status.ignored:
        return None
    clinical = _first_code(condition.clinicalStatus)
    state = "history" if clinical in k.condition_status.history and not as_reason else "current"
    return state, verification in k.condition_status.suspected


def _coded(concept: CodeableConcept | None) -> tuple[str | None, str | None]:
    """("system|code" of the first coded coding, its display or the concept text) for evidence."""
    coding = next((c for c in concept.coding or () if c.code), None) if concept else None
    code = f"{coding.system}|{coding.code}" if coding else None
    return code, (coding.display if coding else None) or (concept.text if concept else None)


def _counts(definition: FindingDefinition, clinical: str, suspected: bool) -> bool:
    if clinical == "history":
        return not suspected and "history" in definition.counts
    return ("suspected" if suspected else "current") in definition.counts


def _recent_enough(definition: FindingDefinition, entry: ConditionEntry, order_date: date, k: Knowledge) -> bool:
    """For injury codes: initial encounter, or not shown to be older than the recent window."""
    if definition.recent_days is None:
        return True
    condition = entry.resource
    icd = k.systems["icd10cm"]
    for coding in condition.code.coding or () if condition.code else ():
        if k.systems.by_uri(coding.system) is not icd or not coding.code:
            continue
        if not definition.condition_codes.match(k.systems, coding.system, coding.code):
            continue
        seventh = icd.normalise(coding.code)[6:7]
        if seventh in definition.initial_encounter:
            return True
        if seventh in definition.sequela:
            continue
        started = onset_range(condition, None) or day_range(condition.recordedDate)
        if started is None or (order_date - started.latest).days <= definition.recent_days:
            return True
    return False


def _condition_evidence(condition: Condition, clinical: str, suspected: bool, as_reason: bool) -> Evidence:
    code, display = _coded(condition.code)
    onset = onset_range(condition, None)
    notes = [
        n
        for n in (
            "the order's reason" if as_reason else None,
            _first_code(condition.verificationStatus) if suspected else None,
            _first_code(condition.clinicalStatus) if clinical == "history" else None,
        )
        if n
    ]
    return Evidence(
        reference=f"Condition/{condition.id}",
        code=code,
        display=display,
        date=f"onset {onset}"
        if onset
        else (f"recorded {day_range(condition.recordedDate)}" if condition.recordedDate else None),
        note=", ".join(notes) or None,
    )


def _reason_condition_ids(order: ServiceRequest, chart: Chart, problems: list[str]) -> set[str]:
    """Ids of Conditions the order names as its reason; a reason missing from the chart is a problem."""
    ids = set()
    for reference in order.reasonReference or ():
        parts = (reference.reference or "").split("/")
        if len(parts) < 2 or parts[-2] != "Condition":
            continue
        if parts[-1] in chart.condition_ids:
            ids.add(parts[-1])
        else:
            problems.append(f"the order's reason {parts[-2]}/{parts[-1]} is not in the chart")
    return ids


def _reason_codes(order: ServiceRequest, k: Knowledge, found: _Collector) -> None:
    """ServiceRequest.reasonCode counts as an active Condition with unknown onset (policy §2).

    An injury named as the order's reason counts as recent: the clinician is imaging for it now.
    """
    for concept in order.reasonCode or ():
        for coding in concept.coding or ():
            if not coding.code:
                continue
            evidence = Evidence(
                reference=f"ServiceRequest/{order.id}",
                code=f"{coding.system}|{coding.code}",
                display=coding.display or concept.text,
                note="reasonCode of the order",
            )
            for definition in k.findings.values():
                if "current" in definition.counts and definition.condition_codes.match(
                    k.systems, coding.system, coding.code
                ):
                    found.add(definition.id, evidence)


# -- Procedures, Observations, allergies and devices, age ---------------------------------------------
def _procedures(chart: Chart, order_date: date, k: Knowledge, found: _Collector) -> None:
    for entry in chart.procedures:
        procedure = entry.resource
        period = procedure.performedPeriod
        performed = first_day(procedure.performedDateTime, (period.start if period else None))
        if performed is not None and performed.earliest > order_date:
            continue
        code, display = _coded(procedure.code)
        evidence = Evidence(
            reference=f"Procedure/{procedure.id}",
            code=code,
            display=display,
            date=f"performed {performed}" if performed else None,
        )
        for fid in entry.findings:
            found.add(fid, evidence)


def _observations(
    chart: Chart, order_date: date, k: Knowledge, found: _Collector, contra: _Collector, problems: list[str]
) -> None:
    for entry in chart.observations:
        reading = read_observation(entry.resource, entry.rule, order_date, k)
        if reading is None:
            continue
        reference = f"Observation/{entry.resource.id}"
        if reading.beyond is None:
            problems.append(f"{reference} ({entry.rule.label}): {reading.note}")
            continue
        if reading.beyond:
            evidence = Evidence(
                reference, f"http://loinc.org|{_loinc(entry)}", entry.rule.label, reading.day, reading.note
            )
            (contra if entry.rule.finding in k.contraindications else found).add(entry.rule.finding, evidence)


def _loinc(entry) -> str:  # noqa: ANN001 - ObservationEntry
    return next((c.code for c in entry.resource.code.coding or () if c.code in entry.rule.loinc), "")


def _allergies_and_devices(chart: Chart, k: Knowledge, contra: _Collector) -> None:
    for entry in chart.allergies_and_devices:
        resource = entry.resource
        kind = resource.get_resource_type()
        if kind == "Device":
            if resource.status not in (None, "active", "unknown"):
                continue
            text = resource.type.text if resource.type else None
        else:
            if _first_code(resource.clinicalStatus) not in (None, "active") or _first_code(
                resource.verificationStatus
            ) in ("refuted", "entered-in-error"):
                continue
            text = resource.code.text if resource.code else None
        for cid in entry.contraindications:
            contra.add(cid, Evidence(reference=f"{kind}/{resource.id}", display=text))


def _age(chart: Chart, order_date: date, k: Knowledge, found: _Collector, problems: list[str]) -> None:
    patient = chart.patient
    birth = day_range(patient.birthDate) if patient else None
    if birth is None:
        problems.append("the patient's birth date is not available, so adult age cannot be confirmed")
        return
    if years_between(birth.latest, order_date) >= k.policy.adult_age_years:
        return
    if years_between(birth.earliest, order_date) < k.policy.adult_age_years:
        found.add(
            PEDIATRIC,
            Evidence(
                f"Patient/{patient.id}", date=f"born {birth}", note=f"age {years_between(birth.earliest, order_date)}"
            ),
        )
    else:
        problems.append(f"the patient's birth date ({birth}) does not show whether they are an adult")


def _build(found: _Collector, k: Knowledge) -> tuple[Finding, ...]:
    findings = []
    for fid, evidence in found.evidence.items():
        if fid == PEDIATRIC:
            label = f"Patient younger than {k.policy.adult_age_years}"
            findings.append(Finding(PEDIATRIC, label, "out-of-scope", tuple(evidence), topic="pediatric criteria"))
            continue
        definition = k.findings[fid]
        findings.append(
            Finding(
                id=fid,
                label=definition.label,
                role=definition.role,
                evidence=tuple(evidence),
                suspected=fid not in found.confirmed,
                topic=definition.topic,
                certainty=definition.certainty,
            )
        )
    return tuple(findings)
