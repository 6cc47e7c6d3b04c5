"""Which FHIR servers the service may call (SSRF protection): an allow-list of base-URL prefixes.

A `fhirServer` is allowed when it starts with a configured prefix (CDS_FHIR_ALLOWED_SERVERS or the
calling client's `fhir_servers`) at a path boundary; in development mode loopback servers are allowed
too. Production mode requires https. Only http(s) URLs without credentials are ever considered.

Paths are compared after RFC 3986 normalisation (percent-encoded unreserved characters decoded, dot
segments removed), and a `fhirServer` that could mean another path to some server or library is refused
outright: dot segments (also percent-encoded), a query or fragment, backslashes, encoded slashes,
whitespace or control characters. So `https://fhir.example.org/r4/../admin` never passes for
`https://fhir.example.org/r4`, and the access token never goes there.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from cds_service.bounded_http import has_dot_segment
from cds_service.security.clients import TrustedClient


class ServerNotAllowed(Exception):
    """The request names a FHIR server this service must not call; the message says why."""


class FhirServerPolicy:
    def __init__(self, allowed: str, production: bool) -> None:
        self.production = production
        self.allowed = tuple(_normal(p.strip()) for p in allowed.split(",") if p.strip())

    def check(self, url: str, client: TrustedClient | None) -> None:
        _refuse_ambiguous(url)
        parts = _split(url)
        try:
            port = parts.port  # raises on a malformed port
        except ValueError:
            raise ServerNotAllowed("fhirServer has an invalid port") from None
        if port == 0:  # (no server listens there; the allow-list would read it as the default port)
            raise ServerNotAllowed("fhirServer has an invalid port")
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ServerNotAllowed(f"fhirServer must be an http(s) URL, not {parts.scheme or 'schemeless'}")
        if parts.username or parts.password:
            raise ServerNotAllowed("fhirServer must not carry credentials in the URL")
        if self.production and parts.scheme != "https":
            raise ServerNotAllowed("fhirServer must use https in production mode")
        if not self.production and _loopback(parts.hostname):
            return
        target = _normal(url)
        prefixes = self.allowed + tuple(_normal(p.strip()) for p in (client.fhir_servers if client else ()))
        if not any(target == p or target.startswith(p.rstrip("/") + "/") for p in prefixes):
            raise ServerNotAllowed(
                f"fhirServer {parts.scheme}://{parts.netloc[:100]} is not on this service's allow-list "
                "(CDS_FHIR_ALLOWED_SERVERS or the client's fhir_servers); send the data as prefetch, "
                "or ask the operator to allow the server"
            )


_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]|%(?:2f|5c|00)", re.IGNORECASE)
_ENCODED_UNRESERVED = re.compile(r"%(2[dDeE]|[46][1-9a-fA-F]|[57][0-9aA]|3[0-9]|5[fF]|7[eE])")


def _refuse_ambiguous(url: str) -> None:
    """ServerNotAllowed for a fhirServer whose path a server or HTTP library could read as another path."""
    if "?" in url or "#" in url:
        raise ServerNotAllowed("fhirServer must be a base URL, without a query or fragment")
    if _UNSAFE.search(url) or not _printable(url):
        raise ServerNotAllowed("fhirServer has a backslash, an encoded slash, whitespace or a control character")
    if has_dot_segment(_split(url).path):
        raise ServerNotAllowed("fhirServer has dot segments ('.' or '..') in its path")


def _printable(url: str) -> bool:
    """No Unicode whitespace, control or format character (U+2028, U+00A0, U+200B...): text that a comparison
    could strip or ignore while the HTTP library sends it on, percent-encoded, as another path."""
    return url.isprintable() and not any(ch.isspace() for ch in url)


def _split(url: str) -> SplitResult:
    """urlsplit, with a string it refuses (an unclosed IPv6 bracket: "https://[x/r4") as ServerNotAllowed."""
    try:
        return urlsplit(url)
    except ValueError:
        raise ServerNotAllowed("fhirServer is not a valid URL") from None


def _normal(url: str) -> str:
    """scheme://host:port/path, lower-case scheme and host, default port, RFC 3986 path normalisation.

    Never stripped here: a fhirServer with surrounding whitespace is refused before (_refuse_ambiguous).
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = remove_dot_segments(_ENCODED_UNRESERVED.sub(lambda m: chr(int(m.group(1), 16)), parts.path))
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}{path.rstrip('/')}"


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: the path with `.` and `..` segments resolved (never above the root)."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if path.endswith(("/.", "/..")):
        output.append("")
    return "/".join(output)


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
