"""Request paths as integrators send them: a discovery URL given with a trailing slash makes the CDS Hooks sandbox
call `/cds-services//<id>`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

REPEATED_SLASHES = re.compile(r"/{2,}")
RAW_PATH = "cds_service.raw_path"  # the path as sent, before collapsing (the JWT audience may name it)


class CollapseSlashes:
    """WSGI middleware: repeated slashes in the path are served as one, without a redirect (a 308 answer to a CORS
    preflight fails silently in the browser). The path as sent stays in the environ under RAW_PATH."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        environ[RAW_PATH] = path
        if "//" in path:
            environ["PATH_INFO"] = REPEATED_SLASHES.sub("/", path)
        return self.app(environ, start_response)
