"""The audit journal: durable before the answer, in the database soon after, recovered after a crash."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from cds_service.cdshooks.errors import HookError
from cds_service.cdshooks.feedback import check_against_card
from cds_service.store import AuditStore, DecisionRecord, FeedbackRecord, HookCallRecord, StoreUnavailable, journal


def record(card: bool = True) -> DecisionRecord:
    consult = f"urn:uuid:{uuid.uuid4()}"
    return DecisionRecord(
        consult_id=consult,
        service_id="cspine-auc-select",
        hook="order-select",
        hook_instance=str(uuid.uuid4()),
        patient_id="p1",
        order_id="o1",
        procedures=["ct-cspine-w"],
        variants=[2],
        outcome="not-appropriate",
        category="UNA",
        alternatives=["mri-cspine-wo"],
        evidence=["Condition/c1"],
        reasons=[],
        topic="acr-cervical-pain",
        card_ids=[str(uuid.uuid4())] if card else [],
        card_indicators=["warning"] if card else [],
        suggestion_ids=[str(uuid.uuid4())] if card else [],
    )


def feedback_on(card_id: str) -> FeedbackRecord:
    return FeedbackRecord("cspine-auc-select", card_id, "accepted", "2026-11-21T10:00:00Z", [], None, None, False)


def in_database(db: Path, table: str = "decisions", column: str = "consult_id") -> set[str]:
    """What another reader sees (not through the store, which would flush its own journal first)."""
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute(f"select {column} from {table}")}


def segments(db: Path) -> list[Path]:
    return sorted(db.with_name(db.name + ".journal").glob("*.jsonl"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "audit.sqlite3"


def store_at(db: Path, flush_seconds: float = 3600) -> AuditStore:
    return AuditStore(f"sqlite:///{db}", "FULL", flush_seconds)


def test_a_decision_is_in_the_journal_file_when_recording_returns_and_in_the_database_after_a_flush(db):
    store = store_at(db)
    r = record()
    store.record_decisions([r])
    (segment,) = segments(db)
    assert r.consult_id.encode() in segment.read_bytes()
    assert r.consult_id not in in_database(db)
    assert store.decision(r.consult_id)["outcome"] == "not-appropriate"  # reads flush this process's journal
    assert in_database(db) == {r.consult_id} and in_database(db, "cards", "card_id") == set(r.card_ids)
    assert segments(db) == []
    store.close()


def test_the_background_thread_moves_decisions_into_the_database(db):
    store = store_at(db, flush_seconds=0.05)
    records = [record() for _ in range(20)]
    for r in records:
        store.record_decisions([r])
    deadline = time.monotonic() + 5
    while in_database(db) != {r.consult_id for r in records} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_database(db) == {r.consult_id for r in records}
    store.close()
    assert segments(db) == []


def test_close_moves_everything_into_the_database(db):
    store = store_at(db)
    records = [record() for _ in range(5)]
    store.record_decisions(records)
    store.close()
    assert in_database(db) == {r.consult_id for r in records}


CRASHING_WRITER = """
import sys, time
from cds_service.store import AuditStore
from tests.store.test_journal import record
store = AuditStore(sys.argv[1], "FULL", 3600)
for _ in range(int(sys.argv[2])):
    r = record()
    store.record_decisions([r])
    print(r.consult_id, flush=True)
print("written", flush=True)
time.sleep(600)
"""


def start_writer(db: Path, count: int) -> tuple[subprocess.Popen, list[str]]:
    """A process that journals `count` decisions and then waits (holding its segment) to be killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, f"sqlite:///{db}", str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    consults = []
    for line in process.stdout:
        if line.strip() == "written":
            return process, consults
        consults.append(line.strip())
    raise AssertionError("the writer process stopped early")


def test_decisions_of_a_killed_process_are_recovered_by_the_next_start(db):
    process, consults = start_writer(db, 25)
    try:
        assert segments(db) and in_database(db) == set()
        assert store_at(db).journal.recover() == 0  # the live writer still owns its segment
        assert in_database(db) == set()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    store = store_at(db)  # start-up recovers what the dead process journaled
    assert in_database(db) == set(consults)
    assert segments(db) == []
    assert store.decision(consults[0])["service_id"] == "cspine-auc-select"


