"""JSON Schema checks of request bodies: a compiled validator for the common (valid) case, the
reference implementation (jsonschema) for the message when a body is refused.

fastjsonschema compiles a schema to Python code (~7 µs per hook request instead of ~110 µs);
tests/api/test_validation.py checks on generated documents that both validators agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).parent / "schemas"


def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@cache
def reference_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_schema(name))


@cache
def compiled_validator(name: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(_schema(name))


def prepare_validators() -> None:
    """Check and compile every request schema now (at start-up, before workers fork), not on first use."""
    for path in SCHEMAS.glob("*.schema.json"):
        Draft202012Validator.check_schema(reference_validator(path.name).schema)
        compiled_validator(path.name)


def schema_problem(document: Any, schema: str) -> str | None:
    """The first schema violation as 'path: message', or None."""
    try:
        compiled_validator(schema)(document)
        return None
    except fastjsonschema.JsonSchemaException:
        pass
    errors = reference_validator(schema).iter_errors(document)
    error = next(iter(sorted(errors, key=lambda e: list(e.absolute_path))), None)
    if error is None:
        return None  # the reference implementation decides
    path = "/".join(str(p) for p in error.absolute_path) or "(body)"
    if any(part in _SECRET for part in error.absolute_path) or (error.validator == "required" and _holds_secret(error)):
        # jsonschema's message quotes the value: never an access token, even back to its sender (it may log it)
        return f"{path}: does not satisfy the schema's '{error.validator}' rule"
    return f"{path}: {error.message[:300]}"


_SECRET = frozenset({"fhirAuthorization"})


def _holds_secret(error: Any) -> bool:
    """Whether the instance an error quotes holds a secret element."""
    return isinstance(error.instance, dict) and not _SECRET.isdisjoint(error.instance)
