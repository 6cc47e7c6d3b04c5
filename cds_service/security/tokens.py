"""Verify the JWT a CDS client sends (CDS Hooks 2.0 §Trusting CDS Clients), with PyJWT.

Checks, in order: a Bearer JWT with header `typ: JWT`, `kid` and an asymmetric `alg` the client may use;
`iss` is a trusted client; the signature against that client's key; `aud` is this endpoint's public
URL; `exp`, `iat` (with leeway; lifetime at most the configured maximum); `tenant` when the client has
tenants; `jti` never seen before. Any failure is an AuthError whose reason goes to the log only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from cds_service.security.clients import TrustedClient
from cds_service.security.jwks import JwksCache, KeyNotFound

ASYMMETRIC = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}


class AuthError(Exception):
    """The caller is not authenticated. `reason` is logged; the caller only gets a bare 401."""

    def __init__(self, reason: str, iss: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.iss = reason, iss


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
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise AuthError(f"not a JWT ({type(exc).__name__})") from None
        iss = unverified.get("iss")
        client = self.clients.get(iss) if isinstance(iss, str) else None
        if client is None:
            raise AuthError("issuer is not a trusted client", iss if isinstance(iss, str) else None)
        alg, kid, jku = header.get("alg"), header.get("kid"), header.get("jku")
        if header.get("typ") != "JWT":
            raise AuthError(f"header typ is {header.get('typ')!r}, not 'JWT'", iss)
        if alg not in ASYMMETRIC or alg not in client.algorithms:
            raise AuthError(f"algorithm {alg!r} is not allowed for this client", iss)
        if not isinstance(kid, str) or not kid:
            raise AuthError("header has no kid", iss)
        if jku is not None and not isinstance(jku, str):
            raise AuthError("header jku is not a string", iss)
        try:
            key = self.keys.key(client, kid, jku)
        except KeyNotFound as exc:
            raise AuthError(str(exc), iss) from None
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audience,
                issuer=client.iss,
                leeway=self.leeway,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"rejected: {type(exc).__name__}: {exc}", iss) from None
        now = time.time()
        iat, exp, jti = claims["iat"], claims["exp"], claims["jti"]
        if iat > now + self.leeway:
            raise AuthError("iat is in the future", iss)
        if exp - iat > self.max_lifetime:
            raise AuthError(f"token lifetime {exp - iat:.0f} s is longer than {self.max_lifetime} s", iss)
        tenant = claims.get("tenant")
        if client.tenants and tenant not in client.tenants:
            raise AuthError("tenant is not allowed for this client", iss)
        if not isinstance(jti, str) or not jti or len(jti) > 200:
            raise AuthError("jti is missing or malformed", iss)
        if not self.claim_jti(client.iss, jti, exp + self.leeway):
            raise AuthError("jti was already used (replay)", iss)
        return Caller(client=client, tenant=tenant if isinstance(tenant, str) else None, jti=jti)


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization is not a Bearer token")
    return token.strip()
