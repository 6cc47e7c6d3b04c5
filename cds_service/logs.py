"""Structured JSON logs on stderr. Only what is passed in `extra` is added: never tokens or chart content."""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC, datetime

from cds_service.json_bytes import dumps

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return dumps(entry).decode()


def _request_id() -> str | None:
    """The id of the HTTP request being served (set by the API layer), if any."""
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - the engine can run without Flask
        return None
    return g.get("request_id") if has_request_context() else None


# Libraries whose DEBUG lines carry what the service never logs: urllib3 writes each FHIR request's URL, and a
# search URL names the patient (`patient=<id>`; a thirty-seventh review found 230 such lines in one run).
QUIET_LIBRARIES = ("urllib3",)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


def frames(error: BaseException, limit: int = 8) -> list[str]:
    """`file:line function` of the innermost frames: enough to find a bug, no exception message."""
    return [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in traceback.extract_tb(error.__traceback__)][
        -limit:
    ]
