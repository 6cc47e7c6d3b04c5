"""Runs of spaces, invisible characters and words broken at a line's end, read as the text means them, with a map
back to the text as written.

EHR exports pad text with runs of spaces (a fixed-width layout, two spaces after a full stop, the blanks left by
markup: `markup.py`), paste thin or zero-width spaces from web pages, and break words at a line's end. spaCy makes
each run a token of its own, which splits a phrase ("weight  loss", "radiating\\u2009to the left arm") and a list
("Denies  fever,  weight  loss"), and a line of spaces keeps two lines in one sentence. So: a run of spaces, tabs or
other spaces inside a line becomes one space, and a lone tab or other space a space; spaces before a line break go,
and so do carriage returns, invisible format characters (zero-width, soft hyphens, direction marks:
`characters.py`) and a hyphen that breaks a word at a line's end ("radi-\\nating");
blank lines are one paragraph's end (two line breaks: markup's blocks leave more, "</p><ul><li>", and the sentencizer
ends a sentence only at one or two). A run before a
flowsheet's next field ("Hx malignancy: none     Bowel/bladder changes: No") stays: the reader takes it as the
field's end. A tab, two no-break spaces or more, or a run of three spaces or more that becomes one space is kept as
an edge: it may be a column's ("No fever      breast cancer 2015"), so a negation's list does not cross it as if it
were one line of words.

A contraction is written as spaCy splits it and the cues read it: an apostrophe typed as a quote, an accent or a
backquote inside a word is one ("doesn’t", "doesn´t"), and a negative contraction typed without it has it
("doesnt", "DONT", "cant": "doesn't"), so "pt doesnt have fever" is denied as "pt doesn't have fever" is.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from cds_service.engine.text.characters import COMBINING, INVISIBLE, LIGATURES, OTHER_SPACES

_OTHER_SPACES = "\t" + OTHER_SPACES
_APOSTROPHE_LIKE = "’‘ʼ´`"  # typed for an apostrophe inside a word ("doesn’t", "can´t")
_NO_APOSTROPHE = "do|does|did|is|was|are|were|has|have|had|ca|could|would|should|wo|must|need|ai"  # "doesn" of "doesnt"
_NO_APOSTROPHE_FIRST = "".join(sorted({w[0] + w[0].upper() for w in _NO_APOSTROPHE.split("|")}))  # (fails faster)
_MARKS = re.compile(  # (a lone space between two words is no match: most of a text's are)
    rf"\n(?:[ \t\r]*\n){{2,}}|\r(?=\n)|[ {_OTHER_SPACES}]{{2,}}|[{_OTHER_SPACES}]| (?=\r?\n)"
    rf"|[{''.join(sorted(INVISIBLE | COMBINING))}]+|[{''.join(LIGATURES)}]|(?<=[a-z])-\n(?=[a-z])"
    rf"|(?<=[A-Za-z])[{_APOSTROPHE_LIKE}](?=[A-Za-z])|\b(?=[{_NO_APOSTROPHE_FIRST}])(?i:{_NO_APOSTROPHE})[nN](?=[tT]\b)"
)
# the invisible format characters and accents typed after their letter (`characters.py`); a hyphen breaking a word
# at a line's end
_DROPPED = INVISIBLE | COMBINING | {"-"}
_COLUMN_EDGE = re.compile(r"[ \t\u00a0]*\t[ \t\u00a0]*| {3,}")  # a tab, or three spaces or more, as written
_FIELD_AFTER = re.compile(r"[A-Z][A-Za-z]*(?:[ /][A-Za-z]+){0,2}:")  # "Bowel/bladder changes:"


class Collapsed(NamedTuple):
    """A text read as it means its spaces."""

    text: str
    origin: list[int] | None  # for each offset of `text` (and its length) the offset as written; None: the same text
    edges: frozenset[int]  # offsets of the spaces that stand for a run written inside a line (a column's edge?)


def collapsed(text: str, written: str | None = None) -> Collapsed:
    """`text` read as it means its spaces. `written`: the text as sent, of the same length, when `text` is it with
    its markup replaced (a run of spaces that was markup is no column's edge; a tab, written or a table's cell, is)."""
    written = text if written is None else written
    pieces: list[str] = []
    origin: list[int] = []
    edges: set[int] = set()
    done = 0
    for found in _MARKS.finditer(text):
        start, end = found.span()
        run = found.group()
        if run[0] in " \t" and end - start > 1 and _FIELD_AFTER.match(text, end):
            continue  # a flowsheet's next field
        pieces.append(text[done:start])
        origin += range(done, start)
        done = end
        if run in LIGATURES:  # letters joined in one character ("deﬁcit"): the letters
            pieces.append(LIGATURES[run])
            origin += [start] * len(LIGATURES[run])
            continue
        if run in _APOSTROPHE_LIKE:  # an apostrophe typed as another mark
            pieces.append("'")
            origin.append(start)
            continue
        if run[-1] in "nN":  # a negative contraction without its apostrophe: "doesn" + "'" (+ "t")
            pieces.append(run + "'")
            origin += range(start, end + 1)
            continue
        if run[0] == "\n":  # blank lines: one paragraph's end (the sentencizer ends a sentence at "\n" or "\n\n" only)
            pieces.append("\n\n")
            origin += [start, end - 1]
            continue
        if run[0] in _DROPPED or run == "\r" or end == len(text) or text[end] in "\r\n":
            continue  # (dropped: zero-width, a word's hyphen, a carriage return, spaces at a line's end)
        if "\t" in run or run.count("\u00a0") > 1 or _COLUMN_EDGE.fullmatch(written, start, end):
            edges.add(len(origin))  # (the offset, in the text read, of the space it becomes)
        pieces.append(" ")
        origin.append(start)
    if not pieces:
        return Collapsed(text, None, frozenset())
    pieces.append(text[done:])
    origin += range(done, len(text) + 1)
    return Collapsed("".join(pieces), origin, frozenset(edges))
