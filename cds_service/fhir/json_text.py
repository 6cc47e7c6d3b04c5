"""Elements given as JSON text: `"subject": "{\"reference\": \"Patient/other\"}"`.

fhir.resources parses a string as JSON wherever it expects an object or a list, so such a resource validates and
reads as if the text were the element, while every check made on the JSON as sent sees a string (whose patient it
is, a date's shape). No FHIR string element holds JSON text: a resource that has one is refused or unreadable.
"""

from __future__ import annotations

from typing import Any

import orjson


def is_json_structure(text: str) -> bool:
    """Whether a string is the JSON text of an object or a list ("{...}", "[...]")."""
    if text[:1] not in ("{", "[") or text.rstrip()[-1:] not in ("}", "]"):
        return False
    try:
        return isinstance(orjson.loads(text), dict | list)
    except orjson.JSONDecodeError:
        return False


def json_text_element(value: Any, path: str = "") -> str | None:
    """The path of the first string in `value` that is the JSON text of an object or a list, or None."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((f"[{i}]", v) for i, v in enumerate(value))
    else:
        return path if isinstance(value, str) and is_json_structure(value) else None
    for key, item in items:
        where = f"{path}{key}" if key.startswith("[") else (f"{path}.{key}" if path else key)
        if found := json_text_element(item, where):
            return found
    return None
