"""Read a patient's FHIR resources, validating only those the decision can use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

from cds_service.engine.dates import DayRange, first_day
from cds_service.json_bytes import dumps
from cds_service.knowledge.model import Contraindication, Knowledge, ObservationRule

_MODELS: dict[str, type[Any]] = {
    "Patient": Patient,
    "Condition": Condition,
    "Observation": Observation,
    "Procedure": FhirProcedure,
    "AllergyIntolerance": AllergyIntolerance,
    "Device": Device,
    "ServiceRequest": ServiceRequest,
}


@dataclass(frozen=True)
class ConditionEntry:
    resource: Condition
    findings: frozenset[str]
    contraindications: frozenset[str]


@dataclass(frozen=True)
class ObservationEntry:
    resource: Observation
    rule: ObservationRule


@dataclass(frozen=True)
class ProcedureEntry:
    resource: FhirProcedure
    findings: frozenset[str]


@dataclass(frozen=True)
class ContraindicationEntry:
    resource: AllergyIntolerance | Device
    contraindications: frozenset[str]


@dataclass
class Chart:
    """The parts of a chart that matter for the decision, as validated FHIR R4(B) models."""

    patient: Patient | None = None
    conditions: list[ConditionEntry] = field(default_factory=list)
    condition_ids: set[str] = field(default_factory=set)
    observations: list[ObservationEntry] = field(default_factory=list)
    procedures: list[ProcedureEntry] = field(default_factory=list)
    allergies_and_devices: list[ContraindicationEntry] = field(default_factory=list)
    service_requests: list[ServiceRequest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def codings(element: Any) -> list[dict[str, Any]]:
    """The codings of a raw CodeableConcept, tolerating malformed shapes."""
    if type(element) is not dict:
        return []
    found = element.get("coding")
    return [c for c in found if type(c) is dict] if type(found) is list else []


def code_pairs(element: Any) -> list[tuple[str, str]]:
    """(system, code) of each coding of a raw CodeableConcept that has both as strings."""
    return [
        (c["system"], c["code"])
        for c in codings(element)
        if isinstance(c.get("system"), str) and isinstance(c.get("code"), str)
    ]


def concept_text(element: Mapping[str, Any] | None) -> str:
    """Lower-cased text and coding displays of a raw CodeableConcept."""
    if not isinstance(element, Mapping):
        return ""
    parts = [element.get("text")] + [c.get("display") for c in codings(element)]
    return " ".join(p for p in parts if isinstance(p, str)).lower()


class ChartReader:
    """Sorts raw resources by relevance using the knowledge base, then validates the relevant ones."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.k = knowledge
        self._loinc = {code: rule for rule in knowledge.observations.values() for code in rule.loinc}
        loinc = knowledge.systems["loinc"]
        self._loinc_uris = frozenset((loinc.uri, *loinc.aliases))
        # Charts repeat the same few codes: classify each (system, code) once.
        self._classify_condition = lru_cache(maxsize=65536)(self._condition_classes)
        self._classify_procedure = lru_cache(maxsize=65536)(self._procedure_classes)

    def _condition_classes(self, system: Any, code: Any) -> tuple[frozenset[str], frozenset[str]]:
        """(finding ids, contraindication ids) a Condition coding is evidence for."""
        k = self.k
        return (
            frozenset(f.id for f in k.findings.values() if f.condition_codes.match(k.systems, system, code)),
            frozenset(c.id for c in k.contraindications.values() if c.conditions.match(k.systems, system, code)),
        )

    def _procedure_classes(self, system: Any, code: Any) -> frozenset[str]:
        """Finding ids a Procedure coding is evidence for."""
        k = self.k
        return frozenset(f.id for f in k.findings.values() if f.procedure_codes.match(k.systems, system, code))

    def read(self, resources: Iterable[Mapping[str, Any]], not_before: date | None = None) -> Chart:
        """Build a Chart; Observations effective before `not_before` minus their look-back are skipped."""
        chart = Chart()
        for raw in resources:
            if type(raw) is not dict:
                continue
            kind = raw.get("resourceType")
            if kind == "Condition":
                self._condition(chart, raw)
            elif kind == "Observation":
                self._observation(chart, raw, not_before)
            elif kind == "Procedure":
                self._procedure(chart, raw)
            elif kind in ("AllergyIntolerance", "Device"):
                self._allergy_or_device(chart, raw)
            elif kind == "ServiceRequest":
                model = self._validate(chart, raw)
                if model is not None:
                    chart.service_requests.append(model)
            elif kind == "Patient" and chart.patient is None:
                chart.patient = self._validate(chart, raw)
        return chart

    # -- per resource type ------------------------------------------------------------------------
    def _condition(self, chart: Chart, raw: Mapping[str, Any]) -> None:
        if isinstance(raw.get("id"), str):
            chart.condition_ids.add(raw["id"])
        findings: frozenset[str] = frozenset()
        contraindications: frozenset[str] = frozenset()
        for system, code in code_pairs(raw.get("code")):
            found, contra = self._classify_condition(system, code)
            findings, contraindications = findings | found, contraindications | contra
        if not findings and not contraindications:
            return
        model = self._validate(chart, raw)
        if model is not None:
            chart.conditions.append(ConditionEntry(model, findings, contraindications))

    def _observation(self, chart: Chart, raw: Mapping[str, Any], not_before: date | None) -> None:
        # Hot path on large charts: plain dict look-ups before any parsing.
        rule = None
        for c in codings(raw.get("code")):
            rule = self._loinc.get(c.get("code"))
            if rule is not None and c.get("system") in self._loinc_uris:
                break
            rule = None
        if rule is None or raw.get("status") not in self.k.observation_statuses:
            return
        if not_before is not None:
            when = observation_day(raw)
            if when is None or when.latest < not_before - timedelta(days=rule.lookback_days):
                return
        model = self._validate(chart, raw)
        if model is not None:
            chart.observations.append(ObservationEntry(model, rule))

    def _procedure(self, chart: Chart, raw: Mapping[str, Any]) -> None:
        if raw.get("status") != "completed":
            return
        findings = frozenset().union(*(self._classify_procedure(s, c) for s, c in code_pairs(raw.get("code"))))
        if findings:
            model = self._validate(chart, raw)
            if model is not None:
                chart.procedures.append(ProcedureEntry(model, findings))

    def _allergy_or_device(self, chart: Chart, raw: Mapping[str, Any]) -> None:
        found = frozenset(ci.id for ci in self.k.contraindications.values() if _shows(ci, raw, self.k))
        if found:
            model = self._validate(chart, raw)
            if model is not None:
                chart.allergies_and_devices.append(ContraindicationEntry(model, found))

    def _validate(self, chart: Chart, raw: Mapping[str, Any]) -> Any:
        kind = raw["resourceType"]
        try:
            # The same chart is sent again on every order-select re-fire: validate each version once.
            return _validated(kind, dumps(raw, sort_keys=True))
        except (ValidationError, ValueError, TypeError) as exc:
            count = exc.error_count() if isinstance(exc, ValidationError) else 1
            chart.problems.append(f"{kind}/{raw.get('id', '?')} is not valid FHIR R4 ({count} problem(s))")
            return None


