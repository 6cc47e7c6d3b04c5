"""`cds-service replay` on a hand-checked export: no look-ahead, CSV, bad input, progress, its store on the page."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import orjson
import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.analytics.queries import Filters
from cds_service.analytics.summary import build_report
from cds_service.replay.runner import ReplayConfig, replay
from cds_service.replay.store import CSV_COLUMNS, ReplayStore
from tests.builders import condition, patient
from tests.replay import hand_checked


def run_replay(tmp_path: Path, export: Path, name: str = "replay", **options):
    config = ReplayConfig.defaults_for(
        export, database=f"sqlite:///{tmp_path}/{name}.sqlite3", csv=tmp_path / f"{name}.csv", workers=1, **options
    )
    return config, replay(config)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def export(tmp_path):
    return hand_checked.write(tmp_path / "export")


def test_every_order_is_rated_as_of_its_own_date(tmp_path, export):
    _, summary = run_replay(tmp_path, export)
    rows = {r["order_id"]: r for r in csv_rows(tmp_path / "replay.csv")}
    found = {
        oid: (r["outcome"], [int(v) for v in r["variants"].split(";") if v], r["category"]) for oid, r in rows.items()
    }
    assert found == hand_checked.EXPECTED
    assert summary.counts["orders rated"] == len(hand_checked.EXPECTED)


def test_look_ahead_would_have_changed_these_answers(engine):
    """The control: the same orders rated against the whole export give the wrong answers the replay avoids."""
    resources = hand_checked.resources()
    for order_id, (outcome, variants) in hand_checked.WITH_LOOKAHEAD.items():
        raw = next(r for r in resources if r.get("id") == order_id)
        pid = raw["subject"]["reference"].split("/")[1]
        chart = [r for r in resources if r["resourceType"] != "ServiceRequest" and pid in (r.get("id"), _subject(r))]
        (decision,) = engine.evaluate([ServiceRequest.model_validate(raw)], chart, today=date(2024, 3, 1))
        assert (decision.outcome.value, [v.number for v in decision.variants]) == (outcome, variants), order_id
        assert (outcome, variants) != hand_checked.EXPECTED[order_id][:2]


def _subject(resource):
    return (resource.get("subject") or resource.get("patient") or {}).get("reference", "").removeprefix("Patient/")


def test_undated_resources_are_left_out_unless_asked_for(tmp_path, export):
    _, excluded = run_replay(tmp_path, export, "excluded")
    _, included = run_replay(tmp_path, export, "included", undated="include")
    assert excluded.counts["undated Condition"] == 1 and included.counts["undated Condition"] == 1
    by_order = {r["order_id"]: r for r in csv_rows(tmp_path / "included.csv")}
    assert (by_order["un-xr"]["outcome"], by_order["un-xr"]["variants"]) == ("not-appropriate", "5")


def test_the_csv_has_one_row_per_rated_order_with_its_details(tmp_path, export):
    run_replay(tmp_path, export)
    rows = csv_rows(tmp_path / "replay.csv")
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == len({r["order_id"] for r in rows}) == 7
    assert [r["authored_on"][:10] for r in rows] == sorted(r["authored_on"][:10] for r in rows)
    row = next(r for r in rows if r["order_id"] == "to-xr-2")
    assert row["patient_id"] == "two-orders" and row["authored_on"] == "2024-03-01T12:00:00+00:00"
    assert row["procedures"] == "xr-cspine" and row["procedure_names"] == "C-spine radiographs"
    assert row["alternatives"] and "Condition/to-cancer" in row["evidence"]
    assert row["consult_id"].startswith("urn:uuid:")
    assert next(r for r in rows if r["order_id"] == "ta-mri")["authored_on"] == "2024-03-01T10:00:00+00:00"


def test_skipped_orders_and_broken_lines_are_counted_never_a_crash(tmp_path, export):
    _, summary = run_replay(tmp_path, export)
    c = summary.counts
    assert c["skipped: not a topic procedure"] == 1
    assert c["skipped: entered in error"] == 1
    assert c["skipped: no authoredOn date or id"] == 1
    assert summary.staged.bad_lines == 3
    assert summary.staged.bad_examples == [
        "Condition.001.ndjson:2: not valid JSON",
        "Condition.001.ndjson:3: not a JSON object",
        "Condition.001.ndjson:4: resourceType is not Condition",
    ]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cds_service", "replay", *args], capture_output=True, text=True, timeout=120
    )


def test_the_command_reports_bad_lines_by_place_not_content_and_no_progress_when_not_a_terminal(tmp_path, export):
    done = cli(str(export), "--workers", "1", "--database", f"sqlite:///{tmp_path}/cli.sqlite3")
    assert done.returncode == 0, done.stderr
    assert "Condition.001.ndjson:2: not valid JSON" in done.stderr
    assert "broken" not in done.stderr  # the broken line's content is never printed
    assert "rating orders" not in done.stderr and "━" not in done.stderr  # stderr is a pipe: no progress bar
    assert "orders rated: 7" in done.stderr
    assert (tmp_path / "export.replay.csv").exists()  # default: next to the export
    assert not (tmp_path / "export.replay-work").exists()  # staging removed after success


def test_progress_can_be_forced(tmp_path, export):
    done = cli(str(export), "--workers", "1", "--progress", "--database", f"sqlite:///{tmp_path}/p.sqlite3")
    assert done.returncode == 0 and "rating orders" in done.stderr


@pytest.mark.parametrize("target", ["missing", "empty"])
def test_a_missing_or_empty_export_is_a_usage_error(tmp_path, target):
    directory = tmp_path / target
    if target == "empty":
        directory.mkdir()
    done = cli(str(directory))
    assert done.returncode == 2 and "cds-service replay:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("database", ["{tmp}/plain-path.sqlite3", "nosuchdialect://x/y", "not a url"])
def test_a_database_that_is_not_a_url_is_a_usage_error(tmp_path, export, database):
    # (a forty-second review: a plain path ended in SQLAlchemy's traceback, exit 1)
    done = cli(str(export), "--workers", "1", "--database", database.format(tmp=tmp_path))
    assert done.returncode == 2 and "--database must be a database URL" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "plain-path.sqlite3").exists()


def test_a_store_holding_another_replay_is_refused(tmp_path, export):
    run_replay(tmp_path, export, "shared")
    other = hand_checked.write(tmp_path / "other", broken=False)
    done = cli(str(other), "--workers", "1", "--database", f"sqlite:///{tmp_path}/shared.sqlite3")
    assert done.returncode == 2 and "another export" in done.stderr


def test_the_replay_store_is_what_the_analytics_page_reads(tmp_path, export, knowledge):
    config, _ = run_replay(tmp_path, export)
    store = ReplayStore(config.database)
    report = build_report(store.engine, Filters(date(2024, 1, 1), date(2024, 3, 31)), knowledge)
    store.close()
    summary = {row[0]: row[1] for row in report.tables["summary"].rows}
    assert summary["orders of topic procedures"] == 7 and summary["hook calls"] == 0
    assert summary["not appropriate (UNA in every scenario)"] == 2
    assert [row[0] for row in report.tables["delivery"].rows] == ["replay"]
    by_day = {row[0]: row[6] for row in report.tables["orders-over-time"].rows}  # the day each order was authored
    assert by_day["2024-01-12"] == 1 and by_day["2024-03-01"] == 6


def test_an_engine_failure_on_one_patient_skips_its_orders_not_the_replay(tmp_path, export, monkeypatch):
    from cds_service.engine import Engine

    evaluate = Engine.evaluate

    def failing(self, orders, resources, today=None, **options):
        if any(o.id == "ta-mri" for o in orders):
            raise RuntimeError("boom")
        return evaluate(self, orders, resources, today=today, **options)

    monkeypatch.setattr(Engine, "evaluate", failing)
    _, summary = run_replay(tmp_path, export)
    assert summary.counts["skipped: engine error (RuntimeError)"] == 1
    assert summary.counts["orders rated"] == len(hand_checked.EXPECTED) - 1
    assert "boom" not in str(dict(summary.counts))


def test_gzipped_ndjson_files_are_read_too(tmp_path, export):
    import gzip

    for name in ("Condition.000.ndjson", "ServiceRequest.ndjson"):
        path = export / name
        (export / f"{name}.gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    run_replay(tmp_path, export)
    rows = {r["order_id"]: r for r in csv_rows(tmp_path / "replay.csv")}
    assert {
        oid: (r["outcome"], [int(v) for v in r["variants"].split(";") if v], r["category"]) for oid, r in rows.items()
    } == (hand_checked.EXPECTED)


def test_resuming_with_another_worker_count_keeps_the_first_runs_partitions(tmp_path, export):
    config = ReplayConfig.defaults_for(export, database=f"sqlite:///{tmp_path}/w.sqlite3", csv=tmp_path / "w.csv")
    first = replay(replace(config, workers=1))  # 4 partitions (4 per worker, a tiny export)
    again = replay(replace(config, workers=3))  # would be 12 for a new run
    assert again.run_id == first.run_id and again.partitions == first.partitions == 4
    assert again.resumed_partitions == 4 and again.counts["orders rated"] == 0
    assert again.csv_rows == len(hand_checked.EXPECTED)


def test_a_work_dir_holding_other_files_is_never_deleted(tmp_path, export):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    done = cli(
        str(export), "--workers", "1", "--work-dir", str(precious), "--database", f"sqlite:///{tmp_path}/x.sqlite3"
    )
    assert done.returncode == 2 and "not a replay staging directory" in done.stderr
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_an_order_rated_with_another_of_its_day_is_rated_as_a_hook_call_rates_it(tmp_path, engine):
    # a PET beside an MRI is PET/MRI (R7) only with the MRI: the replay rates the PET with the day's orders
    reason = {"reasonCode": [{"text": "neck pain radiating to L arm x3 wks, no trauma"}]}
    chart = [
        patient(pid="pet-mri"),
        hand_checked._for("pet-mri", condition("M54.12", cid="pm-radic", onset="2024-02-01")),
    ]
    pet = hand_checked._order("pet-mri", "pm-pet", "78813", "2024-03-01", **reason)
    mri = hand_checked._order("pet-mri", "pm-mri", "70551", "2024-03-01")
    directory = tmp_path / "export"
    directory.mkdir()
    for kind, resources in (("Patient", chart[:1]), ("Condition", chart[1:]), ("ServiceRequest", [pet, mri])):
        (directory / f"{kind}.ndjson").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in resources))
    run_replay(tmp_path, directory)
    (row,) = csv_rows(tmp_path / "replay.csv")
    orders = [ServiceRequest.model_validate(pet), ServiceRequest.model_validate(mri)]
    expected = engine.evaluate(orders, chart, today=date(2024, 3, 1))[0]  # as a hook call with both orders
    assert {p.id for p in expected.match.procedures} == {"pet-fdg-mr-wb"}
    assert (row["order_id"], row["outcome"]) == ("pm-pet", expected.outcome.value)
    assert row["outcome"] != "not-applicable"
