"""Letters written with other characters that look the same, read as the letters they stand for.

Text pasted from a word processor, a web page or another input method hides words from a reader that compares
letters: "ｂreast ｃancer" (full-width letters of a CJK input method), "Pаcemaker" (a Cyrillic "а" among Latin
letters), "Breast can\\u00adcer" (a soft hyphen), "\\u200fBreast cancer" (a right-to-left mark). A missed red flag
makes a warning, a missed implant a contraindicated suggestion (a thirty-third review), so:

- `folded`: a letter or digit whose compatibility form (NFKC) is one ASCII character is that character ("ｂ" → "b",
  "𝐁" → "B", "０" → "0"), a letter with accents its base letter ("é" → "e"), and in a word that mixes Latin letters
  with Cyrillic or Greek ones, each of those that looks like a Latin letter is that letter ("cаncer" → "cancer"). One
  character for one: offsets into the text stay where they were, so the words read can be quoted as written. A word
  of Cyrillic or Greek letters alone is left as it is.
- `INVISIBLE`: the format characters that join or split no words as read (zero-width spaces and joiners, the soft
  hyphen, direction marks and embeddings, the byte-order mark), and `COMBINING`, accents typed after their letter;
  the text reader drops them (`spacing.py`).
- `searchable`: for words compared without offsets (a Device's or an allergy's name, an order's words), both, and
  without accents ("Pacemáker": the lists of these words are English).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x061C, 0x061C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
)
INVISIBLE = frozenset(chr(c) for first, last in _INVISIBLE_RANGES for c in range(first, last + 1))
COMBINING = frozenset(chr(c) for c in range(0x0300, 0x0370))  # accents typed after their letter ("cance\u0301r")
_INVISIBLE = re.compile(f"[{''.join(sorted(INVISIBLE))}]+")
OTHER_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # spaces other than " " (a character class's body)
_OTHER_SPACES = re.compile(f"[{OTHER_SPACES}]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_MIXED_WORD = re.compile(r"[^\W\d_]*[a-zA-Z][^\W\d_]*")  # a run of letters with a Latin one in it
_FOLDED_KINDS = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"})
# Cyrillic and Greek letters drawn as a Latin one (Unicode's confusables, the letters of a Latin word only). A Greek
# one only between two Latin letters: at a word's end or start it is more often the Greek letter meant ("TNFα",
# "IL-1β": a thirty-fourth review)
_CYRILLIC = dict(zip("аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХІЈЅԚԜ", "aeopcyxijsdqwhlABEKMHOPCTXIJSQW", strict=True))
_GREEK = dict(zip("οαικνρτυχεϲΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹ", "oaikvptuxecABEZHIKMNOPTYXC", strict=True))
_LOOK_ALIKE_LETTERS = frozenset(_CYRILLIC) | frozenset(_GREEK)
# letters joined in one character, as text pasted from a PDF has them ("neurologic deﬁcit"): ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ, read as
# their letters (the text reader maps them back: `spacing.py`)
LIGATURES = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}


def folded(text: str) -> str:
    """The text with its look-alike letters and digits as ASCII, one character for one (see the module)."""
    if text.isascii():
        return text
    text = _NOT_ASCII.sub(_fold_match, text)
    if text.isascii():
        return text
    return _MIXED_WORD.sub(_latin_word, text)


def read_otherwise(text: str, read: str) -> list[int]:
    """The offsets of `text` whose character is read as another in `read` (its `folded` form: a look-alike or an
    accented letter), or dropped or spread by the reader (an accent typed after its letter, a ligature): a word there
    may have been read as another word of the lexicon ("nó" as "no"), so what it says is uncertain (reader.py)."""
    if text.isascii():
        return []
    return [i for i, (a, b) in enumerate(zip(text, read, strict=True)) if a != b or a in COMBINING or a in LIGATURES]


def searchable(text: str) -> str:
    """The text in its compatibility forms (NFKD) without accents ("Pacemáker"), invisible format characters or other
    spaces (a space), and its look-alike letters as Latin ones: for words compared as the lists write them, with no
    offsets to keep."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", _OTHER_SPACES.sub(" ", _INVISIBLE.sub("", text)))
    return folded("".join(c for c in text if not unicodedata.combining(c)))


def _fold_match(found: re.Match[str]) -> str:
    return _fold(found.group())


@lru_cache(maxsize=4096)
def _fold(character: str) -> str:
    """A letter or digit as the ASCII one it stands for: its compatibility form ("ｂ"), or its base letter without
    its accents ("é", "ñ": the lexicon is English, its Spanish words are written without accents too)."""
    if unicodedata.category(character) not in _FOLDED_KINDS:
        return character
    compatible = unicodedata.normalize("NFKC", character)
    if len(compatible) == 1 and compatible.isascii():
        return compatible
    base, *marks = unicodedata.normalize("NFKD", character)
    return base if base.isascii() and base.isalpha() and all(unicodedata.combining(m) for m in marks) else character


def _latin_word(found: re.Match[str]) -> str:
    word = found.group()
    if word.isascii() or not any(c in _LOOK_ALIKE_LETTERS for c in word):
        return word
    return "".join(_latin(word, i) for i in range(len(word)))


def _latin(word: str, i: int) -> str:
    """The word's i-th letter, a look-alike as the Latin letter it looks like (a Greek one between Latin letters)."""
    letter = word[i]
    if letter in _CYRILLIC:
        return _CYRILLIC[letter]
    if letter in _GREEK and 0 < i < len(word) - 1 and word[i - 1].isascii() and word[i + 1].isascii():
        return _GREEK[letter]
    return letter
