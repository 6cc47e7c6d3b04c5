"""The replay reads medicines as the live service does (an anticoagulant taken on the order's day stops the warning),
with the Medication a medicine names by reference staged beside it, and as of the order's day: a medicine ordered
after it is not seen, one that may have ended after it is `unknown` (it can only stop a warning)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.replay.lookahead import as_of, known_by
from cds_service.replay.medications import FILE
from cds_service.replay.runner import ReplayConfig, replay
from tests.builders import condition, medicine, order_json, patient

ORDER_DAY = "2024-03-01"
WARFARIN = {"text": "warfarin sodium 5 MG Oral Tablet"}
APIXABAN = {"resourceType": "Medication", "id": "med-apixaban", "code": {"text": "apixaban 5 MG Oral Tablet"}}
LISINOPRIL = {"resourceType": "Medication", "id": "med-lisinopril", "code": {"text": "lisinopril 10 MG Oral Tablet"}}


def _for(pid: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {**resource, "subject": {"reference": f"Patient/{pid}"}}


def neck_pain_and_a_ct(pid: str, *medicines: dict[str, Any]) -> list[dict[str, Any]]:
    """Acute neck pain and a CT the same week: a warning (variant 1) unless a medicine stops it."""
    pain = condition("M54.2", cid=f"{pid}-pain", onset="2024-02-25", recorded="2024-02-26")
    ct = order_json("72125", oid=f"{pid}-ct", authored=f"{ORDER_DAY}T10:00:00Z") | {"status": "completed"}
    return [patient(pid=pid), _for(pid, pain), *(_for(pid, m) for m in medicines), _for(pid, ct)]


def taken(mid: str, authored: str = "2024-01-10", **elements: Any) -> dict[str, Any]:
    return medicine(id=mid, authoredOn=authored, **({"medicationCodeableConcept": WARFARIN} | elements))


def by_reference(mid: str, medication: str) -> dict[str, Any]:
    return medicine(id=mid, authoredOn="2024-01-10", medicationReference={"reference": f"Medication/{medication}"})


def statement(mid: str, status: str, ended: str) -> dict[str, Any]:
    return medicine(
        kind="MedicationStatement",
        id=mid,
        status=status,
        medicationCodeableConcept=WARFARIN,
        dateAsserted="2023-06-01",
        effectivePeriod={"start": "2023-05-01", "end": ended},
    )


CHARTS = {
    "control": neck_pain_and_a_ct("control"),
    "warfarin": neck_pain_and_a_ct("warfarin", taken("w-1")),
    "referenced": neck_pain_and_a_ct("referenced", by_reference("r-1", "med-apixaban")),
    "shared": neck_pain_and_a_ct("shared", by_reference("s-1", "med-apixaban")),  # the same Medication
    "not-an-anticoagulant": neck_pain_and_a_ct("not-an-anticoagulant", by_reference("n-1", "med-lisinopril")),
    "missing-medication": neck_pain_and_a_ct("missing-medication", by_reference("m-1", "med-not-exported")),
    "ordered-after": neck_pain_and_a_ct("ordered-after", taken("a-1", authored="2024-03-02")),
    "stopped-since": neck_pain_and_a_ct("stopped-since", taken("st-1", status="stopped")),
    "statement-ended-before": neck_pain_and_a_ct("statement-ended-before", statement("e-1", "completed", "2023-12-01")),
    "statement-ended-after": neck_pain_and_a_ct("statement-ended-after", statement("e-2", "completed", "2024-04-01")),
    "statement-ended-that-day": neck_pain_and_a_ct("statement-ended-that-day", statement("e-3", "stopped", ORDER_DAY)),
}
EXPECTED = {  # patient -> the CT's outcome in the replay
    "control": "not-appropriate",
    "warfarin": "no-criteria-apply",
    "referenced": "no-criteria-apply",
    "shared": "no-criteria-apply",
    "not-an-anticoagulant": "not-appropriate",
    "missing-medication": "insufficient-data",  # named by a reference the export cannot resolve
    "ordered-after": "not-appropriate",
    "stopped-since": "no-criteria-apply",  # it may have been taken on the order's day
    "statement-ended-before": "not-appropriate",
    "statement-ended-after": "no-criteria-apply",
    "statement-ended-that-day": "no-criteria-apply",
}


def write_export(directory: Path) -> Path:
    """Each type in its own file, as $export writes them; the Medications last, after the medicines naming them."""
    directory.mkdir(parents=True)
    files: dict[str, list[bytes]] = {}
    for resource in [r for chart in CHARTS.values() for r in chart] + [APIXABAN, LISINOPRIL]:
        name = (
            "Medication_1.ndjson" if resource["resourceType"] == "Medication" else f"{resource['resourceType']}.ndjson"
        )
        files.setdefault(name, []).append(orjson.dumps(resource) + b"\n")
    for name, lines in files.items():
        (directory / name).write_bytes(b"".join(lines))
    return directory


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("medicines")
    export = write_export(tmp / "export")
    config = ReplayConfig.defaults_for(export, database=f"sqlite:///{tmp}/r.sqlite3", csv=tmp / "r.csv", workers=1)
    summary = replay(config)
    with (tmp / "r.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return summary, {r["patient_id"]: r["outcome"] for r in rows}, config


def test_medicines_change_the_replayed_answers_as_they_do_the_live_ones(outcomes):
    _, found, _ = outcomes
    assert found == EXPECTED


def test_the_medications_are_counted_and_their_scratch_file_removed(outcomes):
    summary, _, config = outcomes
    assert summary.staged.medications == 2
    assert summary.staged.without_patient == 0  # a Medication is not a resource without its patient
    assert not (config.work_dir / FILE).exists()


def test_the_live_service_gives_the_same_answer_on_the_whole_chart(engine):
    # the control for the staging: the engine reading each chart with the Medication beside it, as an _include
    for pid in ("warfarin", "referenced", "not-an-anticoagulant", "missing-medication"):
        chart = [r for r in CHARTS[pid] if r["resourceType"] != "ServiceRequest"] + [APIXABAN, LISINOPRIL]
        order = next(r for r in CHARTS[pid] if r["resourceType"] == "ServiceRequest")
        (decision,) = engine.evaluate([ServiceRequest.model_validate(order)], chart, today=date(2024, 3, 1))
        assert decision.outcome.value == EXPECTED[pid], pid


@pytest.mark.parametrize(
    ("resource", "known"),
    [
        (medicine("x", authoredOn="2024-02-03"), date(2024, 2, 3)),
        (medicine("x", meta={"lastUpdated": "2024-05-01T00:00:00Z"}), date(2024, 5, 1)),
        (
            medicine("x", kind="MedicationStatement", dateAsserted="2024-02-03", effectiveDateTime="2023-01-01"),
            date(2024, 2, 3),
        ),
        (medicine("x", kind="MedicationStatement", effectivePeriod={"start": "2023-01-01"}), date(2023, 1, 1)),
        (APIXABAN, None),
    ],
)
def test_medicines_are_dated_by_when_they_were_ordered_or_stated(resource, known):
    assert known_by(resource) == known


def test_a_medication_is_always_visible_and_an_active_medicine_is_unchanged():
    active = taken("w-1")
    visible, undated, later = as_of([APIXABAN, active], date(2024, 3, 1))
    assert visible == [APIXABAN, active] and not undated and not later


@pytest.mark.parametrize("status", ["stopped", "completed"])
def test_a_request_that_ended_since_is_unknown_on_the_orders_day(status):
    (seen,), _, _ = as_of([taken("w-1", status=status)], date(2024, 3, 1))
    assert seen["status"] == "unknown"


@pytest.mark.parametrize("status", ["cancelled", "entered-in-error", "on-hold", "draft"])
def test_other_request_statuses_are_kept(status):
    (seen,), _, _ = as_of([taken("w-1", status=status)], date(2024, 3, 1))
    assert seen["status"] == status


@pytest.mark.parametrize(
    "period",
    [{"end": "0001-01-01"}, {"start": "2024-02-20", "end": "1999-01-01"}, {"end": "2024-03-01"}],
)
def test_a_statement_end_that_cannot_be_right_or_is_the_order_day_is_unknown(period):
    stated = statement("e-9", "completed", "2023-01-01") | {"effectivePeriod": period}
    (seen,), _, _ = as_of([stated], date(2024, 3, 1))
    assert seen["status"] == "unknown"


def test_a_malformed_status_neither_stops_the_replay_nor_is_changed(tmp_path):
    odd = taken("odd-1") | {"status": ["stopped"]}
    (seen,), _, _ = as_of([odd], date(2024, 3, 1))
    assert seen["status"] == ["stopped"]  # the engine reads it as a status it cannot read (it blocks)
    charts = {"odd": neck_pain_and_a_ct("odd", odd), "control": CHARTS["control"]}
    export = tmp_path / "export"
    export.mkdir()
    for kind in ("Patient", "Condition", "MedicationRequest", "ServiceRequest"):
        lines = [orjson.dumps(r) + b"\n" for c in charts.values() for r in c if r["resourceType"] == kind]
        (export / f"{kind}.ndjson").write_bytes(b"".join(lines))
    config = ReplayConfig.defaults_for(export, database=f"sqlite:///{tmp_path}/r.sqlite3", csv=tmp_path / "r.csv")
    summary = replay(replace(config, workers=1))
    assert summary.counts["orders rated"] == 2


def administration(mid: str, status: str, **elements: Any) -> dict[str, Any]:
    given = medicine(kind="MedicationAdministration", id=mid, status=status, medicationCodeableConcept=WARFARIN)
    return given | elements


@pytest.mark.parametrize(
    ("elements", "known"),
    [
        ({"effectiveDateTime": "2024-02-03T10:00:00Z"}, date(2024, 2, 3)),
        ({"effectivePeriod": {"start": "2024-01-05", "end": "2024-04-01"}}, date(2024, 1, 5)),
        ({"meta": {"lastUpdated": "2024-05-01T00:00:00Z"}}, date(2024, 5, 1)),
    ],
)
def test_an_administration_is_dated_by_when_it_was_given(elements, known):
    assert known_by(administration("a-1", "completed", **elements)) == known


@pytest.mark.parametrize(
    "elements",
    [{"effectiveDateTime": "2024-02-27T10:00:00Z"}, {"effectivePeriod": {"start": "2024-02-20", "end": "2024-02-28"}}],
)
def test_a_dose_given_before_the_orders_day_is_kept_for_the_engine_to_date(elements):
    (seen,), _, _ = as_of([administration("a-1", "completed", **elements)], date(2024, 3, 1))
    assert seen["status"] == "completed"


@pytest.mark.parametrize(
    "elements",
    [
        {"effectivePeriod": {"start": "2024-02-20", "end": "2024-03-05"}},  # still being given on the order's day
        {"effectivePeriod": {"start": "2024-02-20"}},
        {"effectiveDateTime": "0001-01-01"},
    ],
)
def test_a_dose_that_may_have_gone_on_past_the_orders_day_is_unknown(elements):
    (seen,), _, _ = as_of([administration("a-1", "completed", **elements)], date(2024, 3, 1))
    assert seen["status"] == "unknown"
