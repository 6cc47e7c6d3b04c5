"""JSON serialisation for the whole service: orjson (~10x the standard library), with the standard
library taking over for what orjson refuses (integers beyond 64 bits), so no value is ever lost."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON bytes; non-JSON values as `str(value)`, non-string keys as strings."""
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(value, default=str, option=option)
    except TypeError:
        return json.dumps(value, default=str, sort_keys=sort_keys, separators=(",", ":")).encode()
