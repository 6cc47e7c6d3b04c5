"""A JWT id the token-id table can never store (review 18b D7): refused as any malformed `jti` is (401), not
passed on to a database that would refuse it (PostgreSQL: a DataError, once a 503)."""

from __future__ import annotations

import pytest

from tests.security.conftest import BASE, ISS
from tests.security.keys import claims
from tests.security.test_jwt_auth import SELECT, _rejected, call


@pytest.fixture
def client(make_app):
    return make_app().test_client()


def test_a_jti_with_a_nul_character_is_a_401(client, ec_key):
    assert _rejected(call(client, ec_key.sign(claims(ISS, BASE + SELECT, jti="token-1\u0000"))))
