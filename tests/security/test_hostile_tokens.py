"""A JWT id the token-id table can never store (review 18b D7): refused as any malformed `jti` is (401), not
passed on to a database that would refuse it (PostgreSQL: a DataError, once a 503)."""

from __future__ import annotations

import pytest

from tests.security.conftest import BASE, ISS
from tests.security.keys import claims, segment
from tests.security.test_jwt_auth import SELECT, _rejected, call


@pytest.fixture
def client(make_app):
    return make_app().test_client()


def test_a_jti_with_a_nul_character_is_a_401(client, ec_key):
    assert _rejected(call(client, ec_key.sign(claims(ISS, BASE + SELECT, jti="token-1\u0000"))))


@pytest.mark.parametrize("claim", [{"exp": 10**400}, {"iat": -(10**400)}])
def test_a_date_too_large_for_a_float_is_a_401(client, ec_key, claim):
    # (review 20a: math.isfinite overflowed on the integer, an OverflowError and a 500)
    assert _rejected(call(client, ec_key.sign(claims(ISS, BASE + SELECT, **claim))))


def test_what_a_caller_writes_in_a_token_is_logged_short_and_printable(client, caplog):
    # (review 20a: an unsigned token's header typ of 6 000 characters was logged whole)
    header = {"alg": "ES384", "typ": "Jane Roe MRN 123456\\n" * 300, "kid": "k"}
    token = f"{segment(header)}.{segment(claims(ISS, BASE + SELECT))}."
    with caplog.at_level("WARNING"):
        assert _rejected(call(client, token))
    reasons = [r.reason for r in caplog.records if hasattr(r, "reason")]
    assert reasons and all(len(reason) < 300 and reason.isprintable() for reason in reasons)
