"""Outbound HTTP that holds no state between callers and reads every answer within a deadline.

requests' timeout bounds each socket read, not a whole answer: a server that sends one byte just
before every timeout holds the caller indefinitely. `read_body` reads what has arrived (urllib3's
read1), sets the socket's timeout to the time left before each read, and stops at the deadline.
`cookieless_session` refuses cookies: one session serves many callers, and a FHIR server's
session cookie set during one user's call must never travel with another's.
"""

from __future__ import annotations

import time
from http.cookiejar import DefaultCookiePolicy

import requests

CHUNK = 65536


class ReadError(Exception):
    """The answer could not be read whole in time and within the size cap; the message says which."""


def cookieless_session() -> requests.Session:
    """A session (connection pool) whose cookie jar accepts and sends no cookie."""
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


def read_body(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    """The whole (decoded) body of a streamed response, by `deadline` (time.monotonic) and at most `max_bytes`."""
    raw = response.raw
    chunks, size = [], 0
    try:
        while True:
            _set_timeout(raw, deadline)
            chunk = raw.read1(CHUNK, decode_content=True)  # what has arrived, at most one socket read
            if not chunk:
                break  # the end (a body cut short raises instead: urllib3 checks Content-Length)
            size += len(chunk)
            if size > max_bytes:
                raise ReadError(f"larger than {max_bytes} bytes")
            chunks.append(chunk)
    except ReadError:
        raise
    except Exception as exc:  # urllib3 and socket errors (timeouts included) are not RequestExceptions here
        if time.monotonic() >= deadline:
            raise ReadError("not complete before the deadline") from None
        raise ReadError(f"reading failed ({type(exc).__name__})") from None
    return b"".join(chunks)


def _set_timeout(raw: object, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ReadError("not complete before the deadline")
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(left)
