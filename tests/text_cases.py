"""Build a chart and an order from a text-corpus case (tests/fixtures/text/*.yaml) and compare the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from cds_service.engine import Decision, Engine
from tests.builders import SYSTEMS, condition, order
from tests.conftest import TODAY

TEXT_FIXTURES = Path(__file__).parent / "fixtures" / "text"


def load_cases(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((TEXT_FIXTURES / name).read_text(encoding="utf-8"))


def _birth(age: int) -> str:
    return date(TODAY.year - age, 1, 1).isoformat() if age else "1976-01-01"


def chart_and_order(case: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    """The FHIR resources and the ServiceRequest a case describes."""
    age = case.get("age", 50)
    birth = date(TODAY.year - age - (1 if (TODAY.month, TODAY.day) < (6, 1) else 0), 6, 1).isoformat()
    resources: list[dict[str, Any]] = [{"resourceType": "Patient", "id": "pat-1", "birthDate": birth}]
    for i, coded in enumerate(case.get("coded") or ()):
        system, code = coded["code"].split("|")
        extra = {}
        resources.append(
            condition(
                code,
                system,
                onset=coded.get("onset"),
                clinical=coded.get("clinical", "active"),
                verification=coded.get("verification", "confirmed"),
                cid=f"coded-{i}",
                **extra,
            )
        )
    for i, text in enumerate(case.get("problems") or ()):
        resources.append(
            {
                "resourceType": "Condition",
                "id": f"problem-{i}",
                "subject": {"reference": "Patient/pat-1"},
                "clinicalStatus": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
                },
                "code": {"text": text},
            }
        )
    system, code = case["order"].split("|")
    sr = order(code, system)
    raw = sr.model_dump(exclude_none=True)
    if case.get("reason"):
        raw["reasonCode"] = [{"text": case["reason"]}]
    if case.get("note"):
        raw["note"] = [{"text": case["note"]}]
    from fhir.resources.R4B.servicerequest import ServiceRequest

    return resources, ServiceRequest.model_validate(raw)


@dataclass(frozen=True)
class Result:
    case: dict[str, Any]
    decision: Decision

    @property
    def expected(self) -> str:
        return self.case["expect"]["outcome"]

    @property
    def got(self) -> str:
        return self.decision.outcome.value

    @property
    def agrees(self) -> bool:
        variants = self.case["expect"].get("variants")
        same_variants = variants is None or sorted(variants) == [v.number for v in self.decision.variants]
        return self.expected == self.got and same_variants

    @property
    def false_warning(self) -> bool:
        return self.got == "not-appropriate" and self.expected != "not-appropriate"

    def describe(self) -> str:
        c = self.case
        variants = [v.number for v in self.decision.variants]
        words = c.get("reason") or c.get("note") or c.get("problems")
        return (
            f"{c['id']}: expected {self.expected} {c['expect'].get('variants')}, got {self.got} {variants} "
            f"for {words!r} ({c['order']}); reasons: {list(self.decision.reasons)[:3]}"
        )


def run_case(engine: Engine, case: dict[str, Any]) -> Result:
    resources, sr = chart_and_order(case)
    (decision,) = engine.evaluate([sr], resources, today=TODAY)
    return Result(case, decision)


def reason_outcome(engine: Engine, reason: str, order: str, **case: Any) -> tuple[str, list[int]]:
    """What an order with this reason gets: its outcome and the candidate variants' numbers."""
    result = run_case(engine, {"id": "t", "order": order, "reason": reason, "expect": {"outcome": "?"}, **case})
    return result.got, [v.number for v in result.decision.variants]


def note_outcome(engine: Engine, note: str, code: str = "72141", reason: bool = False) -> str:
    """The outcome of an order with this note (or reason text) on a chart of acute neck pain (variant 1)."""
    from fhir.resources.R4B.servicerequest import ServiceRequest

    from tests.builders import order_json, patient

    draft = order_json(code)
    draft["reasonCode" if reason else "note"] = [{"text": note}]
    chart = [patient(), condition("M54.2", onset="2026-11-10")]
    (decision,) = engine.evaluate([ServiceRequest.model_validate(draft)], chart, today=TODAY)
    return decision.outcome.value


def mentions(reader: Any, text: str) -> list[tuple[str, str]]:
    """What a text reader reads in a text: each mention's concept and context."""
    return [(m.concept, m.context.value) for m in reader.read(text)]


__all__ = ["SYSTEMS", "load_cases", "mentions", "note_outcome", "reason_outcome", "run_case"]
