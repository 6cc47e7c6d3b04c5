"""Client signing keys: static JWKS from the configuration, or fetched from an allow-listed `jku`.

Fetched key sets are cached per URL for the time the answer's `Cache-Control: max-age` allows, kept
between `MIN_AGE` and `max_age` (default 15 minutes; the same when the header is absent), so a key the
client withdraws stops being trusted within that time. A token with an unknown `kid`, or one that
arrives after its set expired, triggers a refetch (key rotation works without a restart), at most once
per `min_refresh` seconds per URL, so forged kids cannot make the service hammer a client's JWKS
endpoint or hold its workers. Fetches are bounded as a whole (one deadline for connecting and reading
the answer), capped in size, never redirected; every failure is a KeyNotFound (401). An expired set
that cannot be fetched again is not used.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

from cds_service.bounded_http import ReadError, read_body
from cds_service.security.clients import TrustedClient

MAX_JWKS_BYTES = 256 * 1024
MIN_AGE = 60.0  # seconds a fetched key set is kept at least, whatever its Cache-Control says
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\b", re.IGNORECASE)


class KeyNotFound(Exception):
    """No usable key for this token; the message is for the log, never for the caller."""


class JwksCache:
    def __init__(
        self,
        session: requests.Session,
        timeout: float,
        min_refresh: float,
        max_age: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`timeout`: a whole fetch; `max_age`: the longest a fetched set is trusted (seconds)."""
        self.session, self.timeout, self.min_refresh = session, timeout, min_refresh
        self.max_age, self.clock = max(MIN_AGE, max_age), clock
        self._sets: dict[str, tuple[dict[str, Any], float]] = {}  # url -> (key set, expires at)
        self._fetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def key(self, client: TrustedClient, kid: str, jku: str | None, alg: str) -> jwt.PyJWK:
        """The client's signing key `kid` (static keys first, then the named or only allowed jku), for the token's
        `alg` (one the client may use: checked before)."""
        static = client.kid_in_static_keys(kid)
        if static is not None:
            return _usable(static, alg)
        if jku is not None and jku not in client.jku:
            raise KeyNotFound(f"jku {jku!r} is not on the allow-list of {client.iss}")
        url = jku or (client.jku[0] if len(client.jku) == 1 else None)
        if url is None:
            raise KeyNotFound(f"kid {kid!r} is not among the static keys of {client.iss} and the token names no jku")
        found = self._find(url, kid)
        if found is None and self._may_refresh(url):
            self._fetch(url)
            found = self._find(url, kid)
        if found is None:
            raise KeyNotFound(f"kid {kid!r} is not in the JWKS at {url}")
        return _usable(found, alg)

    def _find(self, url: str, kid: str) -> dict[str, Any] | None:
        """The key `kid` of the cached set at `url`, unless that set has expired."""
        with self._lock:
            document, expires_at = self._sets.get(url, ({}, 0.0))
        if self.clock() >= expires_at:
            return None
        keys = document.get("keys", ())
        return next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)

    def _may_refresh(self, url: str) -> bool:
        with self._lock:
            last = self._fetched_at.get(url)
            if last is not None and self.clock() - last < self.min_refresh:
                return False
            self._fetched_at[url] = self.clock()
            return True

    def _fetch(self, url: str) -> None:
        """Fetch the set at `url` within `timeout` as a whole; KeyNotFound for any failure."""
        deadline = time.monotonic() + self.timeout
        try:
            with self.session.get(url, timeout=self.timeout, allow_redirects=False, stream=True) as response:
                if response.status_code != 200:
                    raise KeyNotFound(f"JWKS {url} answered HTTP {response.status_code}")
                body = read_body(response, MAX_JWKS_BYTES, deadline)
                lifetime = self._lifetime(response.headers.get("Cache-Control", ""))
            document = json.loads(body)
        except KeyNotFound:
            raise
        except ReadError as exc:
            raise KeyNotFound(f"JWKS {url}: the answer was {exc}") from None
        except Exception as exc:  # connection, protocol, decoding, JSON: never a 500
            raise KeyNotFound(f"JWKS {url} could not be fetched ({type(exc).__name__})") from None
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise KeyNotFound(f"JWKS {url} has no 'keys' list")
        with self._lock:
            self._sets[url] = (document, self.clock() + lifetime)

    def _lifetime(self, cache_control: str) -> float:
        """Seconds to trust a fetched set: its max-age, between MIN_AGE and `max_age` (that when absent)."""
        if _NO_CACHE.search(cache_control):
            return MIN_AGE
        found = _MAX_AGE.search(cache_control)
        return min(self.max_age, max(MIN_AGE, float(found.group(1)))) if found else self.max_age


def _usable(jwk: dict[str, Any], alg: str) -> jwt.PyJWK:
    """The key as PyJWT uses it. An RSA key published without `alg` (RFC 7517: optional) is read for the token's
    RS/PS algorithm (PyJWT would read it as RS256 and refuse an RS384 token); any other key's algorithm is its own
    (`alg`, or an EC key's curve), and a token of another algorithm fails in PyJWT."""
    if jwk.get("use", "sig") != "sig":
        raise KeyNotFound(f"key {jwk.get('kid')!r} is not a signing key (use={jwk.get('use')!r})")
    if jwk.get("kty") not in {"EC", "RSA", "OKP"}:
        raise KeyNotFound(f"key {jwk.get('kid')!r} is not an asymmetric key (kty={jwk.get('kty')!r})")
    algorithm = alg if jwk.get("kty") == "RSA" and "alg" not in jwk and alg.startswith(("RS", "PS")) else None
    try:
        return jwt.PyJWK(jwk, algorithm)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
        raise KeyNotFound(f"key {jwk.get('kid')!r} cannot be used ({type(exc).__name__})") from None
