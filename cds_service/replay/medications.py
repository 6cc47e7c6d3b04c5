"""The export's Medication resources, found by id while staging.

A medicine resource (MedicationRequest, MedicationStatement, MedicationAdministration) may name its medicine by a
reference to a Medication (`medicationReference`). Medications belong to no patient, so they are not staged by
patient: they are kept in a throw-away SQLite file of the staging directory (an export may hold millions; memory
stays flat), and each medicine resource that references one is staged with a copy of it, under its patient, as the
service reads a search with `_include=MedicationRequest:medication`. A reference to a Medication the export does not
hold stays unresolved: the engine reads that medicine as unnamed (insufficient-data).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Any

from cds_service.engine.chart import MEDICINES, reference_id

FILE = "medications.sqlite3"


class Medications:
    """Medication lines by id, in `work_dir/medications.sqlite3` (deleted on close)."""

    def __init__(self, work_dir: Path) -> None:
        self.path = work_dir / FILE
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode = OFF")  # rebuilt from the export if staging is interrupted
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("CREATE TABLE medication (id TEXT PRIMARY KEY, line BLOB NOT NULL)")

    def add(self, resource: dict[str, Any], line: bytes) -> bool:
        """Keep a Medication's line under its id; False (not kept) when it has no id."""
        mid = resource.get("id")
        if not isinstance(mid, str) or not mid:
            return False
        self.db.execute("INSERT OR REPLACE INTO medication VALUES (?, ?)", (mid, line))
        return True

    def named_by(self, resource: dict[str, Any]) -> bytes | None:
        """The line of the Medication a medicine resource references, if the export holds it."""
        if resource.get("resourceType") not in MEDICINES:
            return None
        mid = reference_id(resource.get("medicationReference"), "Medication")  # as the engine reads it
        if mid is None:
            return None
        row = self.db.execute("SELECT line FROM medication WHERE id = ?", (mid,)).fetchone()
        return row[0] if row else None

    def __enter__(self) -> Medications:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)
