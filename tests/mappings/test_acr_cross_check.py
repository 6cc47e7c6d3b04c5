"""The ACR tables in mappings/ must equal the normative document, row by row (a transcription slip fails)."""

from __future__ import annotations

import os
import shutil

import pytest

from cds_service.knowledge import Knowledge
from cds_service.knowledge.loader import default_mappings_dir, load_knowledge
from tests.conftest import REFERENCE
from tests.mappings.acr_document import read_variant_tables

ACR_DOCUMENT = REFERENCE / "001_2dab4232a3120688.txt"


@pytest.fixture(scope="module")
def document_tables():
    if not ACR_DOCUMENT.exists():
        message = (
            f"the normative ACR document is missing: {ACR_DOCUMENT} (clone the repository beside shared/, "
            "or set CDS_REFERENCE_DIR)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return read_variant_tables(ACR_DOCUMENT)


def test_document_reader_finds_all_133_rows(document_tables):
    assert [v.number for v in document_tables] == list(range(1, 9))
    assert sum(len(v.rows) for v in document_tables) == 133


def test_mappings_hold_all_133_rows(knowledge: Knowledge):
    assert sorted(knowledge.variants) == list(range(1, 9))
    assert sum(len(v.ratings) for v in knowledge.variants.values()) == 133
    assert len(knowledge.procedures) == 23


def differing_rows(knowledge: Knowledge, document_tables) -> list[tuple[int, int]]:
    """(variant, row number) of every row whose study, category or RRL differs from the document's, in order."""
    differences = []
    for doc_variant in document_tables:
        variant = knowledge.variants[doc_variant.number]
        ours = [(r.procedure.name, r.category.code, r.rrl) for r in variant.ratings]
        theirs = [(r.procedure_name, r.category, r.rrl) for r in doc_variant.rows]
        rows = max(len(ours), len(theirs))
        padded = zip(ours + [None] * (rows - len(ours)), theirs + [None] * (rows - len(theirs)), strict=True)
        differences += [(doc_variant.number, i + 1) for i, (a, b) in enumerate(padded) if a != b]
    return differences


def test_every_row_matches_the_document_in_order(knowledge: Knowledge, document_tables):
    assert differing_rows(knowledge, document_tables) == []


def test_variant_wording_matches_the_document(knowledge: Knowledge, document_tables):
    for doc_variant in document_tables:
        assert knowledge.variants[doc_variant.number].title == doc_variant.title


def test_all_variants_are_adult_only(knowledge: Knowledge):
    assert all(v.adult_only and v.title.startswith("Adult.") for v in knowledge.variants.values())


def test_procedure_names_are_the_document_names(knowledge: Knowledge, document_tables):
    document_names = {r.procedure_name for v in document_tables for r in v.rows}
    assert {p.name for p in knowledge.procedures.values()} == document_names


def test_category_bands_follow_the_rating_definitions(knowledge: Knowledge):
    bands = {code: c.band for code, c in knowledge.categories.items()}
    assert bands == {"UA": (7, 9), "MBA": (4, 6), "MBA-D": (5, 5), "UNA": (1, 3)}


@pytest.mark.parametrize(
    ("slip", "expected"),
    [
        (
            (
                "{procedure: mr-cspine-wo,      category: MBA,   rrl: 0}",
                "{procedure: mr-cspine-wo, category: UA, rrl: 0}",
            ),
            [(2, 2)],
        ),
        (
            (
                "{procedure: xr-cspine,         category: MBA,   rrl: 2}",
                "{procedure: xr-cspine, category: MBA, rrl: 1}",
            ),
            [(2, 1)],
        ),
    ],
    ids=["category", "rrl"],
)
def test_the_cross_check_catches_a_slip(tmp_path, document_tables, slip, expected):
    """A copy of the mappings with one slip in variant 2, loaded and compared as above: exactly that row fails."""
    copy = tmp_path / "mappings"
    shutil.copytree(default_mappings_dir(), copy)
    tables = copy / "acr" / "cervical-pain-2024.yaml"
    text = tables.read_text(encoding="utf-8")
    second = text.index("  - number: 2")
    old, new = slip
    tables.write_text(text[:second] + text[second:].replace(old, new, 1), encoding="utf-8")
    assert differing_rows(load_knowledge(copy), document_tables) == expected
