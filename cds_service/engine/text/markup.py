"""What rich text leaves in a text, read as the words it marks: HTML tags and character references, RTF's control
words, and the answers chosen in an Epic SmartList.

An order's reason or note may come from a rich-text field ("<p>neck pain x 3 wks</p><p>Hx: breast cancer</p>",
"Denies fever,&nbsp;weight loss"): read as they are, the marks glue words together and split a sentence's lists.
Each is replaced by characters of the same length, so every mention's offset stays and its quote shows the text as
sent: a tag that ends a line or a block (`<br>`, `</p>`, `<li>`) by spaces and a line break, a table's cell by a tab
(a column's edge), any other known tag by spaces; a character reference by its character and spaces; RTF's control
words (`\\par`, `\\tab`, `\\b`, `{\\rtf1\\ansi ...}`) by line breaks, tabs and spaces; a SmartList's chosen
answers (`{RADIATION:12345::"right arm","left arm"}`) by its brace, its label, its answers' words and a field's
separator. An unfilled SmartList (`{RADIATION:12345}`) stays as it is. A finding a SmartList answers stays uncertain
(`answer_boxes`).
"""

from __future__ import annotations

import html
import re

_BLOCK_TAGS = "br|p|div|li|ul|ol|tr|table|tbody|thead|h[1-6]|hr|pre|blockquote|dl|dt|dd|section|article"
_CELL_TAGS = "td|th"
_INLINE_TAGS = "span|b|i|u|s|strong|em|font|sup|sub|a|code|small|big|mark|center|abbr|cite|q|ins|del"
_TAG = re.compile(
    rf"<(?P<close>/?)(?:(?P<block>{_BLOCK_TAGS})|(?P<cell>{_CELL_TAGS})|{_INLINE_TAGS})(?:\s[^<>]{{0,200}})?\s*/?>",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_RTF_BREAK = re.compile(r"\\(?:par|line|row)(?![a-z]) ?")  # an RTF paragraph or line: a line break
_RTF_TAB = re.compile(r"\\(?:tab|cell)(?![a-z]) ?")  # an RTF tab or table cell: a tab
_RTF_WORD = re.compile(r"\\[a-z]{1,32}(?:-?[0-9]{1,10})? ?|\\[{}*~_-]")  # another control word or symbol
_APART = frozenset("–—|•·")  # decoded marks that stand apart from the word before them
_SMARTLIST = re.compile(r'\{(?P<label>[^{}:"\n]{1,80}):(?P<id>[0-9]{1,12})::(?P<answers>(?:"[^"{}\n]*",?)+)\}')


def plain(text: str) -> str:
    """`text` with its markup replaced (see the module's docstring); the same length."""
    if "<" in text:
        text = _TAG.sub(_tag, text)
    if "&" in text:
        text = _REFERENCE.sub(_reference, text)
    if "::" in text:
        text = _SMARTLIST.sub(_smartlist, text)
    if "\\" in text:
        text = _rtf(text)
    return text


def _rtf(text: str) -> str:
    """RTF's paragraphs as line breaks, its other control words as spaces, and a document's braces as spaces."""
    document = text.lstrip().startswith("{\\rtf")
    text = _RTF_BREAK.sub(lambda found: " " * (len(found.group()) - 1) + "\n", text)
    text = _RTF_TAB.sub(lambda found: "\t" + " " * (len(found.group()) - 1), text)
    text = _RTF_WORD.sub(lambda found: " " * len(found.group()), text)
    return text.replace("{", " ").replace("}", " ") if document else text


_ITEM_ENDS = frozenset(("li", "dt", "dd", "tr"))  # a list's item or a table's row: the next one's tag breaks the line


def _tag(found: re.Match[str]) -> str:
    width = found.end() - found.start()
    if found.group("block") and found.group("close") and found.group("block").lower() in _ITEM_ENDS:
        return " " * width  # ("</li><li>": one line break, not a blank line between a list's items: review 54)
    if found.group("block"):
        return " " * (width - 1) + "\n"  # (a line break after spaces: the next line begins at its first word)
    if found.group("cell"):
        return "\t" + " " * (width - 1)  # (a table's cell: a column's edge, as a tab is)
    return " " * width


def _reference(found: re.Match[str]) -> str:
    """Its character and spaces; a no-break space stays one (two or more together may pad a column: `spacing.py`),
    and a dash or a bar glued to the word before stands apart ("trauma&ndash; weakness": "trauma – weakness")."""
    written = found.group()
    character = html.unescape(written)
    if character == written or len(character) != 1:
        return written  # not a reference HTML knows ("&fever;")
    if character.isspace() and character != "\u00a0":
        character = " "
    start = found.start()
    if character in _APART and start > 0 and found.string[start - 1].isalnum():
        return " " + character + " " * (len(written) - 2)
    return character + " " * (len(written) - 1)


def _smartlist(found: re.Match[str]) -> str:
    """`{LABEL:        right arm | left arm |`: the label and its answers' words, the rest spaces (the brace stays: a
    finding the SmartList answers is uncertain, as after a box, whichever answer is chosen; the closing one is a
    field's separator)."""
    head = "{" + found.group("label") + ":" + " " * (len(found.group("id")) + 2)
    answers = found.group("answers").replace('","', " | ").replace('"', " ")  # (each answer a field of its own)
    return head + answers + "|"  # (a field's end: a denial among its answers reaches nothing after it)
