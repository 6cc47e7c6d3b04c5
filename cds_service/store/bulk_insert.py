"""Many rows into one SQLite table at once, skipping those already there, at the driver's speed.

SQLAlchemy's executemany builds and processes a parameter dictionary per row: about a quarter of the CPU time of
moving the audit journal into the database (bench/journal_move.py), spent in a background thread of a worker that
is answering hook calls meanwhile. Here each table's `INSERT … ON CONFLICT DO NOTHING` is compiled once and each
row is bound as SQLAlchemy binds it (the dialect's own bind processor of each column, e.g. its DATETIME text), then
sent with one executemany through the same connection and transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect

Binder = Callable[[Any], Any]


class BulkInsert:
    """One table's insert-or-skip statement and the binding of its rows (dictionaries by column name)."""

    def __init__(self, table: Table, dialect: Dialect, iso_timestamps: Collection[str] = ()) -> None:
        """`iso_timestamps`: columns whose values may come as ISO 8601 text (a JSON journal's), read as datetimes."""
        compiled = sqlite_insert(table).on_conflict_do_nothing().compile(dialect=dialect)
        self.table = table
        self.sql = str(compiled)
        if compiled.positiontup is None:
            raise ValueError(f"the dialect's {dialect.paramstyle!r} parameters are not positional")
        names = list(compiled.positiontup)
        if sorted(names) != sorted(c.name for c in table.columns):
            raise ValueError(f"the insert into {table.name} does not bind every column once")
        self._columns = [(name, _binder(table, name, dialect, name in iso_timestamps)) for name in names]

    def bound(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row's values in the statement's order, as SQLAlchemy would bind them. A column the row lacks is NULL
        in this row (SQLAlchemy's executemany takes its columns from a batch's first row); other keys are ignored."""
        return tuple(row.get(name) if bind is None else bind(row.get(name)) for name, bind in self._columns)

    def execute(self, connection: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert the rows that are not there yet (by primary or unique key), in the connection's transaction."""
        params = [self.bound(row) for row in rows]
        if params:
            connection.exec_driver_sql(self.sql, params)


def _binder(table: Table, name: str, dialect: Dialect, iso_text: bool) -> Binder | None:
    """The column's bind processor (None: the value goes as it is), reading ISO text first when `iso_text`."""
    process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    if not iso_text:
        return process
    processed = process or _same

    def bind(value: Any) -> Any:
        return processed(datetime.fromisoformat(value) if isinstance(value, str) else value)

    return bind


def _same(value: Any) -> Any:
    return value
