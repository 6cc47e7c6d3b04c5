"""Flask's JSON through orjson: a card response serialises in ~10 µs instead of ~100 µs."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import JSONProvider

from cds_service import json_bytes


class OrjsonProvider(JSONProvider):
    """`jsonify`, `request.get_json` and `app.json` backed by orjson (field order kept, no key sorting)."""

    mimetype = "application/json"

    def dumps(self, obj: Any, **_kwargs: Any) -> str:
        return json_bytes.dumps(obj).decode()

    def loads(self, s: str | bytes, **_kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        body = json_bytes.dumps(self._prepare_response_obj(args, kwargs))
        return self._app.response_class(body, mimetype=self.mimetype)
