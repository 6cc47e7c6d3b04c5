"""In-process engine benchmark: one ~50-resource chart and one with 10 000 Observations.

Run: python bench/engine_bench.py [--rounds N]. Reports the time of Engine.evaluate (chart reading,
validation of the relevant resources, findings, variants, decision) per chart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.engine import Engine
from cds_service.engine.chart import _validated
from cds_service.knowledge import load_knowledge

CHARTS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "charts"
TODAY = date(2026, 11, 21)
VITALS = [
    ("8867-4", "Heart rate", "/min", 60, 100),
    ("9279-1", "Respiratory rate", "/min", 12, 20),
    ("8310-5", "Body temperature", "Cel", 36.2, 37.6),
    ("29463-7", "Body weight", "kg", 60, 90),
    ("1988-5", "CRP", "mg/L", 0.5, 8),
    ("2345-7", "Glucose", "mg/dL", 70, 140),
]


def base_chart() -> list[dict]:
    bundle = json.loads((CHARTS / "vignette-002-cancer-radiculopathy.json").read_text(encoding="utf-8"))
    return [e["resource"] for e in bundle["entry"]]


def filler(count: int, rng: random.Random) -> list[dict]:
    """Observations spread over two years (most too old or irrelevant), like a real chart."""
    resources = []
    for i in range(count):
        code, label, unit, low, high = rng.choice(VITALS)
        when = TODAY - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
        resources.append(
            quantity_observation(f"fill-{i}", (code, label, unit), rng.uniform(low, high), when.isoformat())
        )
    return resources


def quantity_observation(
    rid: str, loinc: tuple[str, str, str], value: float, when: str, category: str | None = None
) -> dict:
    """A final Observation of vig-cancer: LOINC (code, display, UCUM unit), value, effectiveDateTime."""
    code, label, unit = loinc
    resource: dict = {"resourceType": "Observation", "id": rid, "status": "final"}
    if category:
        system = "http://terminology.hl7.org/CodeSystem/observation-category"
        resource["category"] = [{"coding": [{"system": system, "code": category}]}]
    return resource | {
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": label}], "text": label},
        "subject": {"reference": "Patient/vig-cancer"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": round(value, 1), "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
    }


def other_conditions(count: int) -> list[dict]:
    codes = ["E11.9", "I10", "E78.5", "J45.909", "K21.9", "F41.1", "M17.11", "N40.0", "G47.33", "E03.9"]
    return [
        {
            "resourceType": "Condition",
            "id": f"other-{i}",
            "subject": {"reference": "Patient/vig-cancer"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": codes[i % len(codes)]}]},
        }
        for i in range(count)
    ]


def measure(engine: Engine, resources: list[dict], rounds: int, cold: bool) -> dict[str, float]:
    """cold: every resource validated again (a new chart); warm: validated models reused (order-select re-fire)."""
    orders = [ServiceRequest.model_validate(r) for r in resources if r["resourceType"] == "ServiceRequest"]
    engine.evaluate(orders, resources, today=TODAY)  # warm-up
    samples = []
    for _ in range(rounds):
        if cold:
            _validated.cache_clear()
        start = time.perf_counter()
        engine.evaluate(orders, resources, today=TODAY)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "resources": len(resources),
        "median_ms": statistics.median(samples),
        "p95_ms": samples[int(0.95 * (len(samples) - 1))],
        "max_ms": samples[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    engine = Engine(load_knowledge())
    small = base_chart() + other_conditions(15) + filler(30, rng)
    large = base_chart() + other_conditions(15) + filler(10_000, rng)
    print(f"machine: {os.cpu_count()} cores {platform.machine()}, Python {platform.python_version()}")
    for name, chart, rounds in (
        ("~50 resources", small, args.rounds),
        ("10 000 Observations", large, max(5, args.rounds // 20)),
    ):
        for cold in (True, False):
            result = measure(engine, chart, rounds, cold)
            print(
                f"{name:>20} {'cold' if cold else 'warm'}: {result['resources']:>6} resources  "
                f"median {result['median_ms']:.2f} ms  p95 {result['p95_ms']:.2f} ms  ({rounds} rounds)"
            )


if __name__ == "__main__":
    main()
