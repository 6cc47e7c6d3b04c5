"""JWKS fetching: bounded as a whole, every failure a 401, refreshes rate-limited, sets expire (max-age)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cds_service.bounded_http import cookieless_session
from cds_service.security import TrustedClient
from cds_service.security.jwks import JwksCache, KeyNotFound
from tests.security.keys import SigningKey
from tests.security.test_jwt_auth import _rejected, call, good
from tests.slow_clients import dripping_server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def cache(clock: Clock, **kwargs) -> JwksCache:
    return JwksCache(cookieless_session(), 2.0, kwargs.pop("min_refresh", 0.0), clock=clock, **kwargs)


def client_at(url: str) -> TrustedClient:
    return TrustedClient(iss="https://ehr.test", jku=(url,))


@pytest.mark.parametrize(
    ("cache_control", "trusted_for"),
    [
        ("max-age=120", 120),
        ("public, max-age=300", 300),
        (None, 900),  # no header: the default, 15 minutes
        ("max-age=5", 60),  # at least a minute (else every token could make us fetch)
        ("max-age=86400", 900),  # at most 15 minutes (a withdrawn key must stop working)
        ("no-store", 60),
    ],
)
def test_a_withdrawn_key_stops_being_trusted_when_its_set_expires(jwks, ec_key, clock, cache_control, trusted_for):
    jwks.cache_control = cache_control
    keys = cache(clock)
    client = client_at(f"{jwks.url}/jwks.json")
    assert keys.key(client, ec_key.kid, None, "ES384")
    jwks.keys = [SigningKey.es384().public_jwk()]  # the client withdraws the key
    clock.now += trusted_for - 1
    assert keys.key(client, ec_key.kid, None, "ES384")  # still cached: no fetch
    assert jwks.hits.count("/jwks.json") == 1
    clock.now += 2
    with pytest.raises(KeyNotFound):
        keys.key(client, ec_key.kid, None, "ES384")
    assert jwks.hits.count("/jwks.json") == 2


def test_an_expired_set_that_cannot_be_fetched_again_is_not_used(jwks, ec_key, clock):
    keys = cache(clock, min_refresh=60.0)
    client = client_at(f"{jwks.url}/jwks.json")
    assert keys.key(client, ec_key.kid, None, "ES384")
    clock.now += 901
    jwks.keys = []  # e.g. the endpoint now fails; nothing to renew the trust with
    with pytest.raises(KeyNotFound):
        keys.key(client, ec_key.kid, None, "ES384")
    with pytest.raises(KeyNotFound):  # and the failed refresh is rate-limited: no second fetch
        keys.key(client, ec_key.kid, None, "ES384")
    assert jwks.hits.count("/jwks.json") == 2


def test_a_jwks_answer_dripped_byte_by_byte_is_cut_off_at_the_deadline(make_app, ec_key):
    document = json.dumps({"keys": [ec_key.public_jwk()]}).encode()
    with dripping_server(lambda _path: document, interval=0.05) as server:  # ~30 s for the whole set
        client = make_app({"iss": "https://ehr.test", "jku": [f"{server}/jwks.json"]}, jwks_timeout_seconds=0.5)
        started = time.monotonic()
        assert _rejected(call(client.test_client(), good(ec_key)))
        assert time.monotonic() - started < 1.5


@contextmanager
def broken_server(answer: bytes) -> Iterator[str]:
    """Answers one connection at a time with `answer` (headers and a body that does not match them), then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.mark.parametrize(
    "answer",
    [
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"keys": [',  # cut short
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\nnot gzip!!!!",  # undecodable
        b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n\xff\xfe\x00\x01",  # not UTF-8 JSON
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # broken chunking
        b"garbage, not HTTP\r\n\r\n",
    ],
    ids=["cut-short", "bad-gzip", "not-json", "bad-chunks", "not-http"],
)
def test_every_jwks_failure_is_a_401_never_a_500(make_app, ec_key, answer):
    with broken_server(answer) as server:
        client = make_app({"iss": "https://ehr.test", "jku": [f"{server}/jwks.json"]}).test_client()
        assert _rejected(call(client, good(ec_key)))


# -- a key's algorithm (review 37a) ----------------------------------------------------------------------------------
def _static_client(jwk: dict) -> TrustedClient:
    return TrustedClient(iss="https://ehr.test", jwks={"keys": [jwk]})


def _decoded(key_obj, token: str, alg: str) -> dict:
    import jwt

    return jwt.decode(token, key=key_obj, algorithms=[alg], options={"verify_aud": False, "verify_exp": False})


def test_an_rsa_key_published_without_alg_verifies_an_rs384_token(clock):
    """RFC 7517: `alg` is optional in a JWK; PyJWT alone reads such an RSA key as RS256 and refuses RS384."""
    key = SigningKey.rs384()
    jwk = {k: v for k, v in key.public_jwk().items() if k != "alg"}
    found = cache(clock).key(_static_client(jwk), key.kid, None, "RS384")
    assert _decoded(found, key.sign({"sub": "x"}), "RS384") == {"sub": "x"}


def test_an_rsa_key_published_with_another_alg_refuses_the_token(clock):
    import jwt

    key = SigningKey.rs384()
    jwk = {**key.public_jwk(), "alg": "RS256"}
    found = cache(clock).key(_static_client(jwk), key.kid, None, "RS384")
    with pytest.raises(jwt.PyJWTError):
        _decoded(found, key.sign({"sub": "x"}), "RS384")


def test_an_ec_key_without_alg_still_verifies_its_curve_s_tokens(clock):
    """Control: a P-384 key is read as ES384 by its curve, as before."""
    key = SigningKey.es384()
    jwk = {k: v for k, v in key.public_jwk().items() if k != "alg"}
    found = cache(clock).key(_static_client(jwk), key.kid, None, "ES384")
    assert _decoded(found, key.sign({"sub": "x"}), "ES384") == {"sub": "x"}
