"""The replay's own audit store: the service's tables (so the analytics page can show it) plus progress.

Each rated partition is committed in one transaction together with its row in `replay_partitions`:
after a crash or Ctrl-C a partition is either wholly in the store or not at all, and the next run
rates only the partitions that are missing. Decisions are inserted with "on conflict do nothing" on
their deterministic consult id as a second guard: no order is ever recorded twice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from cds_service.store.database import open_engine
from cds_service.store.migrate import add_missing_columns
from cds_service.store.tables import decisions, metadata

progress_metadata = MetaData()
replay_runs = Table(
    "replay_runs",
    progress_metadata,
    Column("run_id", String(64), primary_key=True),
    Column("export", String(1000), nullable=False),
    Column("partitions", Integer, nullable=False),
    Column("undated", String(16), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
)
replay_partitions = Table(
    "replay_partitions",
    progress_metadata,
    Column("run_id", String(64), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)

CSV_COLUMNS = [
    "patient_id",
    "order_id",
    "authored_on",
    "procedures",
    "procedure_names",
    "outcome",
    "category",
    "variants",
    "alternatives",
    "reasons",
    "evidence",
    "consult_id",
]


class ConflictingRun(RuntimeError):
    """The store already holds a replay of another export (or with other options)."""


class ReplayStore:
    def __init__(self, url: str) -> None:
        # NORMAL: a crash of the machine may lose the last partitions, which the next run rates again
        self.engine: Engine = open_engine(url, "NORMAL")
        with self.engine.begin() as connection:
            metadata.create_all(connection)
            add_missing_columns(connection)
            progress_metadata.create_all(connection)
        self._insert = postgres_insert if self.engine.dialect.name == "postgresql" else sqlite_insert

    def runs(self) -> list[tuple[str, int]]:
        """(run id, partitions) of the runs this store holds (one, or none)."""
        with self.engine.connect() as connection:
            return [(r.run_id, r.partitions) for r in connection.execute(select(replay_runs))]

    def begin_run(self, run_id: str, export: str, partitions: int, undated: str) -> set[int]:
        """Register the run (or find it again); the partitions it has already finished."""
        with self.engine.begin() as connection:
            runs = connection.execute(select(replay_runs)).mappings().all()
            others = [r for r in runs if r["run_id"] != run_id]
            if others:
                raise ConflictingRun(
                    f"the store holds a replay of another export, with other options or by other rules (another "
                    f"version of the service or its mappings: run {others[0]['run_id']}, export "
                    f"{others[0]['export']}); give this one its own --database"
                )
            if not runs:
                connection.execute(
                    insert(replay_runs),
                    [
                        {
                            "run_id": run_id,
                            "export": export,
                            "partitions": partitions,
                            "undated": undated,
                            "started_at": datetime.now(UTC),
                        }
                    ],
                )
            done = connection.execute(select(replay_partitions.c.partition).where(replay_partitions.c.run_id == run_id))
            return {row[0] for row in done}

    def commit_partition(self, run_id: str, partition: int, rows: list[dict[str, Any]]) -> None:
        """The partition's decisions and its 'done' mark, in one transaction."""
        with self.engine.begin() as connection:
            if rows:
                connection.execute(self._insert(decisions).on_conflict_do_nothing(), rows)
            connection.execute(
                insert(replay_partitions),
                [{"run_id": run_id, "partition": partition, "orders": len(rows), "finished_at": datetime.now(UTC)}],
            )

    def decisions_count(self, run_id: str) -> int:
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(decisions).where(decisions.c.hook_instance == run_id)
            ).scalar_one()

    def write_csv(self, run_id: str, path: Path, names: dict[str, str]) -> int:
        """One row per rated order of this run, by authoredOn, patient, order; returns the row count."""
        c = decisions.c
        query = (
            select(
                c.patient_id,
                c.order_id,
                c.recorded_at,
                c.procedures,
                c.outcome,
                c.category,
                c.variants,
                c.alternatives,
                c.reasons,
                c.evidence,
                c.consult_id,
            )
            .where(c.hook_instance == run_id)
            .order_by(c.recorded_at, c.patient_id, c.order_id)
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        temporary = path.with_name(path.name + ".tmp")
        with self.engine.connect() as connection, temporary.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            rows = connection.execution_options(stream_results=True, yield_per=5000).execute(query)
            for row in rows:
                writer.writerow(_csv_row(row, names))
                written += 1
        temporary.replace(path)
        return written

    def close(self) -> None:
        self.engine.dispose()


def _joined(values: Iterable[Any], separator: str = ";") -> str:
    return separator.join(str(v) for v in values)


def _csv_row(row: Any, names: dict[str, str]) -> list[Any]:
    procedures = orjson.loads(row.procedures)
    authored = row.recorded_at
    if isinstance(authored, datetime):
        authored = (authored if authored.tzinfo else authored.replace(tzinfo=UTC)).isoformat()
    return [
        row.patient_id,
        row.order_id,
        authored,
        _joined(procedures),
        _joined((names.get(p, p) for p in procedures), " | "),
        row.outcome,
        row.category or "",
        _joined(orjson.loads(row.variants)),
        _joined(orjson.loads(row.alternatives)),
        _joined(orjson.loads(row.reasons), " | "),
        _joined(orjson.loads(row.evidence)),
        row.consult_id,
    ]
