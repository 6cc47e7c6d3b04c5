"""Make text from the EHR safe to put into card markdown (the CDS Hooks sandbox renders detail with raw HTML)."""

from __future__ import annotations

import html
import re

_INLINE = re.compile(r"([\\`*_\[\]()|~])")  # emphasis, code, links and images, table cells, strike-through
# a heading, list item or numbered item at line start (a quote's ">" becomes "&gt;", which starts no quote: escaped
# once more it read "\&gt;", and a card showed the words "&gt; 1 yr": a forty-second review)
_BLOCK_START = re.compile(r"^([#+\-]|\d+[.)])")


def escape(text: object) -> str:
    """The text as literal characters: HTML entities for < > &, backslashes before markdown syntax, and line
    breaks flattened (a chart string can neither start a heading or a list nor close a table row). Characters
    that are syntax only at a line's start (`-`, `.`, `#`) are escaped only there, so codes and dates stay
    readable in the raw text."""
    flat = " ".join(str(text).split())
    inline = _BLOCK_START.sub(r"\\\1", _INLINE.sub(r"\\\1", flat))
    return html.escape(inline, quote=False)
