"""Make text from the EHR safe to put into card markdown (the CDS Hooks sandbox renders detail with raw HTML)."""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def escape(text: object) -> str:
    """The text as literal characters: HTML entities for < > &, backslashes before markdown syntax, and line
    breaks flattened (a chart string can neither start a heading or a list nor close a table row)."""
    flat = " ".join(str(text).split())
    return html.escape(_MARKDOWN.sub(r"\\\1", flat), quote=False)
