"""CPU of moving the audit journal into SQLite: the store's move against the same move through SQLAlchemy's insert.

Run: python bench/journal_move.py [--entries 1500] [--batch 75]

The entries are real: the service answers --entries hook calls in this process (the ~50-resource chart, a new
patient and a new reason text each) with the journal's move held back, and its journal lines are read. Then each
batch (75: what one of 4 workers journals in a second at 300 requests/s) is moved into a fresh SQLite database
(FULL sync, WAL, the service's tables and indexes) both ways in turn: SQLAlchemy's `insert … on conflict do
nothing` with one dictionary per row and the timestamps parsed first, as the store moved them before
cds_service/store/bulk_insert.py, and the store's own move (AuditStore.ingest). Both also link early feedback, as
the store does. Prints the median CPU time of this thread per move and per entry for each (the commit's sync
included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bodies, load
from bench.request_cost import call_service
from cds_service.api import create_app
from cds_service.config import Settings
from cds_service.store.audit import AuditStore, link_early_feedback
from cds_service.store.tables import JOURNAL_TIMESTAMPS, JOURNALED_TABLES, cards

Entries = list[dict[str, Any]]


def journal_entries(count: int, tmp: Path) -> Entries:
    """The journal lines of `count` answered hook calls (a text order and a new patient each)."""
    os.environ |= {"CDS_DATABASE_URL": f"sqlite:///{tmp}/answers.sqlite3", "CDS_AUDIT_FLUSH_SECONDS": "3600"}
    os.environ.setdefault("CDS_LOG_LEVEL", "WARNING")
    app = create_app(Settings.from_env())
    chart, order = bodies.chart_and_order()
    make = bodies.body_maker(bodies.text_order(order), bodies.padded(chart), unique=True)
    for n in range(count):
        status = call_service(app, make(n))
        if status != 200:
            raise SystemExit(f"the service answered HTTP {status}")
    lines = b"".join(path.read_bytes() for path in sorted(tmp.glob("answers.sqlite3.journal/*.jsonl")))
    app.extensions["cds_service"].store.close()
    return [orjson.loads(line) for line in lines.split(b"\n") if line]


def sqlalchemy_move(store: AuditStore) -> Callable[[Entries], None]:
    """The move as the store made it before BulkInsert: a parameter dictionary per row, timestamps parsed first."""

    def move(entries: Entries) -> None:
        rows = {
            table.name: [
                {k: datetime.fromisoformat(v) if k in JOURNAL_TIMESTAMPS else v for k, v in row.items()}
                for entry in entries
                for row in entry.get(table.name, ())
            ]
            for table in JOURNALED_TABLES
        }
        with store.engine.begin() as connection:
            for table in JOURNALED_TABLES:
                if rows[table.name]:
                    connection.execute(sqlite_insert(table).on_conflict_do_nothing(), rows[table.name])
            link_early_feedback(connection, [row["card_id"] for row in rows[cards.name]])

    return move


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=75)
    args = parser.parse_args()
    print(load.machine_info())
    with tempfile.TemporaryDirectory() as tmp:
        entries = journal_entries(args.entries, Path(tmp))
        stores = {name: AuditStore(f"sqlite:///{tmp}/{name}.sqlite3", "FULL", 3600) for name in ("sqlalchemy", "bulk")}
        moves = {"sqlalchemy": sqlalchemy_move(stores["sqlalchemy"]), "bulk": stores["bulk"].ingest}
        times: dict[str, list[float]] = {name: [] for name in moves}
        for start in range(0, len(entries) - args.batch + 1, args.batch):
            for name, move in moves.items():  # in turn, so both see the same hour and database size
                started = time.thread_time()
                move(entries[start : start + args.batch])
                times[name].append(time.thread_time() - started)
        for store in stores.values():
            store.close()
    for name, spent in times.items():
        median = statistics.median(spent) * 1000
        print(
            f"{name}: {len(spent)} moves of {args.batch} entries; median CPU {median:.2f} ms per move, "
            f"{median / args.batch:.3f} ms per entry"
        )


if __name__ == "__main__":
    main()
