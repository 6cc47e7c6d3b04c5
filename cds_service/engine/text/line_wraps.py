"""Lines broken inside a sentence: a text wrapped at a fixed width by an EHR, an interface or a fax.

"Patient denies fever, weight loss, or history of\\ncancer." is one sentence; read as two, the denial would not
reach the cancer. Such a line break is read as a space (the text keeps its length, so every offset stays) when the
line before it ends with a comma or a word that cannot end a statement (lexicon.yaml `line_wraps.joining_words`:
"of", "or", "with"), when the next line begins with one in small letters ("hx\\nof cancer"), or when that line is
as long as a wrapped line (`min_wrapped_chars`), ends with a word and the next line begins with a small letter. A
line that ends with . ! ? : ; is never joined, nor one before a blank line, an indented line, a list item ("- ",
"2)") or a field ("Fever: no"): templates and lists keep their lines. A joined break still stops a negation's list
(the reader takes it as an edge): what it reaches past one is uncertain.
"""

from __future__ import annotations

import re

from cds_service.knowledge.model import LineWraps

_BREAK = re.compile(r"(?<=[^\n\r])\r?\n(?=[^\s])")  # one line break between two non-blank lines
_ITEM = re.compile(r"(?:[-*•·+>]|\d{1,2}[.)]|[a-z][.)])\s")  # "- fever", "2) fever", "a. fever"
_FIELD = re.compile(r"[^\s:=]+(?:[ \t]+[^\s:=]+){0,2}[ \t]*[:=]")  # "Fever: no", "Hx of cancer: none"
_LAST_WORD = re.compile(r"[\w/&'-]+$")


def unwrapped(text: str, wraps: LineWraps) -> tuple[str, frozenset[int]]:
    """`text` with each line break inside a sentence replaced by spaces (the same length), and the offsets of those
    breaks: a negation's list does not cross one (it may be a wrap, or the next line a statement of its own: "denies
    fever and\nbreast cancer dx 2019 on tamoxifen"), so what it reaches there is uncertain, not denied."""
    if "\n" not in text:
        return text, frozenset()
    pieces: list[str] = []
    joined: list[int] = []
    done = 0
    for found in _BREAK.finditer(text):
        if _joins(text, found.start(), found.end(), wraps):
            pieces += [text[done : found.start()], " " * (found.end() - found.start())]
            joined.append(found.start())
            done = found.end()
    return (text, frozenset()) if not pieces else ("".join(pieces) + text[done:], frozenset(joined))


def _joins(text: str, start: int, end: int, wraps: LineWraps) -> bool:
    """Whether the line break text[start:end] is inside a sentence (see the module's docstring)."""
    line = text[text.rfind("\n", 0, start) + 1 : start].rstrip()
    following = text[end : _line_end(text, end)]
    if not line or line[-1] in ".!?:;" or _ITEM.match(following) or _FIELD.match(following):
        return False
    if line[-1] == ",":
        return True
    last = _LAST_WORD.search(line)
    if last is None:
        return False
    if last.group().lower() in wraps.joining_words:
        return True
    first = following.split(maxsplit=1)[0]
    if first.islower() and first in wraps.joining_words:  # ("Pt denies fever, hx\nof cancer", "bowel\nor bladder")
        return True
    return len(line) >= wraps.min_wrapped_chars and following[0].islower()


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end
