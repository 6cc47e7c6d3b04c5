"""Client signing keys: static JWKS from the configuration, or fetched from an allow-listed `jku`.

Fetched key sets are cached per URL. A token with an unknown `kid` triggers one refetch (key rotation
works without a restart), at most once per `min_refresh` seconds per URL, so forged kids cannot make
the service hammer a client's JWKS endpoint. Fetches are bounded: timeout, size, no redirects.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import jwt
import requests

from cds_service.security.clients import TrustedClient

MAX_JWKS_BYTES = 256 * 1024


class KeyNotFound(Exception):
    """No usable key for this token; the message is for the log, never for the caller."""


class JwksCache:
    def __init__(self, session: requests.Session, timeout: float, min_refresh: float) -> None:
        self.session, self.timeout, self.min_refresh = session, timeout, min_refresh
        self._sets: dict[str, dict[str, Any]] = {}
        self._fetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def key(self, client: TrustedClient, kid: str, jku: str | None) -> jwt.PyJWK:
        """The client's signing key `kid` (static keys first, then the named or only allowed jku)."""
        static = client.kid_in_static_keys(kid)
        if static is not None:
            return _usable(static)
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
        return _usable(found)

    def _find(self, url: str, kid: str) -> dict[str, Any] | None:
        with self._lock:
            keys = self._sets.get(url, {}).get("keys", ())
        return next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)

    def _may_refresh(self, url: str) -> bool:
        with self._lock:
            last = self._fetched_at.get(url)
            if last is not None and time.monotonic() - last < self.min_refresh:
                return False
            self._fetched_at[url] = time.monotonic()
            return True

    def _fetch(self, url: str) -> None:
        try:
            with self.session.get(url, timeout=self.timeout, allow_redirects=False, stream=True) as response:
                if response.status_code != 200:
                    raise KeyNotFound(f"JWKS {url} answered HTTP {response.status_code}")
                body = response.raw.read(MAX_JWKS_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise KeyNotFound(f"JWKS {url} could not be fetched ({type(exc).__name__})") from None
        if len(body) > MAX_JWKS_BYTES:
            raise KeyNotFound(f"JWKS {url} is larger than {MAX_JWKS_BYTES} bytes")
        try:
            document = json.loads(body)
        except ValueError:
            raise KeyNotFound(f"JWKS {url} is not JSON") from None
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise KeyNotFound(f"JWKS {url} has no 'keys' list")
        with self._lock:
            self._sets[url] = document


def _usable(jwk: dict[str, Any]) -> jwt.PyJWK:
    if jwk.get("use", "sig") != "sig":
        raise KeyNotFound(f"key {jwk.get('kid')!r} is not a signing key (use={jwk.get('use')!r})")
    if jwk.get("kty") not in {"EC", "RSA", "OKP"}:
        raise KeyNotFound(f"key {jwk.get('kid')!r} is not an asymmetric key (kty={jwk.get('kty')!r})")
    try:
        return jwt.PyJWK(jwk)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
        raise KeyNotFound(f"key {jwk.get('kid')!r} cannot be used ({type(exc).__name__})") from None