@lru_cache(maxsize=1024)
def _validated(kind: str, document: bytes) -> Any:
    """A validated (and never mutated) model for one exact resource JSON.

    1 024 resources per process hold the recent patients' charts (dozens of them). A bigger cache
    makes the garbage collector's full passes slow: with 8 192 they paused a process for 150-240 ms
    (every request a new patient at 300/s), with 1 024 for ~25 ms.
    """
    return _MODELS[kind].model_validate_json(document)


def observation_day(raw: Mapping[str, Any]) -> DayRange | None:
    """The day a raw Observation refers to (effective[x], else issued), read without validation."""
    period = raw.get("effectivePeriod")
    end = (period.get("end") or period.get("start")) if isinstance(period, Mapping) else None
    return first_day(raw.get("effectiveDateTime"), raw.get("effectiveInstant"), end, raw.get("issued"))


def _shows(ci: Contraindication, raw: Mapping[str, Any], k: Knowledge) -> bool:
    """Whether an AllergyIntolerance or Device shows a contraindication (status checked later)."""
    if raw.get("resourceType") == "Device":
        concept = raw.get("type")
        if any(ci.device_codes.match(k.systems, c.get("system"), c.get("code")) for c in codings(concept)):
            return True
        names = raw.get("deviceName") if isinstance(raw.get("deviceName"), list) else []
        text = " ".join(
            [concept_text(concept)]
            + [n["name"].lower() for n in names if isinstance(n, Mapping) and isinstance(n.get("name"), str)]
        )
        return any(t in text for t in ci.device_text)
    text = concept_text(raw.get("code"))
    reactions = raw.get("reaction")
    if isinstance(reactions, list):
        text += " " + " ".join(concept_text(r.get("substance")) for r in reactions if isinstance(r, Mapping))
    if not any(t in text for t in ci.allergy_text):
        return False
    return not any(t in text for t in ci.allergy_text_unless)
