"""The server's front door: each request body is read in full, within a deadline and a size cap, before
the Flask (WSGI) app sees the request.

Why not granian's WSGI interface: it calls the app as soon as the headers are in, and the app's read of
the body blocks that worker's Python thread, with no timeout, for as long as the client takes (four
clients sending a byte every few seconds held every worker). It also hands over a chunked body that
was cut short (no final 0-chunk) as if it were complete. Through granian's ASGI interface the body is
read by the worker's event loop (hyper and tokio underneath), where a slow client costs a coroutine and
not a thread: it gets 408 when the deadline passes, and a body that ends early is never processed (a 400,
if the client is still there to read it).
Only complete requests reach the app, so the app never waits for a client. With one app thread per
worker (`CDS_THREADS=1`, the default) the app runs on the event loop's own thread, one request at a
time as before (no hand-over between threads: ~0.1 ms of CPU less per request); with more, on a pool
of that many threads.

asgiref's WsgiToAsgi reads the body with neither a deadline nor a cap; a2wsgi starts the WSGI app
before the body is in. This adapter is the part of them we need, plus those two limits.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from cds_service import collector
from cds_service.api.auth import SECURITY_HEADERS

log = logging.getLogger("cds_service.http")

Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Refused(Exception):
    """The request cannot be read: answered with `status` and `message`, then the connection is closed."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class _Gone(Exception):
    """The client went away (or its body ended before it was complete): nothing to process or answer."""


class BodyFirst:
    """ASGI app: read the whole body (deadline, size cap), then run the WSGI app (on the loop's thread, with the
    garbage collector paused, when `threads` is 1; else on a pool of that many)."""

    def __init__(self, app: WsgiApp, *, max_body: int, body_timeout: float, threads: int) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="app") if threads > 1 else None

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            body = await self._body(scope, receive)
        except _Refused as refused:
            await _send(send, *_refusal(refused))
            return
        except _Gone:
            log.info("request body incomplete: client gone or body cut short; not processed")
            await _tell_incomplete(send)
            return
        environ = wsgi_environ(scope, body)
        if self.pool is None:
            status, headers, content = answer(self.app, environ)  # on the loop: one request at a time
        else:  # several at a time: the collector is left on (collector.paused)
            loop = asyncio.get_running_loop()
            status, headers, content = await loop.run_in_executor(self.pool, _run_wsgi, self.app, environ)
        await _send(send, status, headers, content)

    async def _body(self, scope: dict[str, Any], receive: Receive) -> bytes:
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            raise _Refused(413, f"the request body is larger than {self.max_body} bytes", "too-costly")
        try:
            async with asyncio.timeout(self.body_timeout):  # no extra task, unlike wait_for
                return await self._read(receive)
        except TimeoutError:
            raise _Refused(
                408, f"the request body did not arrive within {self.body_timeout:g} seconds", "timeout"
            ) from None

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # http.disconnect: gone, or the body broke off
                raise _Gone()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise _Refused(413, f"the request body is larger than {self.max_body} bytes", "too-costly")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    return next((v.decode("latin-1").strip() for k, v in scope["headers"] if k.lower() == name), None)


def wsgi_environ(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of a request whose body has been read (PEP 3333; headers joined as granian does)."""
    server = scope.get("server") or ("127.0.0.1", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": (scope.get("client") or ("", 0))[0],
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").upper().replace("-", "_"), raw_value.decode("latin-1")
        if name == "CONTENT_LENGTH":
            continue  # the body as read is what counts
        key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def answer(app: WsgiApp, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request through the WSGI app as a worker with one app thread runs it: with the garbage collector
    paused (collector.py)."""
    with collector.paused():
        return _run_wsgi(app, environ)


def _run_wsgi(app: WsgiApp, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Call the WSGI app (on the loop's thread or a pool thread); its status, headers and whole body."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], _exc_info: Any = None) -> Callable[..., None]:
        started[:] = [int(status.split(" ", 1)[0]), headers]
        return lambda _data: None

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return started[0], started[1], content


def _refusal(refused: _Refused) -> tuple[int, list[tuple[str, str]], bytes]:
    issue = {"severity": "error", "code": refused.code, "diagnostics": refused.message}
    body = orjson.dumps({"resourceType": "OperationOutcome", "issue": [issue]})
    headers = [("Content-Type", "application/json"), ("Connection", "close"), *SECURITY_HEADERS.items()]
    return refused.status, headers, body


INCOMPLETE = _Refused(
    400, "the request body is malformed or ended before it was complete (bad chunk, connection half-closed)", "invalid"
)


async def _tell_incomplete(send: Send) -> None:
    """400 for a body that broke off, if the client can still read it (a bad chunk size, a half-close): without an
    answer the server would send its own plain-text 500. A client that is gone cannot be told anything."""
    try:
        await _send(send, *_refusal(INCOMPLETE))
    except (OSError, RuntimeError) as exc:  # granian drops the answer silently; other servers raise one of these
        log.info("request body incomplete: no answer sent", extra={"error": type(exc).__name__})


async def _send(send: Send, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": encoded})
    await send({"type": "http.response.body", "body": body})
