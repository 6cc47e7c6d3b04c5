"""A replay killed with SIGKILL (a real process group: runner and pool workers) resumes: none rated twice, none lost."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.synthetic_export import generate

PARTITIONS = 40


def start(export: Path, database: Path, csv_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cds_service",
            "replay",
            str(export),
            "--workers",
            "2",
            "--partitions",
            str(PARTITIONS),
            "--database",
            f"sqlite:///{database}",
            "--csv",
            str(csv_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill reaches the pool workers too
    )


def committed(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            return connection.execute("select count(*) from replay_partitions").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not created yet


def decisions(database: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("select consult_id, order_id, outcome, variants from decisions").fetchall()
    assert len(rows) == len({r[0] for r in rows})
    return {order_id: (outcome, variants) for _, order_id, outcome, variants in rows}


def test_a_killed_replay_resumes_without_rating_an_order_twice_or_losing_one(tmp_path):
    export = tmp_path / "export"
    generate(export, patients=1500, seed=3)
    reference_db, reference_csv = tmp_path / "reference.sqlite3", tmp_path / "reference.csv"
    assert start(export, reference_db, reference_csv).wait(timeout=300) == 0
    expected = decisions(reference_db)

    database, csv_path = tmp_path / "killed.sqlite3", tmp_path / "killed.csv"
    process = start(export, database, csv_path)
    deadline = time.monotonic() + 120
    while committed(database) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    done_before = committed(database)
    assert 3 <= done_before < PARTITIONS, "the kill must land mid-run"
    assert not csv_path.exists()
    partial = decisions(database)
    assert 0 < len(partial) < len(expected)

    resumed = start(export, database, csv_path)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr.decode()
    assert f"({done_before} already done by an earlier run)" in stderr.decode()
    assert committed(database) == PARTITIONS
    assert decisions(database) == expected  # every order once, with the same answer
    with csv_path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["order_id"] for r in rows) == sorted(expected)


def test_ctrl_c_stops_cleanly_and_the_next_run_finishes(tmp_path):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it: exit 130, a hint, no traceback."""
    export = tmp_path / "export"
    generate(export, patients=1500, seed=4)
    database, csv_path = tmp_path / "interrupted.sqlite3", tmp_path / "interrupted.csv"
    process = start(export, database, csv_path)
    deadline = time.monotonic() + 120
    while committed(database) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr.decode()
    assert "run the same command again" in stderr.decode() and "Traceback" not in stderr.decode()
    assert committed(database) < PARTITIONS
    resumed = start(export, database, csv_path)
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr.decode()
    assert committed(database) == PARTITIONS
    with csv_path.open(newline="") as f:
        assert len(list(csv.DictReader(f))) == len(decisions(database))