def test_a_torn_last_line_is_skipped_and_the_rest_recovered(db, caplog):
    process, consults = start_writer(db, 3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    (segment,) = segments(db)
    with segment.open("ab") as stream:
        stream.write(b'{"decisions": [{"consult_id": "urn:uuid:torn", "recor')  # a crash mid-write
    store_at(db)
    assert in_database(db) == set(consults)
    assert "torn" in caplog.text


def test_a_segment_ingested_twice_changes_nothing(db, tmp_path):
    process, _ = start_writer(db, 4)
    process.send_signal(signal.SIGKILL)
    process.wait()
    (segment,) = segments(db)
    copy = tmp_path / "copy.jsonl"
    shutil.copy(segment, copy)
    store = store_at(db)
    shutil.copy(copy, segment)  # as if the process died between the commit and deleting the segment
    assert store.journal.recover() == 1
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from decisions").fetchone()[0] == 4
        assert connection.execute("select count(*) from cards").fetchone()[0] == 4


def test_a_database_failure_keeps_the_journal_for_the_next_round(db, monkeypatch):
    store = store_at(db)
    r = record()
    store.record_decisions([r])
    ingest = store.journal.ingest

    def failing(_entries):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store.journal, "ingest", failing)
    with pytest.raises(sqlite3.OperationalError):
        store.journal.flush()
    assert len(segments(db)) == 1 and in_database(db) == set()
    monkeypatch.setattr(store.journal, "ingest", ingest)
    store.journal.flush()
    assert in_database(db) == {r.consult_id} and segments(db) == []


def test_feedback_that_arrives_before_its_decision_is_ingested_gets_linked(db):
    deciding, receiving = store_at(db), store_at(db)  # two server processes, in effect
    r = record()
    deciding.record_decisions([r])
    assert receiving.record_feedback(feedback_on(r.card_ids[0]))
    assert receiving.feedback_for(r.card_ids[0])[0]["consult_id"] is None  # not in the database yet
    deciding.journal.flush()
    assert receiving.feedback_for(r.card_ids[0])[0]["consult_id"] == r.consult_id


def test_a_card_still_in_another_process_s_journal_is_found_with_its_client(db):
    """A forty-second review: feedback sent before its card reached the database (another worker's journal) was
    stored unchecked: another client's card, another card's suggestion, all took 200."""
    deciding, receiving = store_at(db), store_at(db)  # two server processes, in effect
    r = record()
    call = HookCallRecord(
        call_id=str(uuid.uuid4()), service_id="cspine-auc-select", hook="order-select", hook_instance=r.hook_instance,
        user_id=None, status=200, result="answered", orders=1, latency_ms=3.0, delivery="active", options={},
        client="https://ehr-one.example.org",
    )  # fmt: skip
    deciding.record_decisions([r], call)
    assert r.card_ids[0] not in in_database(db, "cards", "card_id")
    card = receiving.card(r.card_ids[0])
    assert card is not None and card["client"] == "https://ehr-one.example.org"
    assert card["service_id"] == "cspine-auc-select" and r.suggestion_ids[0] in card["suggestion_ids"]
    assert receiving.card(str(uuid.uuid4())) is None
    with pytest.raises(HookError) as refused:
        check_against_card(replace(feedback_on(r.card_ids[0]), client="https://ehr-two.example.org"), card, ())
    assert refused.value.status == 400


def test_a_card_ingested_while_it_is_looked_up_is_found_in_the_database(db, monkeypatch):
    deciding, receiving = store_at(db), store_at(db)
    r = record()
    deciding.record_decisions([r])
    monkeypatch.setattr(receiving.journal, "pending", lambda needle: (deciding.journal.flush(), iter(()))[1])
    assert receiving.card(r.card_ids[0])["consult_id"] == r.consult_id


def test_decisions_without_cards_are_journaled_too(db):
    store = store_at(db)
    r = record(card=False)
    store.record_decisions([r])
    assert store.decision(r.consult_id)["outcome"] == "not-appropriate"


class FaultyOs:
    """The `os` module as the journal sees it, with faults injected into write / fdatasync / fsync."""

    def __init__(self, write=None, fdatasync=None) -> None:
        self._write, self._fdatasync = write, fdatasync
        self.synced_paths: list[str] = []

    def __getattr__(self, name):
        return getattr(os, name)

    def write(self, fd, data):
        return (self._write or os.write)(fd, data)

    def fdatasync(self, fd):
        return (self._fdatasync or os.fdatasync)(fd)

    def fsync(self, fd):
        self.synced_paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        return os.fsync(fd)


