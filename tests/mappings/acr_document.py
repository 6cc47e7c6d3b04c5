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
    reader = _TableReader()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = " ".join(raw.split())
        if line.startswith(_END_OF_TABLES):
            break
        if line and not line.startswith("ACR Appropriateness Criteria®"):
            reader.read(line)
    return reader.finish()


class _TableReader:
    """One line at a time: a variant header starts a title, the table header ends it, then rows (which the
    document may wrap over several lines) until the next variant."""

    def __init__(self) -> None:
        self.variants: list[DocumentVariant] = []
        self.number, self.title, self.rows, self.pending, self.in_title = 0, [], [], [], False

    def read(self, line: str) -> None:
        header = _VARIANT.match(line)
        if header:
            self.finish()
            self.number, self.title, self.rows, self.pending = int(header["number"]), [header["title"]], [], []
            self.in_title = True
        elif line == _TABLE_HEADER:
            self.in_title = False
        elif self.in_title:
            self.title.append(line)
        elif self.number:
            self._row(line)

    def _row(self, line: str) -> None:
        self.pending.append(line)
        row = _ROW.match(" ".join(self.pending))
        if row:
            rrl = 0 if row["rrl"] == "O" else len(row["rrl"])
            self.rows.append(DocumentRow(row["name"], CATEGORY_NAMES[row["category"]], rrl))
            self.pending = []

    def finish(self) -> list[DocumentVariant]:
        """The variants read so far, the one in progress included (once)."""
        if self.number:
            self.variants.append(DocumentVariant(self.number, " ".join(self.title), tuple(self.rows)))
            self.number = 0
        return self.variants
