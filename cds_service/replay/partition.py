"""First pass: every resource of the export into one of N partition files, by patient.

A patient's resources all land in the same partition (crc32 of the patient id, modulo N), so each
partition can be rated on its own, in any process or on any machine. Lines are copied as they came
(`patient id <TAB> resource JSON`), nothing is re-serialised; memory stays at one line plus the
file buffers. A manifest written last marks the staging complete, so an interrupted run stages
again and a finished one is reused by the next run.
"""

from __future__ import annotations

import json
import os
import re
import resource as rlimit
import shutil
import zlib
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cds_service.replay.export import BadLines, ExportFile, read_resources
from cds_service.replay.medications import FILE as MEDICATIONS_FILE
from cds_service.replay.medications import Medications

MANIFEST = "manifest.json"
TARGET_PARTITION_BYTES = 4_000_000  # ~ the memory one worker holds for one partition's raw lines
MAX_PARTITIONS = 1024  # open files while staging; beyond that, partitions grow (or use a cluster)


@dataclass
class Staged:
    """What the first pass produced; written as the manifest."""

    fingerprint: str
    partitions: int
    service_requests: list[int]  # per partition
    resources: int = 0
    without_patient: int = 0
    medications: int = 0  # Medication resources (no patient): staged with each medicine that names them
    bad_lines: int = 0
    bad_examples: list[str] = field(default_factory=list)

    def path(self, work_dir: Path, partition: int) -> Path:
        return partition_path(work_dir, partition)


def partition_path(work_dir: Path, partition: int) -> Path:
    return work_dir / f"part-{partition:04d}.tsv"


def partition_count(total_bytes: int, workers: int) -> int:
    by_size = -(-total_bytes // TARGET_PARTITION_BYTES)
    return max(workers * 4, min(MAX_PARTITIONS, by_size))


def patient_of(resource: dict[str, Any]) -> str | None:
    """The id of the patient a resource belongs to (Patient.id, subject or patient reference)."""
    kind = resource.get("resourceType")
    if kind == "Patient":
        pid = resource.get("id")
        return pid if isinstance(pid, str) and pid else None
    ref = resource.get("patient") if kind in ("AllergyIntolerance", "Device") else resource.get("subject")
    reference = ref.get("reference") if isinstance(ref, dict) else None
    if not isinstance(reference, str):
        return None
    parts = reference.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1]:
        return parts[-1].split("?")[0]
    return None


def partition_of(patient: str, partitions: int) -> int:
    return zlib.crc32(patient.encode()) % partitions


def load_manifest(work_dir: Path, fingerprint: str, partitions: int) -> Staged | None:
    """The manifest of a completed staging of this export into this many partitions, if there is one."""
    try:
        found = Staged(**json.loads((work_dir / MANIFEST).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if found.fingerprint != fingerprint or found.partitions != partitions:
        return None
    if not all(partition_path(work_dir, p).exists() for p in range(partitions)):
        return None
    return found


def stage(
    files: list[ExportFile],
    work_dir: Path,
    fingerprint: str,
    partitions: int,
    advance: Callable[[int], None] = lambda _n: None,
    bad: BadLines | None = None,
) -> Staged:
    """Write the partition files and the manifest; `advance(bytes)` reports progress."""
    remove_work_dir(work_dir)
    work_dir.mkdir(parents=True)
    _allow_open_files(partitions + 64)
    bad = bad if bad is not None else BadLines()
    staged = Staged(fingerprint, partitions, [0] * partitions)
    with ExitStack() as stack:
        outputs = [
            stack.enter_context(partition_path(work_dir, p).open("wb", buffering=64 * 1024)) for p in range(partitions)
        ]
        medications = stack.enter_context(Medications(work_dir))
        for file in sorted(files, key=lambda f: f.resource_type != "Medication"):  # before the medicines naming them
            done = 0
            for line, resource in read_resources(file, bad):
                done += len(line) + 1
                if done >= 1_000_000:
                    advance(done)
                    done = 0
                if file.resource_type == "Medication":
                    staged.medications += medications.add(resource, line)
                    continue
                patient = patient_of(resource)
                if patient is None:
                    staged.without_patient += 1
                    continue
                part = partition_of(patient, partitions)
                outputs[part].write(patient.encode() + b"\t" + line + b"\n")
                if (named := medications.named_by(resource)) is not None:  # as a search's _include gives it
                    outputs[part].write(patient.encode() + b"\t" + named + b"\n")
                staged.resources += 1
                if file.resource_type == "ServiceRequest":
                    staged.service_requests[part] += 1
            advance(done)
        for output in outputs:
            output.flush()
            os.fsync(output.fileno())
    staged.bad_lines = bad.count
    staged.bad_examples = [str(b) for b in bad.examples]
    manifest = work_dir / MANIFEST
    manifest.with_suffix(".tmp").write_text(json.dumps(asdict(staged)))
    manifest.with_suffix(".tmp").replace(manifest)  # the staging is complete once this exists
    return staged


def remove_work_dir(work_dir: Path) -> None:
    """Delete a staging directory, refusing one that holds anything else (a mistyped --work-dir)."""
    if not work_dir.exists():
        return
    ours = re.compile(rf"^(part-\d{{4,}}\.tsv|manifest\.json|manifest\.tmp|{re.escape(MEDICATIONS_FILE)})$")
    strangers = [p.name for p in work_dir.iterdir() if not (p.is_file() and ours.match(p.name))]
    if strangers:
        raise FileExistsError(f"{work_dir}: not a replay staging directory (it holds {strangers[0]!r}); choose another")
    shutil.rmtree(work_dir)


def read_partition(path: Path) -> dict[str, list[bytes]]:
    """A partition's raw resource lines grouped by patient (parsed later, one patient at a time)."""
    patients: dict[str, list[bytes]] = {}
    with path.open("rb") as stream:
        for line in stream:
            patient, _, raw = line.rstrip(b"\n").partition(b"\t")
            patients.setdefault(patient.decode(), []).append(raw)
    return patients


def _allow_open_files(needed: int) -> None:
    soft, hard = rlimit.getrlimit(rlimit.RLIMIT_NOFILE)
    if soft != rlimit.RLIM_INFINITY and soft < needed:
        rlimit.setrlimit(rlimit.RLIMIT_NOFILE, (min(needed, hard), hard))
