"""What the text reader's rules share: a doc's text, a mention's concept, the order of ConText's categories, the
marks that end a word or join a list's items."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from cds_service.knowledge.model import Context

# ConText categories -> contexts, in order of precedence when several cues modify a mention
PRECEDENCE = (
    ("NEGATED_EXISTENCE", Context.NEGATED),
    ("HYPOTHETICAL", Context.HYPOTHETICAL),
    ("FAMILY", Context.FAMILY),
    ("POSSIBLE_EXISTENCE", Context.UNCERTAIN),
    ("HISTORICAL", Context.HISTORICAL),
)
CATEGORY = {context: category for category, context in PRECEDENCE}
ITEM_JOINS = frozenset({",", "or", "and", "nor", "&", "/"})  # join one item of a list to the next
ENDS = frozenset({",", ";", ".", "!", "?", ")", ":"})  # end what a word says
WORD = re.compile(r"[\w/'+~>-]+")
TEXT_KEY = "cds_service.text"  # the doc's text, kept in its user_data by doc_text
EDGES_KEY = "cds_service.edges"  # offsets of edges (`padded_between`) in a doc's user_data


def padded_between(doc: Any, first: Any, second: Any) -> bool:
    """Whether an edge (a run of spaces written inside a line, a column's: "No fever      breast cancer 2015", read as
    one space, `spacing.py`; a joined line break, `line_wraps.py`) stands between a cue and a mention or inside the
    mention ("no trauma, new urinary\nincontinence"). (A run kept before a flowsheet's next field is that field's.)"""
    start, end = (
        (first.end_char, second.end_char) if first.end <= second.start else (second.start_char, first.start_char)
    )
    return any(start <= edge < end for edge in doc.user_data.get(EDGES_KEY, ()))


def concept_of(ent: Any) -> str:
    return ent.label_.partition("|")[0]


def doc_text(doc: Any) -> str:
    """The doc's text, joined once per doc (spaCy's `doc.text` joins every token's text at each use)."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


def holds_phrase(tokens: Any, phrases: Iterable[str]) -> bool:
    """Whether the tokens hold one of the phrases (lower-case words, space-separated) as whole words."""
    words = " " + " ".join(t.lower_ for t in tokens) + " "
    return any(f" {phrase} " in words for phrase in phrases)
