"""The audit trail of a real multi-process server: nothing lost on a clean stop or when killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
import requests

from cds_service.store import AuditStore
from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for
from tests.servers import process_stats, service_process
from tests.store.test_journal import in_database, segments

pytestmark = pytest.mark.integration

BODY = hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))


def consult_ids(base: str, count: int) -> set[str]:
    """Send `count` hook calls (a warning each); the consult ids the service reported."""
    found = set()
    with requests.Session() as session:
        for _ in range(count):
            response = session.post(f"{base}/cds-services/cspine-auc-select", json=BODY, timeout=5)
            assert response.status_code == 200
            (action,) = response.json()["systemActions"]
            found |= {e["valueUri"] for e in action["resource"]["extension"] if e["url"].endswith("consult-id")}
    assert len(found) == count
    return found


def wait_until_gone(group: int) -> None:
    """Until every process of the group has exited (a dying worker still holds its journal lock)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("the killed service's workers did not exit")


def test_decisions_reach_the_database_while_the_service_runs(tmp_path):
    db = tmp_path / "audit.sqlite3"
    with service_process(tmp_path, CDS_WORKERS="3", CDS_AUDIT_FLUSH_SECONDS="0.1") as (base, _process):
        sent = consult_ids(base, 30)
        deadline = time.monotonic() + 5
        while not sent <= in_database(db) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sent <= in_database(db)


def test_a_clean_stop_moves_every_journaled_decision_into_the_database(tmp_path):
    db = tmp_path / "audit.sqlite3"
    with service_process(tmp_path, CDS_WORKERS="3", CDS_AUDIT_FLUSH_SECONDS="3600") as (base, process):
        sent = consult_ids(base, 30)
        assert not sent & in_database(db)  # still journaled: the flush interval is an hour
        process.terminate()
        process.wait(timeout=20)
    assert sent <= in_database(db)
    assert segments(db) == []


def test_decisions_of_a_killed_service_are_recovered_when_it_starts_again(tmp_path):
    db = tmp_path / "audit.sqlite3"
    with service_process(tmp_path, CDS_WORKERS="3", CDS_AUDIT_FLUSH_SECONDS="3600") as (base, process):
        sent = consult_ids(base, 30)
        os.killpg(process.pid, signal.SIGKILL)  # master and workers, no chance to flush
        process.wait(timeout=10)
        wait_until_gone(process.pid)
    assert segments(db) and not sent & in_database(db)
    store = AuditStore(f"sqlite:///{db}")  # what the next start-up does
    assert sent <= in_database(db)
    assert all(store.decision(c) for c in sent)
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from cards").fetchone()[0] == len(sent)
    assert segments(Path(db)) == []


def workers_of(master: int) -> set[int]:
    """The live child processes of the server's master."""
    return {pid for pid, fields in process_stats() if int(fields[1]) == master and fields[0] != "Z"}


def test_a_killed_worker_is_replaced_and_its_decisions_are_kept(tmp_path):
    db = tmp_path / "audit.sqlite3"
    with service_process(tmp_path, CDS_WORKERS="2", CDS_AUDIT_FLUSH_SECONDS="3600") as (base, process):
        sent = consult_ids(base, 20)
        before = workers_of(process.pid)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while len(workers_of(process.pid) - {victim}) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers_of(process.pid) - before) == 1  # a new worker took the killed one's place
        sent |= consult_ids(base, 20)
        assert process.poll() is None
        process.terminate()
        process.wait(timeout=20)
    assert sent <= in_database(db)
    assert segments(db) == []
