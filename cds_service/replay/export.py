"""A FHIR Bulk Data export on disk, read as a stream: one NDJSON line at a time, never a whole file.

`$export` writes one or more files per resource type: `Condition.ndjson`, `Condition.000.ndjson`,
`Condition_1.ndjson`, optionally gzip-compressed (`.ndjson.gz`). Only the types the engine reads are
opened; a line that is not a JSON object with a resourceType is reported (file and line number, never
its content) and skipped.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

# The resource types the engine reads (cds_service/engine/chart.py); others are not even opened.
TYPES = (
    "Patient",
    "Condition",
    "Observation",
    "Procedure",
    "AllergyIntolerance",
    "Device",
    "ServiceRequest",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "Medication",  # named by the medicines (partition.py stages it with them)
)
_NAME = re.compile(r"^(?P<type>[A-Za-z]+)(?:[._-][^/]*)?\.ndjson(?:\.gz)?$")


@dataclass(frozen=True)
class ExportFile:
    path: Path
    resource_type: str
    size: int


@dataclass(frozen=True)
class BadLine:
    """A line that could not be used: where, and why (never the content: it may hold PHI)."""

    file: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.problem}"


class BadLines:
    """The unusable lines: how many, and the first few (file and line only)."""

    def __init__(self, keep: int = 20) -> None:
        self.count = 0
        self.examples: list[BadLine] = []
        self.keep = keep

    def append(self, bad: BadLine) -> None:
        self.count += 1
        if len(self.examples) < self.keep:
            self.examples.append(bad)


class IncompleteExport(Exception):
    """A file of the export cannot be read to its end: what it left out is unknown, so nothing is rated."""


def export_files(directory: Path) -> list[ExportFile]:
    """The export's NDJSON files of the types the engine reads, in a stable order."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: not a directory")
    found = []
    for path in sorted(directory.iterdir()):
        match = _NAME.match(path.name)
        if not (match and match["type"] in TYPES):
            continue
        if not path.is_file():
            raise IncompleteExport(f"{path.name}: named as an export's file, but not a file")
        size = path.stat().st_size
        if size == 0 and path.suffix == ".gz":  # (not even gzip's header: a download that never came)
            raise IncompleteExport(f"{path.name}: empty, not a compressed file: the export is incomplete")
        found.append(ExportFile(path, match["type"], size))
    return found


def fingerprint(files: list[ExportFile]) -> str:
    """Identifies this export's content as far as names, sizes and modification times tell."""
    digest = hashlib.sha256()
    for f in files:
        stat = f.path.stat()
        digest.update(f"{f.path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def read_resources(file: ExportFile, bad: BadLines) -> Iterator[tuple[bytes, dict]]:
    """(raw line, parsed resource) for each usable line; unusable lines are appended to `bad`. IncompleteExport
    when the file cannot be read to its end (a compressed file cut short: a download or a disk that failed): rating
    without the rest of it could count warnings its records would have stopped (a thirty-third review: a raw
    traceback)."""
    number = 0
    try:
        with _open(file.path) as stream:
            for number, line in enumerate(stream, start=1):
                yield from _usable(file, number, line, bad)
    except (EOFError, OSError, zlib.error) as exc:
        raise IncompleteExport(
            f"{file.path.name}: cannot be read past line {number} ({type(exc).__name__}): the export is incomplete;"
            " fetch this file again"
        ) from None


def _usable(file: ExportFile, number: int, line: bytes, bad: BadLines) -> Iterator[tuple[bytes, dict]]:
    """The line and its resource when it is a JSON object of the file's resource type; else reported."""
    line = line.strip()
    if not line:
        return
    try:
        resource = orjson.loads(line)
    except orjson.JSONDecodeError:
        bad.append(BadLine(file.path.name, number, "not valid JSON"))
        return
    if not isinstance(resource, dict):
        bad.append(BadLine(file.path.name, number, "not a JSON object"))
    elif resource.get("resourceType") != file.resource_type:
        bad.append(BadLine(file.path.name, number, f"resourceType is not {file.resource_type}"))
    else:
        yield line, resource
