"""Independent reader of the ACR variant tables in the reference document (used by the cross-check test)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CATEGORY_NAMES = {
    "Usually Appropriate": "UA",
    "May Be Appropriate (Disagreement)": "MBA-D",
    "May Be Appropriate": "MBA",
    "Usually Not Appropriate": "UNA",
}
_ROW = re.compile(
    r"^(?P<name>.+?) (?P<category>Usually Appropriate|May Be Appropriate \(Disagreement\)"
    r"|May Be Appropriate|Usually Not Appropriate) (?P<rrl>O|☢+)$"
)
_VARIANT = re.compile(r"^Variant (?P<number>\d): (?P<title>.*)$")
_TABLE_HEADER = "Procedure Appropriateness Category Relative Radiation Level"
_END_OF_TABLES = "CERVICAL PAIN OR CERVICAL RADICULOPATHY"


@dataclass(frozen=True)
class DocumentRow:
    procedure_name: str
    category: str
    rrl: int


@dataclass(frozen=True)
class DocumentVariant:
    number: int
    title: str
    rows: tuple[DocumentRow, ...]


def read_variant_tables(path: Path) -> list[DocumentVariant]:
    """Return the variant tables exactly as the document prints them, in document order."""
    variants: list[DocumentVariant] = []
    number, title_parts, rows, pending = 0, [], [], []
    in_title = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.split())
        if not line or line.startswith("ACR Appropriateness Criteria®"):
            continue
        if line.startswith(_END_OF_TABLES):
            break
        header = _VARIANT.match(line)
        if header:
            if number:
                variants.append(DocumentVariant(number, " ".join(title_parts), tuple(rows)))
            number, title_parts, rows, pending = int(header["number"]), [header["title"]], [], []
            in_title = True
            continue
        if line == _TABLE_HEADER:
            in_title = False
            continue
        if in_title:
            title_parts.append(line)
            continue
        if number:
            pending.append(line)
            row = _ROW.match(" ".join(pending))
            if row:
                rrl = 0 if row["rrl"] == "O" else len(row["rrl"])
                rows.append(DocumentRow(row["name"], CATEGORY_NAMES[row["category"]], rrl))
                pending = []
    if number:
        variants.append(DocumentVariant(number, " ".join(title_parts), tuple(rows)))
    return variants
