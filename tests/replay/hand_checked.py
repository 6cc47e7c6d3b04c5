"""A small Bulk Data export whose every order was checked by hand, several where look-ahead changes the answer.

Each patient is one situation; EXPECTED gives the replay's answer (as of the order's date) and, where
it differs, what rating the order against the whole exported chart would wrongly give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tests.builders import condition, observation, order_json, patient


def _for(pid: str, resource: dict[str, Any]) -> dict[str, Any]:
    """Point a builder resource at patient `pid` (builders default to pat-1)."""
    key = "patient" if resource["resourceType"] in ("AllergyIntolerance", "Device") else "subject"
    return {**resource, key: {"reference": f"Patient/{pid}"}}


def _order(pid: str, oid: str, code: str, authored: str | None, **extra: Any) -> dict[str, Any]:
    return {**_for(pid, order_json(code, oid=oid, authored=authored)), "status": "completed", **extra}


def resources() -> list[dict[str, Any]]:
    radic = {"onset": "2024-02-18", "recorded": "2024-02-20"}
    return [
        # trauma recorded the week after the order: must not make the order out of scope
        patient(pid="trauma-after"),
        _for("trauma-after", condition("M54.12", cid="ta-radic", **radic)),
        _for("trauma-after", condition("S13.4XXA", cid="ta-trauma", onset="2024-03-07", recorded="2024-03-08")),
        _order("trauma-after", "ta-mri", "72141", "2024-03-01T10:00:00Z", requester={"reference": "Practitioner/dr-a"}),
        # a malignancy diagnosed after the order (recordedDate after it, onset before it): not V5
        patient(pid="cancer-after"),
        _for("cancer-after", condition("M54.12", cid="ca-radic", **radic)),
        _for("cancer-after", condition("C50.911", cid="ca-cancer", onset="2024-01-15", recorded="2024-04-01")),
        _order("cancer-after", "ca-xr", "72040", "2024-03-01"),
        # fever and CRP measured two days after the order: not a suspected infection (V4) yet
        patient(pid="fever-after"),
        _for("fever-after", condition("M54.2", cid="fa-neck", onset="2024-02-25", recorded="2024-02-26")),
        _for("fever-after", observation("8310-5", 39.2, "Cel", when="2024-03-03T09:00:00Z", oid="fa-temp")),
        _for("fever-after", observation("1988-5", 80, "mg/L", when="2024-03-03T09:00:00Z", oid="fa-crp")),
        _order("fever-after", "fa-mri", "72141", "2024-03-01T08:00:00Z"),
        # two orders: the malignancy recorded between them is seen by the second only
        patient(pid="two-orders"),
        _for("two-orders", condition("M54.12", cid="to-radic", onset="2024-01-08", recorded="2024-01-10")),
        _for("two-orders", condition("C50.911", cid="to-cancer", onset="2024-01-20", recorded="2024-02-01")),
        _order("two-orders", "to-xr-1", "72040", "2024-01-12"),
        _order("two-orders", "to-xr-2", "72040", "2024-03-01"),
        # a malignancy with no date at all: left out by default, used with --undated include
        patient(pid="undated"),
        _for("undated", condition("M54.12", cid="un-radic", **radic)),
        _for("undated", condition("C50.911", cid="un-cancer")),
        _order("undated", "un-xr", "72040", "2024-03-01"),
        # the diagnosis recorded on the order's own day counts (the visit's diagnoses)
        patient(pid="same-day"),
        _for("same-day", condition("M54.12", cid="sd-radic", onset="2024-02-18", recorded="2024-03-01")),
        _order("same-day", "sd-mri", "72141", "2024-03-01T09:00:00Z"),
        # not rated: another body part, entered in error, no authoredOn
        patient(pid="skipped"),
        _for("skipped", condition("M54.12", cid="sk-radic", **radic)),
        _order("skipped", "sk-chest", "71046", "2024-03-01"),
        _order("skipped", "sk-error", "72141", "2024-03-01", status="entered-in-error"),
        _order("skipped", "sk-undated", "72141", None),
    ]


# order id -> (outcome, variants, category) as of the order's date
EXPECTED = {
    "ta-mri": ("appropriate", [2], "MBA"),
    "ca-xr": ("appropriate", [2], "MBA"),
    "fa-mri": ("not-appropriate", [1], "UNA"),
    "to-xr-1": ("appropriate", [2], "MBA"),
    "to-xr-2": ("not-appropriate", [5], "UNA"),
    "un-xr": ("appropriate", [2], "MBA"),
    "sd-mri": ("appropriate", [2], "MBA"),
}
# what rating against the whole export (look-ahead) would have said instead
WITH_LOOKAHEAD = {
    "ta-mri": ("no-criteria-apply", []),
    "ca-xr": ("not-appropriate", [5]),
    # fa-mri: not here: the engine itself reads no lab value dated after the order (an impossible date for it)
    "to-xr-1": ("not-appropriate", [5]),
    "un-xr": ("not-appropriate", [5]),
}
BROKEN = b'{"resourceType": "Condition", "id": "broken", \n'


def write(directory: Path, broken: bool = True) -> Path:
    """The export as $export writes it (several Condition files, an Encounter file the replay ignores)."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[bytes]] = {}
    conditions = 0
    for resource in resources():
        kind = resource["resourceType"]
        name = f"{kind}.ndjson"
        if kind == "Condition":
            name = f"Condition.{conditions % 2:03d}.ndjson"
            conditions += 1
        files.setdefault(name, []).append(orjson.dumps(resource) + b"\n")
    if broken:
        files["Condition.001.ndjson"].insert(1, BROKEN)
        files["Condition.001.ndjson"].insert(2, b"[1, 2, 3]\n")
        files["Condition.001.ndjson"].insert(3, orjson.dumps(patient(pid="wrong-file")) + b"\n")
    files["Encounter.ndjson"] = [b'{"resourceType": "Encounter", "id": "e1"}\n']
    for name, lines in files.items():
        (directory / name).write_bytes(b"".join(lines))
    return directory
