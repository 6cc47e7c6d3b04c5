"""What a thirty-third review (2026-12-05) found the replay get wrong: a Condition that ended at a time that cannot be
set against the order's day shown as ended before it (a red flag lost: a warning counted); an order dated only to the
month seeing what was recorded later in the month; two patients' orders of the same id stored as one while the
summary counted both; a compressed file cut short stopping the replay with a traceback.
"""

from __future__ import annotations

import gzip
from datetime import date

import orjson
import pytest

from cds_service.replay.lookahead import as_of
from tests.builders import condition, order_json, patient
from tests.replay.test_replay import cli, csv_rows, run_replay

DAY = date(2024, 3, 1)


def _resolved(**abatement) -> dict:
    return condition("D68.9", recorded="2023-06-02", clinical="resolved", **abatement)


def _status_then(resource: dict) -> str | None:
    (then,), _, _ = as_of([resource], DAY)
    codings = then["clinicalStatus"].get("coding")
    return codings[0]["code"] if codings else None


@pytest.mark.parametrize(
    "abatement",
    [
        {"abatementDateTime": "2024"},
        {"abatementDateTime": "2024-03"},
        {"abatementDateTime": "2024-03-01"},  # the order's own day: before or after it?
        {"abatementAge": {"value": 55, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}},
        {"abatementString": "summer 2024"},
        {"abatementPeriod": {"end": "2024-06-01"}},
        {"abatementPeriod": {"start": "2024-02-01", "end": "2024-05-01"}},
        {},
    ],
)
def test_a_condition_whose_end_cannot_be_set_against_the_orders_day_has_an_unknown_status_then(abatement):
    resource = _resolved(**abatement)
    (then,), _, _ = as_of([resource], DAY)
    assert _status_then(resource) is None and "text" in then["clinicalStatus"]
    assert not any(key.startswith("abatement") for key in then)


@pytest.mark.parametrize(
    ("abatement", "status"),
    [
        ({"abatementDateTime": "2024-06-01"}, "active"),  # ended after the order: active then
        ({"abatementDateTime": "2024-04"}, "active"),
        ({"abatementPeriod": {"start": "2024-05-01"}}, "active"),
        ({"abatementDateTime": "2023-12-01"}, "resolved"),  # ended before it: as it is
        ({"abatementDateTime": "2023"}, "resolved"),
        ({"abatementDateTime": "2024-02"}, "resolved"),
        ({"abatementPeriod": {"end": "2024-02-15"}}, "resolved"),
        ({"meta": {"lastUpdated": "2024-01-10T08:00:00Z"}}, "resolved"),  # its resolved version existed by then
    ],
)
def test_control_a_condition_that_ended_on_a_side_of_the_orders_day_is_shown_so(abatement, status):
    assert _status_then(_resolved(**abatement)) == status


def test_a_red_flag_whose_end_is_unknown_stops_the_replays_warning(engine):
    from fhir.resources.R4B.servicerequest import ServiceRequest

    neck = condition("M54.2", onset="2024-02-20", recorded="2024-02-21")
    order = ServiceRequest.model_validate(order_json("72141", authored="2024-03-01"))
    for flag, outcome in ((_resolved(abatementDateTime="2024"), "no-criteria-apply"), (None, "not-appropriate")):
        visible, _, _ = as_of([patient(), neck, *([flag] if flag else [])], DAY)
        (decision,) = engine.evaluate([order], visible, today=DAY)
        assert decision.outcome.value == outcome


def _export(directory, resources_by_file: dict[str, list[dict]], gz: set[str] = frozenset()):
    directory.mkdir(parents=True, exist_ok=True)
    for name, resources in resources_by_file.items():
        data = b"".join(orjson.dumps(r) + b"\n" for r in resources)
        if name in gz:
            (directory / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (directory / name).write_bytes(data)
    return directory


def _of(pid: str, resource: dict) -> dict:
    return {**resource, "subject": {"reference": f"Patient/{pid}"}}


def _order(pid: str, oid: str, authored: str) -> dict:
    return {**_of(pid, order_json("72141", oid=oid, authored=authored)), "status": "completed"}


def test_two_patients_orders_of_the_same_id_are_two_orders_and_a_repeated_line_one(tmp_path):
    neck = condition("M54.2", onset="2024-02-20", recorded="2024-02-21")
    a, b = _order("a", "same", "2024-03-01"), _order("b", "same", "2024-03-05")
    export = _export(
        tmp_path / "export",
        {
            "Patient.ndjson": [patient(pid="a"), patient(pid="b")],
            "Condition.ndjson": [_of("a", neck | {"id": "na"}), _of("b", neck | {"id": "nb"})],
            "ServiceRequest.000.ndjson": [a, b],
            "ServiceRequest.001.ndjson": [a],
        },
    )
    _, summary = run_replay(tmp_path, export)
    rows = csv_rows(tmp_path / "replay.csv")
    assert sorted(r["patient_id"] for r in rows) == ["a", "b"]
    assert summary.counts["orders rated"] == len(rows) == 2
    assert summary.counts["skipped: the same order again"] == 1


def test_an_order_dated_only_to_its_month_is_skipped_and_counted(tmp_path):
    export = _export(
        tmp_path / "export",
        {
            "Patient.ndjson": [patient(pid="a")],
            "Condition.ndjson": [_of("a", condition("M54.2", onset="2024-02-25", recorded="2024-02-25"))],
            "ServiceRequest.ndjson": [_order("a", "month", "2024-03"), _order("a", "day", "2024-03-02")],
        },
    )
    _, summary = run_replay(tmp_path, export)
    assert [r["order_id"] for r in csv_rows(tmp_path / "replay.csv")] == ["day"]
    assert summary.counts["skipped: authoredOn not a full date"] == 1


def test_a_compressed_file_cut_short_is_a_clear_error_and_nothing_is_rated(tmp_path):
    conditions = [_of("a", condition("M54.2", cid=f"c{i}", onset="2024-02-25")) for i in range(300)]
    export = _export(
        tmp_path / "export",
        {
            "Patient.ndjson": [patient(pid="a")],
            "Condition.ndjson": conditions,
            "ServiceRequest.ndjson": [_order("a", "o1", "2024-03-02")],
        },
        gz={"Condition.ndjson"},
    )
    whole = (export / "Condition.ndjson.gz").read_bytes()
    (export / "Condition.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    done = cli(str(export), "--workers", "1", "--database", f"sqlite:///{tmp_path}/cut.sqlite3")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Condition.ndjson.gz: cannot be read past line" in done.stderr and "incomplete" in done.stderr
    assert not (tmp_path / "export.replay.csv").exists()