def half_writes(fd, data):
    """A short write: at most half of what was asked (what a full disk or a file size limit does)."""
    return os.write(fd, bytes(data[: max(1, len(data) // 2)]))


def test_short_writes_are_completed_so_no_answered_decision_is_lost(db, monkeypatch):
    store = store_at(db)
    monkeypatch.setattr(journal, "os", FaultyOs(write=half_writes))
    records = [record() for _ in range(5)]
    for r in records:
        store.record_decisions([r])  # answered: each one must reach the database
    monkeypatch.undo()
    store.journal.flush()
    assert in_database(db) == {r.consult_id for r in records}


def failing_once(when: int, fault):
    """A write function that behaves normally except on call number `when` (1-based), which does `fault`."""
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        return fault(fd, data) if calls["n"] == when else os.write(fd, data)

    return write


def no_space(*_args):
    raise OSError(errno.ENOSPC, "No space left on device")


def half_then_no_space(fd, data):
    half_writes(fd, data)
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("fault", ["write", "short write then ENOSPC", "fdatasync"])
def test_a_record_that_cannot_be_made_durable_is_refused_and_the_journal_stays_whole(db, monkeypatch, caplog, fault):
    store = store_at(db)
    before = record()
    store.record_decisions([before])
    faulty = {
        "write": FaultyOs(write=failing_once(1, no_space)),
        "short write then ENOSPC": FaultyOs(write=failing_once(1, half_then_no_space)),
        "fdatasync": FaultyOs(fdatasync=no_space),
    }[fault]
    monkeypatch.setattr(journal, "os", faulty)
    refused = record()
    with pytest.raises(StoreUnavailable):
        store.record_decisions([refused])
    monkeypatch.undo()  # the disk has room again
    after = record()
    store.record_decisions([after])
    store.journal.flush()
    assert in_database(db) == {before.consult_id, after.consult_id}  # the refused one was never answered
    assert "torn" not in caplog.text  # no line was left half-written (it would take the next one with it)


def test_a_new_segment_s_directory_entry_is_synced(db, monkeypatch):
    store = store_at(db)
    faulty = FaultyOs()
    monkeypatch.setattr(journal, "os", faulty)
    store.record_decisions([record()])
    assert str(db.with_name(db.name + ".journal")) in faulty.synced_paths


FILE_SIZE_LIMITED_WRITER = """
import resource, signal, sys
from cds_service.store import AuditStore, StoreUnavailable
from tests.store.test_journal import record
store = AuditStore(sys.argv[1], "FULL", 3600)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write is short or fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
for _ in range(int(sys.argv[3])):
    r = record()
    try:
        store.record_decisions([r])
    except StoreUnavailable:
        print("refused", r.consult_id, flush=True)
    else:
        print("answered", r.consult_id, flush=True)
"""


def test_a_file_size_limit_loses_no_answered_decision(db):
    """A real short write and EFBIG: RLIMIT_FSIZE stops each journal segment near 3000 bytes."""
    store_at(db).close()  # the database exists before the limit applies
    result = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_LIMITED_WRITER, f"sqlite:///{db}", "3000", "40"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=True,
    )
    outcome = [line.split() for line in result.stdout.splitlines()]
    answered = {consult for kind, consult in outcome if kind == "answered"}
    refused = {consult for kind, consult in outcome if kind == "refused"}
    assert len(answered) + len(refused) == 40 and answered and refused  # the limit was hit, more than once
    store_at(db)  # the next start recovers the dead writer's segments
    assert in_database(db) == answered


@pytest.fixture
def tiny_journal_disk(db: Path):
    """A 64 KiB tmpfs mounted where the journal goes (root only): a disk that really fills up."""
    directory = db.with_name(db.name + ".journal")
    directory.mkdir()
    mounted = (
        os.geteuid() == 0
        and (
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(directory)], capture_output=True)
        ).returncode
        == 0
    )
    if not mounted:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def test_a_full_disk_loses_no_answered_decision(db, tiny_journal_disk):
    store = store_at(db)
    answered, refused = set(), set()
    for _ in range(200):  # ~1 KB a line: the disk is full after about 60
        r = record()
        try:
            store.record_decisions([r])
        except StoreUnavailable:
            refused.add(r.consult_id)
        else:
            answered.add(r.consult_id)
    assert answered and refused
    store.journal.flush()  # the database is elsewhere; the journal empties (and frees the disk)
    assert in_database(db) == answered
    after = record()
    store.record_decisions([after])  # room again: recording works again
    store.close()
    assert in_database(db) == answered | {after.consult_id}
