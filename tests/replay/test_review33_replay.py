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

from cds_service.replay import runner
from cds_service.replay.lookahead import as_of, dated, ends_unknown
from cds_service.replay.store import ConflictingRun
from tests.builders import condition, order_json, patient
from tests.replay.test_replay import cli, csv_rows, run_replay

DAY = date(2024, 3, 1)


def _resolved(**abatement) -> dict:
    return condition("D68.9", recorded="2023-06-02", clinical="resolved", **abatement)


def _status_then(resource: dict, unknown_end: str = "active") -> str:
    (then,), _, _ = as_of([resource], DAY, unknown_end=unknown_end)
    return then["clinicalStatus"]["coding"][0]["code"]


UNKNOWN_ENDS = [
    {"abatementDateTime": "2024"},
    {"abatementDateTime": "2024-03"},
    {"abatementDateTime": "2024-03-01"},  # the order's own day: before or after it?
    {"abatementAge": {"value": 55, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}},
    {"abatementString": "summer 2024"},
    {"abatementPeriod": {"end": "2024-06-01"}},
    {"abatementPeriod": {"start": "2024-02-01", "end": "2024-05-01"}},
    {},
]


@pytest.mark.parametrize("abatement", UNKNOWN_ENDS)
def test_a_condition_whose_end_cannot_be_set_against_the_orders_day_is_shown_both_ways(abatement):
    resource = _resolved(**abatement)
    assert ends_unknown(dated([resource]), DAY)
    assert _status_then(resource, "active") == "active" and _status_then(resource, "now") == "resolved"


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
def test_control_a_condition_that_ended_on_a_side_of_the_orders_day_is_shown_so_either_way(abatement, status):
    resource = _resolved(**abatement)
    assert not ends_unknown(dated([resource]), DAY)
    assert _status_then(resource, "active") == _status_then(resource, "now") == status


NECK = condition("M54.2", cid="neck", onset="2024-02-20", recorded="2024-02-21")


@pytest.mark.parametrize(
    ("extra", "order", "outcome"),
    [
        ([_resolved(abatementDateTime="2024")], "72141", "no-criteria-apply"),  # a red flag maybe then: no warning
        ([], "72141", "not-appropriate"),  # (control: the neck pain alone warns)
        # a malignancy in remission, its end unknown, is variant 5 either way: the radiographs warn as before
        ([condition("C50.911", recorded="2020-01-02", clinical="remission")], "72040", "not-appropriate"),
        # an old radiculopathy resolved at an unknown time cannot make a warning on its own
        ([condition("M54.12", cid="old", onset="2021-01-01", clinical="resolved")], "72156", None),
    ],
)
def test_the_replay_keeps_the_reading_that_warns_less(tmp_path, extra, order, outcome):
    chart = [NECK, *extra] if order != "72156" else extra
    export = _export(
        tmp_path / "export",
        {
            "Patient.ndjson": [patient(pid="a")],
            "Condition.ndjson": [_of("a", c) for c in chart],
            "ServiceRequest.ndjson": [{**_order("a", "o1", "2024-03-01"), "code": order_json(order)["code"]}],
        },
    )
    run_replay(tmp_path, export)
    (row,) = csv_rows(tmp_path / "replay.csv")
    assert row["outcome"] == outcome if outcome else row["outcome"] != "not-appropriate"


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


def test_two_versions_of_one_order_are_not_rated_and_are_counted(tmp_path):
    first = _order("a", "o1", "2024-03-01")
    corrected = {**first, "status": "entered-in-error"}
    export = _export(
        tmp_path / "export",
        {
            "Patient.ndjson": [patient(pid="a")],
            "Condition.ndjson": [_of("a", NECK)],
            "ServiceRequest.000.ndjson": [first],
            "ServiceRequest.001.ndjson": [corrected],
        },
    )
    _, summary = run_replay(tmp_path, export)
    assert csv_rows(tmp_path / "replay.csv") == []
    assert summary.counts["skipped: versions of the same order differ"] == 2


def test_a_store_holding_a_run_of_other_rules_is_refused(tmp_path, monkeypatch):
    export = _export(
        tmp_path / "export",
        {
            "Patient.ndjson": [patient(pid="a")],
            "Condition.ndjson": [_of("a", NECK)],
            "ServiceRequest.ndjson": [_order("a", "o1", "2024-03-01")],
        },
    )
    run_replay(tmp_path, export, "shared")
    run_replay(tmp_path, export, "shared")  # (control: the same rules resume the same run)
    monkeypatch.setattr(runner, "rules_of", lambda mappings: "other rules")
    with pytest.raises(ConflictingRun, match="other rules"):
        run_replay(tmp_path, export, "shared")


@pytest.mark.parametrize("shape", ["an empty compressed file", "a directory"])
def test_an_export_file_that_is_no_file_or_empty_compressed_is_a_clear_error(tmp_path, shape):
    export = _export(tmp_path / "export", {"Patient.ndjson": [patient(pid="a")]})
    if shape == "a directory":
        (export / "Condition.ndjson").mkdir()
    else:
        (export / "Condition.ndjson.gz").write_bytes(b"")
    done = cli(str(export), "--workers", "1", "--database", f"sqlite:///{tmp_path}/x.sqlite3")
    assert done.returncode == 2 and "Condition.ndjson" in done.stderr and "Traceback" not in done.stderr
