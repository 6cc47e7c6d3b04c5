"""A synthetic FHIR Bulk Data export (NDJSON per resource type), deterministic from a seed.

Patients with neck pain, radiculopathy, a malignancy, trauma, signs of infection, prior cervical
surgery or cervicogenic headache (and some with no neck indication), labs and vital signs over the
years, other procedures, contrast allergies, MR-unsafe devices, and cervical-spine imaging orders
spread over 2019-2025 among other imaging orders (chest radiographs, lumbar MRI). Some diagnoses are
recorded after an order (what the replay must not see), some resources carry no date, a few orders
are entered in error or undated. Observations are written to several files (Observation.000.ndjson,
...), as `$export` does for big types.

Run: python bench/synthetic_export.py OUT_DIR [--patients N] [--seed S] [--broken-lines N]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
START, END = date(2019, 1, 1), date(2025, 12, 31)
# (profile, weight, conditions as (ICD-10-CM code, display))
PROFILES = (
    ("neck-pain", 30, [("M54.2", "Cervicalgia")]),
    ("radiculopathy", 22, [("M54.12", "Radiculopathy, cervical region")]),
    ("disc-radiculopathy", 6, [("M50.121", "Cervical disc disorder at C5-C6 with radiculopathy")]),
    ("malignancy", 8, [("M54.12", "Radiculopathy, cervical region"), ("C50.911", "Malignant neoplasm of breast")]),
    ("trauma", 7, [("M54.2", "Cervicalgia"), ("S13.4XXA", "Sprain of ligaments of cervical spine, initial")]),
    ("infection", 3, [("M54.2", "Cervicalgia")]),
    ("post-surgery", 6, [("M54.2", "Cervicalgia")]),
    ("headache", 6, [("G44.86", "Cervicogenic headache")]),
    ("no-indication", 12, [("I10", "Essential hypertension")]),
)
# (CPT, display, weight): cervical imaging and other imaging the same clinicians order
ORDERS = (
    ("72040", "X-ray cervical spine 2-3 views", 30),
    ("72141", "MRI cervical spine without contrast", 26),
    ("72125", "CT cervical spine without contrast", 12),
    ("72156", "MRI cervical spine without and with contrast", 6),
    ("72126", "CT cervical spine with contrast", 4),
    ("72052", "X-ray cervical spine 6+ views", 3),
    ("71046", "X-ray chest 2 views", 12),
    ("72148", "MRI lumbar spine without contrast", 7),
)
LABS = (
    ("8310-5", "Body temperature", "Cel", 36.4, 37.4, 39.2),
    ("1988-5", "C reactive protein", "mg/L", 0.5, 6.0, 85.0),
    ("4537-7", "Erythrocyte sedimentation rate", "mm/h", 2.0, 18.0, 70.0),
    ("6690-2", "Leukocytes", "10*3/uL", 4.5, 10.0, 17.0),
    ("8867-4", "Heart rate", "/min", 60.0, 95.0, 120.0),
    ("29463-7", "Body weight", "kg", 55.0, 95.0, 95.0),
)


def _day(rng: random.Random, low: date, high: date) -> date:
    return low + timedelta(days=rng.randint(0, max(0, (high - low).days)))


class Writer:
    """One output stream per file; Observations rotate over several files."""

    def __init__(self, out: Path, observation_files: int) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, Any] = {}
        self.out = out
        self.observation_files = observation_files
        self.count = 0

    def write(self, resource: dict[str, Any]) -> None:
        kind = resource["resourceType"]
        name = f"{kind}.ndjson"
        if kind == "Observation":
            name = f"Observation.{self.count % self.observation_files:03d}.ndjson"
        if name not in self.files:
            self.files[name] = (self.out / name).open("wb")
        self.files[name].write(orjson.dumps(resource) + b"\n")
        self.count += 1

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def _condition(cid: str, pid: str, code: str, display: str, onset: date | None, recorded: date | None) -> dict:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "subject": {"reference": f"Patient/{pid}"},
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
        "code": {"coding": [{"system": ICD, "code": code, "display": display}]},
        "meta": {"lastUpdated": "2026-01-15T03:00:00Z"},
    }
    if onset:
        out["onsetDateTime"] = onset.isoformat()
    if recorded:
        out["recordedDate"] = recorded.isoformat()
    return out


def patient_resources(n: int, rng: random.Random) -> list[dict[str, Any]]:
    pid = f"p{n:07d}"
    profile, _, conditions = rng.choices(PROFILES, [p[1] for p in PROFILES])[0]
    birth = _day(rng, date(1935, 1, 1), date(2000, 12, 31))
    out: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid, "birthDate": birth.isoformat(), "gender": rng.choice(["female", "male"])}
    ]
    onset = _day(rng, START, date(2025, 6, 30))
    order_days = sorted(_day(rng, onset, min(END, onset + timedelta(days=rng.randint(20, 900)))) for _ in range(3))
    for i, (code, display) in enumerate(conditions):
        first = onset if i == 0 else _day(rng, onset - timedelta(days=400), onset + timedelta(days=30))
        recorded = first + timedelta(days=rng.randint(0, 10))
        if profile == "malignancy" and i == 1 and rng.random() < 0.4:
            recorded = order_days[0] + timedelta(days=rng.randint(7, 200))  # diagnosed after the first order
        if profile == "trauma" and i == 1 and rng.random() < 0.3:
            recorded = order_days[0] + timedelta(days=rng.randint(3, 10))  # recorded the week after
        undated = rng.random() < 0.03
        out.append(
            _condition(f"{pid}-c{i}", pid, code, display, None if undated else first, None if undated else recorded)
        )
    if rng.random() < 0.5:  # unrelated history
        day = _day(rng, START, END)
        out.append(_condition(f"{pid}-h", pid, "E11.9", "Type 2 diabetes mellitus", day, day))
    for j in range(rng.randint(8, 30)):
        loinc, label, unit, low, high, abnormal = rng.choice(LABS)
        when = _day(rng, START, END)
        near_order = rng.random() < 0.3
        if near_order:
            when = order_days[0] - timedelta(days=rng.randint(0, 10))
        value = rng.uniform(low, high)
        if profile == "infection" and near_order:
            value = abnormal
        out.append(
            {
                "resourceType": "Observation",
                "id": f"{pid}-o{j}",
                "status": "final",
                "subject": {"reference": f"Patient/{pid}"},
                "code": {"coding": [{"system": LOINC, "code": loinc, "display": label}]},
                "effectiveDateTime": f"{when.isoformat()}T{rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}:00Z",
                "issued": f"{(when + timedelta(days=rng.randint(0, 2))).isoformat()}T20:00:00Z",
                "valueQuantity": {"value": round(value, 1), "unit": unit, "system": UCUM, "code": unit},
            }
        )
    if profile == "post-surgery":
        done = _day(rng, date(2012, 1, 1), onset)
        out.append(
            {
                "resourceType": "Procedure",
                "id": f"{pid}-s",
                "status": "completed",
                "subject": {"reference": f"Patient/{pid}"},
                "code": {"coding": [{"system": CPT, "code": "22551", "display": "ACDF"}]},
                "performedDateTime": done.isoformat(),
            }
        )
    if rng.random() < 0.3:
        out.append(
            {
                "resourceType": "Procedure",
                "id": f"{pid}-x",
                "status": "completed",
                "subject": {"reference": f"Patient/{pid}"},
                "code": {"coding": [{"system": CPT, "code": "45378", "display": "Colonoscopy"}]},
                "performedDateTime": _day(rng, START, END).isoformat(),
            }
        )
    if rng.random() < 0.05:
        out.append(
            {
                "resourceType": "AllergyIntolerance",
                "id": f"{pid}-a",
                "patient": {"reference": f"Patient/{pid}"},
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {"text": "Iodinated contrast media"},
                "recordedDate": _day(rng, START, END).isoformat(),
            }
        )
    if rng.random() < 0.02:
        out.append(
            {
                "resourceType": "Device",
                "id": f"{pid}-d",
                "patient": {"reference": f"Patient/{pid}"},
                "status": "active",
                "type": {"text": "Cardiac pacemaker"},
            }
        )
    for k, day in enumerate(order_days[: rng.choice([1, 1, 1, 2, 2, 3])]):
        code, display, _ = rng.choices(ORDERS, [o[2] for o in ORDERS])[0]
        order: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "id": f"{pid}-r{k}",
            "status": "completed",
            "intent": "order",
            "subject": {"reference": f"Patient/{pid}"},
            "requester": {"reference": f"Practitioner/pr{rng.randrange(150):03d}"},
            "code": {"coding": [{"system": CPT, "code": code, "display": display}]},
            "authoredOn": f"{day.isoformat()}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00Z",
        }
        roll = rng.random()
        if roll < 0.01:
            order["status"] = "entered-in-error"
        elif roll < 0.015:
            del order["authoredOn"]
        out.append(order)
    return out


def generate(out: Path, patients: int, seed: int = 15, broken_lines: int = 0, observation_files: int = 3) -> int:
    """Write the export; returns the number of resources written."""
    rng = random.Random(seed)
    writer = Writer(out, observation_files)
    try:
        for n in range(patients):
            for resource in patient_resources(n, rng):
                writer.write(resource)
        for b in range(broken_lines):
            writer.files["Condition.ndjson"].write(b'{"resourceType": "Condition", "id": "broken-%d", \n' % b)
    finally:
        writer.close()
    return writer.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--broken-lines", type=int, default=0)
    args = parser.parse_args()
    started = datetime.now()
    count = generate(args.out, args.patients, args.seed, args.broken_lines)
    print(f"{count} resources for {args.patients} patients in {args.out} ({(datetime.now() - started).seconds} s)")


if __name__ == "__main__":
    main()
