"""Test signing keys and a real local JWKS endpoint (a threaded HTTP server) whose key set can rotate."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


@dataclass
class SigningKey:
    alg: str
    kid: str
    private: Any

    @classmethod
    def es384(cls) -> SigningKey:
        return cls("ES384", f"ec-{uuid.uuid4()}", ec.generate_private_key(ec.SECP384R1()))

    @classmethod
    def rs384(cls) -> SigningKey:
        return cls("RS384", f"rsa-{uuid.uuid4()}", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def public_jwk(self) -> dict[str, Any]:
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        jwk = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.alg}

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(
            claims, self.private, algorithm=self.alg, headers={"kid": self.kid, "typ": "JWT", **(headers or {})}
        )


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWS segments are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    """A JWS header or payload segment for `value` (JSON), for hand-made (unsigned or forged) tokens."""
    return b64url(json.dumps(value).encode())


def claims(iss: str, aud: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": iss, "aud": aud, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4()), **overrides}


@dataclass
class JwksEndpoint:
    """What the local JWKS server serves and which paths it was asked for."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)
    url: str = ""
    cache_control: str | None = None  # sent with /jwks.json when set


@contextmanager
def jwks_server() -> Iterator[JwksEndpoint]:
    """Serves /jwks.json (the current keys), /redirect (302 elsewhere) and /huge (an oversized body)."""
    endpoint = JwksEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint.hits.append(self.path)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", f"{endpoint.url}/jwks.json")
                self.end_headers()
                return
            body = (
                b"{" + b" " * 400_000 + b"}" if self.path == "/huge" else json.dumps({"keys": endpoint.keys}).encode()
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if endpoint.cache_control is not None:
                self.send_header("Cache-Control", endpoint.cache_control)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
