"""Request bodies for the HTTP benchmarks, and the checks that the answers are the ones being measured.

The chart is tests/fixtures/charts/vignette-002-cancer-radiculopathy.json (a patient with breast cancer in
remission and three weeks of cervical radiculopathy) with its order, C-spine radiographs: the service answers
with a warning card ("usually not appropriate for known malignancy", ACR variant 5) listing its evidence,
and rates the order not-appropriate in a systemAction. Bodies are made from one JSON template by string
replacement, so thousands of them cost little:

- every body has its own hookInstance (as an EHR sends);
- `unique`: every body is a new patient: the patient id and every resource id and reference get a suffix,
  so no resource is the same JSON as one seen before (no validated model is reused);
- `texts`: the order's indication is only reason text (no coded reason, no reasonReference), different in
  every body, so the free-text reader runs on every request (its results are cached per exact text).
"""

from __future__ import annotations

import copy
import http.client
import json
import random
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.engine_bench import filler, other_conditions, quantity_observation
from tests.hook_requests import hook_body, prefetch_for

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "tests" / "fixtures" / "charts" / "vignette-002-cancer-radiculopathy.json"
PATIENT = "vig-cancer"  # every id and reference of the chart starts with it
HOOK, TEXT = "@@hookInstance@@", "@@reason-text@@"

# What a clinician types as the only reason for the order (with a request number appended, so each is new).
REASON_TEXTS = (
    "neck pain radiating to L arm x3 wks, no trauma",
    "neck pain with tingling down the left arm for 3 weeks, no injury",
    "radicular pain R arm since 3 wks, no trauma, no fever",
    "L C6 radiculopathy 3 weeks, neck pain, no trauma",
)

# Vital signs and labs the service has no rule for (no LOINC code of mappings/observations.yaml).
IRRELEVANT = (
    ("8867-4", "Heart rate", "/min", 55, 110),
    ("9279-1", "Respiratory rate", "/min", 12, 22),
    ("8480-6", "Systolic blood pressure", "mm[Hg]", 100, 160),
    ("8462-4", "Diastolic blood pressure", "mm[Hg]", 60, 100),
    ("59408-5", "Oxygen saturation by pulse oximetry", "%", 92, 100),
    ("29463-7", "Body weight", "kg", 55, 95),
    ("2345-7", "Glucose", "mg/dL", 70, 160),
    ("2951-2", "Sodium", "mmol/L", 134, 146),
)
BLOAT_DAYS = 730  # two years of readings before the order


def chart_and_order() -> tuple[list[dict], dict]:
    """The fixture chart (Patient and three Conditions) and its ServiceRequest."""
    resources = [e["resource"] for e in json.loads(CHART.read_text(encoding="utf-8"))["entry"]]
    order = next(r for r in resources if r["resourceType"] == "ServiceRequest")
    return [r for r in resources if r is not order], order


def padded(chart: list[dict]) -> list[dict]:
    """The ~50-resource chart of bench/engine_bench.py: + 15 other conditions and 30 observations over two years."""
    extra = other_conditions(15) + filler(30, random.Random(7))
    return chart + [_owned(r) for r in extra]


def bloat(count: int, seed: int = 11) -> list[dict]:
    """`count` Observations the service has no use for (vitals and labs of other LOINC codes, two years)."""
    rng = random.Random(seed)
    resources = []
    for i in range(count):
        code, label, unit, low, high = rng.choice(IRRELEVANT)
        when = date(2026, 11, 21) - timedelta(days=rng.randint(0, BLOAT_DAYS))
        moment = f"{when.isoformat()}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
        category = "vital-signs" if i % 4 else "laboratory"
        value = rng.uniform(low, high)
        resources.append(quantity_observation(f"{PATIENT}-bloat-{i}", (code, label, unit), value, moment, category))
    return resources


def _owned(resource: dict) -> dict:
    """The engine benchmark's filler with ids under the patient's, so a new patient renames them too."""
    return {**resource, "id": f"{PATIENT}-{resource['id']}"}


def text_order(order: dict) -> dict:
    """The order with its indication only as reason text (a placeholder, filled per body)."""
    changed = copy.deepcopy(order)
    changed.pop("reasonReference", None)
    changed["reasonCode"] = [{"text": TEXT}]
    return changed


def body_maker(
    order: dict, chart: list[dict] | None = None, fhir_server: str | None = None, unique: bool = False
) -> Callable[[int], bytes]:
    """Body number n (compact JSON): its own hookInstance; a new patient when `unique`; reason text n if the
    order has the placeholder. `chart` as prefetch, or none (the service fetches from `fhir_server`)."""
    prefetch = prefetch_for(chart) if chart is not None else None
    document = hook_body([order], patient_id=PATIENT, prefetch=prefetch, fhir_server=fhir_server)
    document["hookInstance"] = HOOK
    template = json.dumps(document, separators=(",", ":"))
    has_text = TEXT in template

    def make(n: int) -> bytes:
        text = template.replace(HOOK, str(uuid.uuid4()))
        if unique:
            text = text.replace(f"/{PATIENT}", f"/{PATIENT}-p{n}").replace(f'"{PATIENT}', f'"{PATIENT}-p{n}')
        if has_text:
            text = text.replace(TEXT, f"{REASON_TEXTS[n % len(REASON_TEXTS)]} (req {n})")
        return text.encode()

    return make


# -- checking answers --------------------------------------------------------------------------------------
def post(url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, Any]:
    """POST a JSON body; (status, the decoded answer or its text)."""
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=timeout)
    try:
        connection.request("POST", target.path, body, {"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw.decode(errors="replace")


def _ratings(actions: list[dict]) -> list[str]:
    return [
        coding.get("code", "")
        for action in actions
        for extension in action.get("resource", {}).get("extension", [])
        if extension.get("url", "").endswith("/pama-rating")
        for coding in extension.get("valueCodeableConcept", {}).get("coding", [])
        if coding.get("system", "").endswith("/pama-rating")
    ]


def warning_problem(status: int, answer: Any) -> str | None:
    """Why our service's answer is not the measured one (a warning card with evidence and a not-appropriate
    rating), or None when it is."""
    if status != 200 or not isinstance(answer, dict):
        return f"HTTP {status}: {str(answer)[:600]}"
    warnings = [c for c in answer.get("cards", []) if c.get("indicator") == "warning"]
    if not warnings:
        return f"no warning card; cards: {[c.get('summary') for c in answer.get('cards', [])]}"
    if "**Why:**" not in warnings[0].get("detail", "") or f"Condition/{PATIENT}" not in warnings[0]["detail"]:
        return f"the warning card lists no evidence from the chart: {warnings[0].get('detail', '')[:600]}"
    ratings = _ratings(answer.get("systemActions", []))
    if "not-appropriate" not in ratings:
        return f"the order is not rated not-appropriate (systemActions ratings: {ratings})"
    return None


def peer_problem(status: int, answer: Any) -> str | None:
    """Why the peer's answer is not its card + systemAction path, or None when it is."""
    if status != 200 or not isinstance(answer, dict):
        return f"HTTP {status}: {str(answer)[:600]}"
    if not answer.get("cards"):
        return f"no card: {str(answer)[:600]}"
    ratings = _ratings(answer.get("extension", {}).get("systemActions", []))
    if "not-appropriate" not in ratings:
        return f"no not-appropriate systemAction (ratings: {ratings})"
    return None
