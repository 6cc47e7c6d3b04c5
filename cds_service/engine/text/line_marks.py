"""Marks of a note's lines that the sentence splitter does not see: question marks written against a word or
standing apart, checkboxes that open a sentence, a flowsheet's fields."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from cds_service.engine.text.times import TimeNote

_BOXES = frozenset({"[", "(", "_", "☐", "□", "⬜", "❏", "❑", "◻", "◽", "▢", "▫"})  # ("___": one "_" per token)
FIELD_SEPARATORS = frozenset({";", "|", "•", "·", ">", ">>"})  # end a template line's field ("fever: no | IVDU: yes")
_FIELD_WORDS = 3  # a flowsheet field's label: at most this many words before its ":"
_QUESTION = frozenset({"?", "??", "???"})
_AFTER = "?after"


def line_questioned(text: str, at: int, sentence_end: int, notes: Sequence[TimeNote]) -> bool:
    """Whether a mention, with nothing but time expressions after it in its sentence, ends its line with a question
    mark written apart ("neck pain x 2 wks ?"; not "neck pain x 3 wks. PT ?", "neck pain x 3 wks - MRI ?"), or ends
    its line and the next line is only question marks ("neck pain x 2 wks.\n?")."""
    end = text.find("\n", at)
    line_end = len(text) if end < 0 else end
    rest = text[at : min(line_end, sentence_end)]
    for note in notes:
        if at <= note.start and note.end <= at + len(rest):
            rest = rest[: note.start - at] + " " * (note.end - note.start) + rest[note.end - at :]
    if re.search(r"[^\W_]", rest.rstrip(" ?\t.")):
        return False  # other words after the mention: the mark may question them
    if re.search(r"\s\?+\s*$", rest):
        return True
    if end < 0 or text[sentence_end:line_end].strip():
        return False
    following = text[end + 1 :].lstrip("\n")
    next_end = following.find("\n")
    return (following if next_end < 0 else following[:next_end]).strip() in _QUESTION


def mark_question_marks(doc: Any) -> None:
    """A question mark written against the word before it questions that word and ends the clause; one (or a run of
    them) that begins a line or follows a sentence's end ("Neck pain 2 wks. ? mets", "\n? discitis", "?? mets")
    begins a sentence and questions what follows."""
    for i, token in enumerate(doc):
        leading = token.text in _QUESTION and (i == 0 or doc[i - 1].is_space or doc[i - 1].text in (".", "!"))
        if leading:
            after = i + 1
            while after < len(doc) and (
                doc[after].text in _QUESTION or (doc[after].is_space and "\n" not in doc[after].text)
            ):
                after += 1  # "?? mets", "?  abscess": the run of marks (and spaces) is one mark
            if after < len(doc) and not doc[after].is_space:
                if i > 0:
                    token.is_sent_start = True
                for following in doc[i + 1 : after + 1]:
                    following.is_sent_start = False
                continue
        if token.text in _QUESTION and i > 0 and (doc[i - 1].whitespace_ == "" or doc[i - 1].norm_ == _AFTER):
            if doc[i - 1].text in _QUESTION and doc[i - 1].norm_ != _AFTER:
                continue
            token.norm_ = _AFTER
            if token.whitespace_ and i + 1 < len(doc) and doc[i + 1].text not in _QUESTION:
                doc[i + 1].is_sent_start = True


def open_sentences_at_boxes(doc: Any) -> None:
    """A sentence the sentencizer does not begin: at a box or bracket after a sentence's or a line's end ("Neck pain
    x 3 wks. [ ] History of cancer", "Plan: PT\n(-) cancer": it keeps marks after a full stop or a line break with
    the sentence before, so "[ ]" would not reach what it marks)."""
    for i, token in enumerate(doc):
        if token.text in _BOXES and i > 0 and _ends_a_line_or_sentence(doc[i - 1]):
            token.is_sent_start = True
            for following in doc[i + 1 :]:  # the sentencizer began the sentence at the first word after the marks
                if following.is_sent_start:
                    following.is_sent_start = False
                if not following.is_punct:
                    break


def _ends_a_line_or_sentence(token: Any) -> bool:
    """Whether a token ends a sentence (a full stop or "!" and a space) or a line."""
    return (token.text in (".", "!") and bool(token.whitespace_)) or (token.is_space and "\n" in token.text)


def field_starts_after(doc: Any, i: int) -> bool:
    """Whether token `i` is a run of spaces (no line break) before a flowsheet's next field ("Hx malignancy: none
    Bowel/bladder changes: No")."""
    return i + 1 < len(doc) and doc[i].is_space and "\n" not in doc[i].text and _field_label_at(doc, i + 1)


def _field_label_at(doc: Any, i: int) -> bool:
    """Whether a flowsheet field's label begins at token `i`: a capitalised word, at most `_FIELD_WORDS` words (and
    "/"), then ":" ("Bowel/bladder changes:"; not "but wife says:")."""
    if not doc[i].text[:1].isupper() or not doc[i].is_alpha:
        return False
    words = 0
    for token in doc[i:]:
        if token.text == ":":
            return True
        if token.text == "/":
            continue
        if not token.is_alpha or words == _FIELD_WORDS:
            return False
        words += 1
    return False
