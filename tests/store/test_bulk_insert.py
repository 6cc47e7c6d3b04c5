"""BulkInsert: journal rows stored exactly as SQLAlchemy's own insert stores them, rows already there skipped."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Table, create_engine, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from cds_service.store.bulk_insert import BulkInsert
from cds_service.store.records import HookCallRecord, decision_rows
from cds_service.store.tables import JOURNAL_TIMESTAMPS, cards, decisions, hook_calls, metadata
from tests.store.test_journal import record

WHEN = datetime(2026, 11, 21, 10, 30, 5, 123456, tzinfo=UTC)


def journal_rows() -> dict[str, list[dict[str, Any]]]:
    """Rows of each journaled table: cards and none, empty and NULL columns, times in two zones."""
    with_card, without = record(), record(card=False)
    without_user = HookCallRecord("c2", "s", "order-sign", "h2", None, 412, "data-unavailable", 0, 0.25, "shadow")
    calls = [
        HookCallRecord(
            "c1", "s", "order-select", "h1", "Practitioner/1", 200, "answered", 2, 3.14159, "active", {"a": 1}
        ).row(WHEN),
        without_user.row(WHEN.astimezone(timezone(timedelta(hours=-5)))),
    ]
    decided, carded = decision_rows([with_card, without], WHEN)
    decided[1]["order_id"] = None
    del decided[1]["mentions"]  # a journal written before the column existed
    return {hook_calls.name: calls, decisions.name: decided, cards.name: carded}


def as_journaled(row: dict[str, Any]) -> dict[str, Any]:
    """The row as it comes back from the JSON journal (timestamps as ISO text)."""
    return orjson.loads(orjson.dumps(row))


def stored(db: Path, table: Table) -> list[tuple]:
    """Every row as SQLite holds it: each value with its storage class (typeof), so "1" and 1 differ."""
    columns = ", ".join(f"{c.name}, typeof({c.name})" for c in table.columns)
    with sqlite3.connect(db) as connection:
        return connection.execute(f"select {columns} from {table.name} order by 1").fetchall()


def column(db: Path, table: Table, name: str) -> dict[Any, Any]:
    """One column's values by the first column (the key)."""
    key = next(iter(table.columns)).name
    with sqlite3.connect(db) as connection:
        return dict(connection.execute(f"select {key}, {name} from {table.name}").fetchall())


@pytest.fixture
def two_databases(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    engines = tuple(create_engine(f"sqlite:///{tmp_path / name}") for name in ("sqlalchemy.db", "bulk.db"))
    for engine in engines:
        metadata.create_all(engine)
    yield engines
    for engine in engines:
        engine.dispose()


@pytest.mark.parametrize("table", [hook_calls, decisions, cards], ids=lambda t: t.name)
@pytest.mark.parametrize("journaled", [False, True], ids=["datetimes", "iso-text"])
def test_rows_are_stored_as_sqlalchemy_stores_them(two_databases, table, journaled):
    reference, bulk = two_databases
    rows = journal_rows()[table.name]
    assert rows
    with reference.begin() as connection:
        for row in rows:  # one by one: a missing column is then left out, as an old journal's row leaves it
            connection.execute(insert(table), [row])
    with bulk.begin() as connection:
        BulkInsert(table, bulk.dialect, JOURNAL_TIMESTAMPS).execute(
            connection, [as_journaled(r) for r in rows] if journaled else rows
        )
    expected = stored(Path(reference.url.database), table)
    assert stored(Path(bulk.url.database), table) == expected
    assert len(expected) == len(rows)


def test_rows_already_there_are_skipped_and_the_rest_inserted(two_databases):
    _, engine = two_databases
    first, second = journal_rows()[decisions.name]
    changed = {**first, "outcome": "appropriate"}
    insert_rows = BulkInsert(decisions, engine.dialect, JOURNAL_TIMESTAMPS)
    with engine.begin() as connection:
        insert_rows.execute(connection, [first])
    with engine.begin() as connection:
        insert_rows.execute(connection, [changed, second])  # no error for the row that is there
    outcomes = column(Path(engine.url.database), decisions, "outcome")
    assert outcomes == {first["consult_id"]: first["outcome"], second["consult_id"]: second["outcome"]}


def test_a_row_without_a_required_value_is_refused_not_skipped(two_databases):
    _, engine = two_databases
    row = {**journal_rows()[decisions.name][0], "recorded_at": None}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        BulkInsert(decisions, engine.dialect, JOURNAL_TIMESTAMPS).execute(connection, [row])


def test_each_row_keeps_its_own_columns_whatever_the_first_row_lacks(two_databases):
    _, engine = two_databases
    older, newer = (as_journaled(r) for r in journal_rows()[decisions.name][::-1])  # the first has no mentions
    assert "mentions" not in older and newer["mentions"]
    with engine.begin() as connection:
        BulkInsert(decisions, engine.dialect, JOURNAL_TIMESTAMPS).execute(connection, [older, newer])
    mentions = column(Path(engine.url.database), decisions, "mentions")
    assert mentions == {older["consult_id"]: None, newer["consult_id"]: newer["mentions"]}


def test_a_timestamp_is_stored_as_the_dialect_binds_it(two_databases):
    _, engine = two_databases
    row = journal_rows()[hook_calls.name][1]  # received at 05:30:05 in UTC-5
    position = [c.name for c in hook_calls.columns].index("received_at")
    from_text = BulkInsert(hook_calls, engine.dialect, JOURNAL_TIMESTAMPS).bound(as_journaled(row))
    assert from_text[position] == "2026-11-21 05:30:05.123456"  # SQLAlchemy's SQLite DATETIME: local, no offset
    assert BulkInsert(hook_calls, engine.dialect).bound(row)[position] == "2026-11-21 05:30:05.123456"


def test_a_dialect_with_named_parameters_is_refused():
    named = create_engine("sqlite://", paramstyle="named").dialect
    with pytest.raises(ValueError, match="not positional"):
        BulkInsert(cards, named)


def test_no_rows_sends_nothing(two_databases):
    _, engine = two_databases
    with engine.begin() as connection:
        BulkInsert(cards, engine.dialect).execute(connection, iter(()))
    assert stored(Path(engine.url.database), cards) == []
