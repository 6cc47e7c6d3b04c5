"""Record every decision (keyed by its consult id) and every feedback item, idempotently.

With a SQLite file (the embedded default) decisions go through a per-process journal (journal.py):
durable before the hook is answered, in the database a moment later. Feedback, JWT ids and every
write to a server database (PostgreSQL) are committed directly.

When a record cannot be made durable (disk full, database server down) the store raises
StoreUnavailable and the HTTP layer answers 503 without the rating. The store can be created while a
server database is down: its tables are created on the first use after it comes back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from cds_service.config import AUDIT_FLUSH_SECONDS
from cds_service.store.bulk_insert import BulkInsert
from cds_service.store.database import open_claims_engine, open_engine, sqlite_file
from cds_service.store.journal import Journal, JournalError
from cds_service.store.migrate import add_missing_columns
from cds_service.store.records import (
    DecisionRecord,
    FeedbackRecord,
    HookCallRecord,
    as_json,
    decision_rows,
    suggested_rows,
)
from cds_service.store.tables import (
    JOURNAL_TIMESTAMPS,
    JOURNALED_TABLES,
    cards,
    decisions,
    feedback,
    hook_calls,
    metadata,
    suggested_ratings,
    token_ids,
)
from cds_service.store.write_lock import holding, write_lock_for

log = logging.getLogger("cds_service.store")


class StoreUnavailable(Exception):
    """A record could not be made durable, or the database cannot be read, right now (HTTP 503)."""


class StoreRefused(Exception):
    """The database refuses a value of the record (too long for its column, a NUL character): trying again cannot
    help, so this is not StoreUnavailable. Validation should have refused the value first (HTTP 400)."""


@contextmanager
def _available() -> Iterator[None]:
    """Database and journal failures as StoreUnavailable; a value the database refuses as StoreRefused
    (constraint violations pass through)."""
    try:
        yield
    except IntegrityError:
        raise
    except DataError as exc:
        log.error("audit store refused a value", extra={"error": type(exc.orig).__name__})
        raise StoreRefused(type(exc).__name__) from None
    except (DBAPIError, JournalError) as exc:
        log.error("audit store unavailable", extra={"error": type(exc).__name__})
        raise StoreUnavailable(type(exc).__name__) from None


class AuditStore:
    """Decisions and feedback in one database; create_all on start-up."""

    def __init__(
        self, url: str, sqlite_synchronous: str = "FULL", journal_flush_seconds: float = AUDIT_FLUSH_SECONDS
    ) -> None:
        self.engine = open_engine(url, sqlite_synchronous)
        database = sqlite_file(url)
        self._claims_engine = open_claims_engine(url) or self.engine  # JWT ids: committed without waiting for the disk
        self._write_lock = write_lock_for(database)
        self._ready = False
        self._preparing = threading.Lock()
        try:
            self._prepare()
        except StoreUnavailable:
            log.warning("audit database unavailable at start-up; its tables are made when it answers")
        self._claims = 0
        self.journal: Journal | None = None
        self._journal_inserts: tuple[BulkInsert, ...] = ()
        if database is not None:
            dialect = self.engine.dialect
            self._journal_inserts = tuple(BulkInsert(t, dialect, JOURNAL_TIMESTAMPS) for t in JOURNALED_TABLES)
            self.journal = Journal(
                database.with_name(database.name + ".journal"),
                self.ingest,
                sync=sqlite_synchronous.upper() != "NORMAL",
                interval=journal_flush_seconds,
            )
            self.journal.recover()  # decisions journaled by a process that stopped before moving them

    def _prepare(self) -> None:
        """Create missing tables and columns (once per process, as soon as the database answers)."""
        if self._ready:
            return
        with self._preparing, _available():
            if self._ready:
                return
            with holding(self._write_lock), self.engine.begin() as connection:
                metadata.create_all(connection)
                added = add_missing_columns(connection)
            if added:
                log.info("audit database columns added", extra={"columns": added})
            self._ready = True

    @contextmanager
    def _writing(self, engine: Engine | None = None) -> Iterator[Connection]:
        """A write transaction, committed (and, with SQLite FULL, synced) before this returns."""
        self._prepare()
        with _available(), holding(self._write_lock), (engine or self.engine).begin() as connection:
            yield connection

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        self._prepare()
        with _available(), self.engine.connect() as connection:
            yield connection

    def record_decisions(self, records: list[DecisionRecord], call: HookCallRecord | None = None) -> None:
        """Store a hook call and its decisions and cards durably (journaled or in one transaction)."""
        now = datetime.now(UTC)
        decision_rows_, card_rows = decision_rows(records, now)
        rows = {
            "hook_calls": [call.row(now)] if call else [],
            "decisions": decision_rows_,
            "cards": card_rows,
            "suggested_ratings": suggested_rows(records, now),
        }
        if not any(rows.values()):
            return
        if self.journal is not None:
            with _available():
                self.journal.append(rows)
            return
        with self._writing() as connection:
            for table in JOURNALED_TABLES:
                if rows[table.name]:
                    connection.execute(insert(table), rows[table.name])

    def record_call(self, call: HookCallRecord) -> None:
        """Store a hook call that produced no decision (e.g. answered 412)."""
        self.record_decisions([], call)

    def ingest(self, entries: list[dict[str, Any]]) -> None:
        """Journal entries (the journal's callback) into SQLite in one transaction; entries already there are
        skipped."""
        card_ids = [row["card_id"] for entry in entries for row in entry.get(cards.name, ())]
        with self._writing() as connection:
            for insert_rows in self._journal_inserts:
                table = insert_rows.table.name
                insert_rows.execute(connection, (row for entry in entries for row in entry.get(table, ())))
            link_early_feedback(connection, card_ids)

    def record_feedback(self, item: FeedbackRecord) -> bool:
        """Store one feedback item; False if the same item was stored before (idempotent)."""
        self._catch_up()
        with self._reading() as connection:
            consult_id = connection.execute(
                select(cards.c.consult_id).where(cards.c.card_id == item.card_id)
            ).scalar_one_or_none()
        row = {
            "fingerprint": item.fingerprint(),
            "received_at": datetime.now(UTC),
            "service_id": item.service_id,
            "card_id": item.card_id,
            "consult_id": consult_id,
            "outcome": item.outcome,
            "outcome_timestamp": item.outcome_timestamp,
            "accepted_suggestions": as_json(item.accepted_suggestions),
            "override_system": item.override_system,
            "override_code": item.override_code,
            "override_comment_given": int(item.override_comment_given),
            "client": item.client,
        }
        try:
            with self._writing() as connection:
                connection.execute(insert(feedback), [row])
        except IntegrityError:
            return False
        return True

    def claim_token_id(self, issuer: str, jti: str, expires_at: float) -> bool:
        """Record a JWT id; False if this issuer used it before (a replay). Expired ids are pruned."""
        now = time.time()
        try:
            with self._writing(self._claims_engine) as connection:
                connection.execute(insert(token_ids), [{"issuer": issuer, "jti": jti, "expires_at": expires_at}])
                self._claims += 1
                if self._claims % 500 == 1:
                    connection.execute(delete(token_ids).where(token_ids.c.expires_at < now))
        except IntegrityError:
            return False
        return True

    def decision(self, consult_id: str) -> dict[str, Any] | None:
        return next(iter(self._rows(decisions, decisions.c.consult_id == consult_id)), None)

    def suggested_rating(self, consult_id: str) -> dict[str, Any] | None:
        """The rating a card's suggestion carried under this consult id (suggested_ratings), if any."""
        return next(iter(self._rows(suggested_ratings, suggested_ratings.c.consult_id == consult_id)), None)

    def card(self, card_id: str) -> dict[str, Any] | None:
        """The card on record, with the client its call came from (`client`: None with authentication off): in the
        database, else still in a process's journal (another worker's card reaches the database within the flush
        interval; feedback sent before then was stored unchecked: a forty-second review)."""
        found = self._card_in_database(card_id)
        if found is None and self.journal is not None:
            # (a segment ingested between the two reads is in the database by the time its file is gone)
            found = _card_in_journal(self.journal, card_id) or self._card_in_database(card_id)
        return found

    def _card_in_database(self, card_id: str) -> dict[str, Any] | None:
        calls = cards.join(decisions, decisions.c.consult_id == cards.c.consult_id).outerjoin(
            hook_calls, hook_calls.c.call_id == decisions.c.call_id
        )
        query = select(*cards.c, hook_calls.c.client).select_from(calls).where(cards.c.card_id == card_id)
        return next(iter(self._fetched(query)), None)

    def feedback_for(self, card_id: str) -> list[dict[str, Any]]:
        return self._rows(feedback, feedback.c.card_id == card_id)

    def _rows(self, table: Table, condition: ColumnElement[bool]) -> list[dict[str, Any]]:
        """The rows of `table` meeting `condition`, this process's journaled decisions included."""
        return self._fetched(select(table).where(condition))

    def _fetched(self, query: Select[Any]) -> list[dict[str, Any]]:
        """The rows a query selects, this process's journaled decisions included."""
        self._catch_up()
        with self._reading() as connection:
            return [dict(r) for r in connection.execute(query).mappings()]

    def ping(self) -> None:
        """StoreUnavailable unless the database answers (and has its tables)."""
        with self._reading() as connection:
            connection.execute(select(1))

    def after_fork(self) -> None:
        """In a forked worker: open new database connections (none may be shared across a fork)."""
        self.engine.dispose(close=False)
        self._claims_engine.dispose(close=False)

    def close(self) -> None:
        """Move journaled decisions into the database and release connections (graceful shutdown).

        Covers this process's journal and those of stopped processes (the server's workers, when the
        server process closes after them).
        """
        if self.journal is not None:
            self.journal.close()
            self.journal.recover(level=logging.INFO)
        self.engine.dispose()
        self._claims_engine.dispose()

    def _catch_up(self) -> None:
        """Reads see this process's journaled decisions (other processes' arrive within the flush interval)."""
        if self.journal is not None:
            self.journal.flush()


def _card_in_journal(journal: Journal, card_id: str) -> dict[str, Any] | None:
    """A card journaled by any process and not yet ingested, as `AuditStore.card` gives it."""
    for entry in journal.pending(card_id):
        for row in entry.get(cards.name, ()):
            if row.get("card_id") == card_id:
                call = next(iter(entry.get(hook_calls.name) or ()), {})
                return {**row, "client": call.get("client")}
    return None


def link_early_feedback(connection: Connection, card_ids: list[str]) -> None:
    """Feedback on these cards that arrived first (through another process) gets its decision now."""
    if not card_ids:
        return
    consult = select(cards.c.consult_id).where(cards.c.card_id == feedback.c.card_id).scalar_subquery()
    connection.execute(
        update(feedback)
        .where(feedback.c.consult_id.is_(None), feedback.c.card_id.in_(card_ids))
        .values(consult_id=consult)
    )
