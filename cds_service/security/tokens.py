"""Verify the JWT a CDS client sends (CDS Hooks 2.0 §Trusting CDS Clients), with PyJWT.

Checks, in order: a Bearer JWT with header `typ: JWT`, `kid` and an asymmetric `alg` the client may use;
`iss` is a trusted client; the signature against that client's key; `aud` is this endpoint's public
URL; `exp`, `iat` (with leeway; lifetime at most the configured maximum); `tenant` when the client has
tenants; `jti` never seen before. Any failure is an AuthError whose reason goes to the log only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from cds_service.security.clients import TrustedClient
from cds_service.security.jwks import JwksCache, KeyNotFound

ASYMMETRIC = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}


class AuthError(Exception):
    """The caller is not authenticated. `reason` is logged; the caller only gets a bare 401. Both may quote what an
    unauthenticated caller wrote (a header's typ, a kid, an untrusted iss): they are logged printable and short."""

    def __init__(self, reason: str, iss: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.iss = loggable(reason, 240), (loggable(iss, 120) if iss is not None else None)


def loggable(text: str, limit: int) -> str:
    """`text` as a log may hold it: control and non-ASCII characters as "?", at most `limit` characters (then its
    length), so a caller cannot write lines or megabytes into the log through a token it signed or made up."""
    safe = "".join(c if " " <= c <= "~" else "?" for c in text[:limit])
    return safe if len(text) <= limit else f"{safe}... ({len(text)} characters)"


@dataclass(frozen=True)
class Caller:
    """An authenticated CDS client."""

    client: TrustedClient
    tenant: str | None
    jti: str


class TokenVerifier:
    def __init__(
        self,
        clients: dict[str, TrustedClient],
        keys: JwksCache,
        claim_jti: Callable[[str, str, float], bool],
        leeway: int,
        max_lifetime: int,
    ) -> None:
        self.clients, self.keys, self.claim_jti = clients, keys, claim_jti
        self.leeway, self.max_lifetime = leeway, max_lifetime

    def verify(self, authorization: str | None, audience: str) -> Caller:
        """The authenticated caller; AuthError (reason for the log) when any check fails."""
        token = _bearer(authorization)
        header, unverified = _unverified(token)
        client = self._client(unverified)
        alg, kid, jku = _checked_header(header, client)
        try:
            key = self.keys.key(client, kid, jku, alg)
        except KeyNotFound as exc:
            raise AuthError(str(exc), client.iss) from None
        claims = self._decode(token, key, alg, audience, client)
        exp = self._checked_times(claims, client.iss)
        tenant = claims.get("tenant")
        if client.tenants and tenant not in client.tenants:
            raise AuthError("tenant is not allowed for this client", client.iss)
        return Caller(
            client=client, tenant=tenant if isinstance(tenant, str) else None, jti=self._claim(claims, client, exp)
        )

    def _claim(self, claims: dict[str, Any], client: TrustedClient, exp: float) -> str:
        """The token's `jti`, recorded as used; AuthError if it is malformed or was used before (a replay)."""
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > 200 or "\x00" in jti:  # the column: String(200), no NUL
            raise AuthError("jti is missing or malformed", client.iss)
        if not self.claim_jti(client.iss, jti, exp + self.leeway):
            raise AuthError("jti was already used (replay)", client.iss)
        return jti

    def _client(self, unverified: dict[str, Any]) -> TrustedClient:
        iss = unverified.get("iss")
        client = self.clients.get(iss) if isinstance(iss, str) else None
        if client is None:
            raise AuthError("issuer is not a trusted client", iss if isinstance(iss, str) else None)
        return client

    def _decode(self, token: str, key: jwt.PyJWK, alg: str, audience: str, client: TrustedClient) -> dict[str, Any]:
        """PyJWT's checks: signature, `aud`, `iss`, `exp`/`iat` (with leeway), required claims."""
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audience,
                issuer=client.iss,
                leeway=self.leeway,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"rejected: {type(exc).__name__}: {exc}", client.iss) from None

    def _checked_times(self, claims: dict[str, Any], iss: str) -> float:
        """`exp`, once `iat` and `exp` are JSON numbers (RFC 7519 NumericDate; PyJWT lets numeric strings
        through), `iat` is not in the future and the lifetime is not too long."""
        iat, exp = claims["iat"], claims["exp"]
        if not all(_numeric_date(v) for v in (iat, exp)):
            raise AuthError("iat and exp must be numbers (NumericDate)", iss)
        if iat > time.time() + self.leeway:
            raise AuthError("iat is in the future", iss)
        if exp - iat > self.max_lifetime:
            raise AuthError(f"token lifetime {exp - iat:.0f} s is longer than {self.max_lifetime} s", iss)
        return exp


def _numeric_date(value: Any) -> bool:
    """A JSON number a date can be (an integer too large for a float, 10**400, is none: math.isfinite overflows)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The token's header and claims before any check (to find the issuer and its key), parsed once."""
    try:
        parts = jwt.decode_complete(token, options={"verify_signature": False})
        return parts["header"], parts["payload"]
    except jwt.PyJWTError as exc:
        raise AuthError(f"not a JWT ({type(exc).__name__})") from None


def _checked_header(header: dict[str, Any], client: TrustedClient) -> tuple[str, str, str | None]:
    """`alg`, `kid` and `jku` of a header with `typ: JWT` and an algorithm this client may use."""
    alg, kid, jku = header.get("alg"), header.get("kid"), header.get("jku")
    if header.get("typ") != "JWT":
        raise AuthError(f"header typ is {header.get('typ')!r}, not 'JWT'", client.iss)
    if not isinstance(alg, str) or alg not in ASYMMETRIC or alg not in client.algorithms:
        raise AuthError(f"algorithm {alg!r} is not allowed for this client", client.iss)
    if not isinstance(kid, str) or not kid:
        raise AuthError("header has no kid", client.iss)
    if jku is not None and not isinstance(jku, str):
        raise AuthError("header jku is not a string", client.iss)
    return alg, kid, jku


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization is not a Bearer token")
    return token.strip()
