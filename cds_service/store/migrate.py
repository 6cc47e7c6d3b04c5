"""Bring an existing database up to the current tables: add the nullable columns newer releases added.

The audit trail is append-only and every added column is nullable, so an `ALTER TABLE ... ADD COLUMN`
per missing column is the whole migration; indexes are created when missing.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from cds_service.store.tables import metadata


def add_missing_columns(connection: Connection) -> list[str]:
    """Add every nullable column (and index) a table lacks; the columns added, as table.column."""
    inspector = inspect(connection)
    added = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(f"table {table.name} lacks the required column {column.name}; migrate it by hand")
            kind = column.type.compile(dialect=connection.dialect)
            connection.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
            added.append(f"{table.name}.{column.name}")
        for index in table.indexes:
            index.create(connection, checkfirst=True)
    return added
