"""CDS Hooks client authentication: real ES384 / RS384 JWTs, keys from a local JWKS endpoint."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from cds_service.config import ConfigError, Settings
from cds_service.security import load_trusted_clients
from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for
from tests.security.conftest import BASE, ISS
from tests.security.keys import SigningKey, b64url, claims, segment

SELECT = "/cds-services/cspine-auc-select"


def call(client, token: str | None, path: str = SELECT, method: str = "post"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "get":
        return client.get(path, headers=headers)
    body = hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))
    return client.post(path, json=body, headers=headers)


def good(key: SigningKey, path: str = SELECT, **overrides) -> str:
    return key.sign(claims(ISS, BASE + path, **overrides))


@pytest.fixture
def client(make_app):
    return make_app().test_client()


@pytest.mark.parametrize("key_name", ["ec_key", "rsa_key"])
def test_a_good_token_is_accepted(client, key_name, request):
    key = request.getfixturevalue(key_name)
    response = call(client, good(key))
    assert response.status_code == 200
    assert response.json["cards"][0]["indicator"] == "warning"


def test_discovery_and_feedback_need_the_token_too(client, ec_key):
    assert call(client, None, "/cds-services", "get").status_code == 401
    assert call(client, good(ec_key, "/cds-services"), "/cds-services", "get").status_code == 200
    feedback = f"{SELECT}/feedback"
    assert client.post(feedback, json={"feedback": []}).status_code == 401


def test_discovery_can_be_left_open(make_app):
    client = make_app(auth_discovery=False).test_client()
    assert client.get("/cds-services").status_code == 200
    assert call(client, None).status_code == 401


def _rejected(response):
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.json
    # no detail for the caller: the reason is only logged
    assert body == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "login", "diagnostics": "authentication required"}],
    }
    return True


def test_missing_or_non_bearer_authorization(client):
    assert _rejected(call(client, None))
    assert _rejected(client.post(SELECT, json={}, headers={"Authorization": "Basic dXNlcjpwdw=="}))
    assert _rejected(call(client, "not-a-jwt"))


def test_bad_signature(client, ec_key):
    impostor = SigningKey("ES384", ec_key.kid, SigningKey.es384().private)  # same kid, other private key
    assert _rejected(call(client, good(impostor)))


def test_untrusted_issuer(client, ec_key):
    assert _rejected(call(client, ec_key.sign(claims("https://stranger.test", BASE + SELECT))))


def test_untrusted_jku_is_never_fetched(client, ec_key, jwks):
    token = ec_key.sign(claims(ISS, BASE + SELECT), headers={"jku": f"{jwks.url}/other-jwks.json"})
    assert _rejected(call(client, token))
    assert "/other-jwks.json" not in jwks.hits


@pytest.mark.parametrize(
    "aud",
    [
        BASE + "/cds-services/cspine-auc-sign",
        "https://evil.example.org" + SELECT,
        BASE,
        "http://cds.example.org" + SELECT,
    ],
)
def test_wrong_audience(client, ec_key, aud):
    assert _rejected(call(client, ec_key.sign(claims(ISS, aud))))


def test_audience_as_a_list_containing_this_endpoint(client, ec_key):
    assert call(client, ec_key.sign(claims(ISS, ["https://other.example", BASE + SELECT]))).status_code == 200


def test_expired(client, ec_key):
    now = int(time.time())
    assert _rejected(call(client, good(ec_key, iat=now - 600, exp=now - 120)))


def test_expired_within_leeway_is_accepted(client, ec_key):
    now = int(time.time())
    assert call(client, good(ec_key, iat=now - 300, exp=now - 10)).status_code == 200


def test_issued_in_the_future(client, ec_key):
    now = int(time.time())
    assert _rejected(call(client, good(ec_key, iat=now + 600, exp=now + 900)))


def test_lifetime_longer_than_allowed(client, ec_key):
    now = int(time.time())
    assert _rejected(call(client, good(ec_key, iat=now, exp=now + 7200)))


@pytest.mark.parametrize(
    "times",
    [
        lambda now: {"iat": str(now), "exp": now + 300},  # PyJWT accepts numeric strings; RFC 7519 wants numbers
        lambda now: {"iat": now, "exp": str(now + 300)},
        lambda now: {"iat": str(now), "exp": str(now + 300)},
        lambda now: {"iat": True, "exp": now + 300},
    ],
    ids=["iat-string", "exp-string", "both-strings", "iat-bool"],
)
def test_iat_and_exp_must_be_numbers(client, ec_key, times):
    assert _rejected(call(client, good(ec_key, **times(int(time.time())))))


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "aud"])
def test_required_claims(client, ec_key, missing):
    token_claims = claims(ISS, BASE + SELECT)
    del token_claims[missing]
    assert _rejected(call(client, ec_key.sign(token_claims)))


def test_replayed_jti(client, ec_key):
    token = good(ec_key)
    assert call(client, token).status_code == 200
    assert _rejected(call(client, token))


def test_replay_is_caught_across_processes_sharing_the_database(make_app, ec_key):
    first, second = make_app().test_client(), make_app().test_client()  # two workers, one database
    token = good(ec_key)
    assert call(first, token).status_code == 200
    assert _rejected(call(second, token))


def _unsigned(payload: dict, header: dict) -> str:
    return f"{segment(header)}.{segment(payload)}."


def test_alg_none(client, ec_key):
    token = _unsigned(claims(ISS, BASE + SELECT), {"alg": "none", "typ": "JWT", "kid": ec_key.kid})
    assert _rejected(call(client, token))


def test_hs256_with_the_public_key_as_secret(client, rsa_key):
    """The classic key-confusion attack: HMAC keyed with the (public) RSA key."""
    public_pem = rsa_key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": rsa_key.kid}
    payload = claims(ISS, BASE + SELECT)
    signing_input = _unsigned(payload, header)[:-1]
    signature = b64url(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    assert _rejected(call(client, f"{signing_input}.{signature}"))


def test_typ_must_be_jwt(client, ec_key):
    assert _rejected(call(client, ec_key.sign(claims(ISS, BASE + SELECT), headers={"typ": "at+jwt"})))


def test_algorithm_not_allowed_for_the_client(make_app, rsa_key, jwks):
    client = make_app({"iss": ISS, "jku": [f"{jwks.url}/jwks.json"], "algorithms": ["ES384"]}).test_client()
    assert _rejected(call(client, good(rsa_key)))


def test_key_rotation_without_restart(client, jwks):
    assert call(client, good(SigningKey.es384())).status_code == 401  # unknown key: refused
    rotated = SigningKey.es384()
    jwks.keys = [rotated.public_jwk()]  # the client publishes a new key
    assert call(client, good(rotated)).status_code == 200
    assert jwks.hits.count("/jwks.json") >= 2


def test_unknown_kids_do_not_hammer_the_jwks_endpoint(make_app, jwks, ec_key):
    client = make_app(jwks_min_refresh_seconds=60.0).test_client()
    assert call(client, good(ec_key)).status_code == 200
    before = len(jwks.hits)
    for _ in range(5):
        assert _rejected(call(client, good(SigningKey.es384())))
    assert len(jwks.hits) == before


def test_static_jwks_needs_no_fetch(make_app, ec_key, jwks):
    client = make_app({"iss": ISS, "jwks": {"keys": [ec_key.public_jwk()]}}).test_client()
    assert call(client, good(ec_key)).status_code == 200
    assert jwks.hits == []


@pytest.mark.parametrize("path", ["/redirect", "/huge"])
def test_jwks_redirects_and_oversized_sets_are_refused(make_app, ec_key, jwks, path):
    client = make_app({"iss": ISS, "jku": [f"{jwks.url}{path}"]}).test_client()
    assert _rejected(call(client, good(ec_key)))
    assert "/jwks.json" not in jwks.hits  # the redirect was not followed


def test_tenant_must_be_allowed(make_app, ec_key, jwks):
    client = make_app({"iss": ISS, "jku": [f"{jwks.url}/jwks.json"], "tenants": ["org-1"]}).test_client()
    assert call(client, good(ec_key, tenant="org-1")).status_code == 200
    assert _rejected(call(client, good(ec_key, tenant="org-2")))
    assert _rejected(call(client, good(ec_key)))


def test_preflight_and_health_need_no_token(client):
    preflight = client.options(
        SELECT, headers={"Origin": "https://sandbox.cds-hooks.org", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/healthz").status_code == 200


def test_optional_mode_verifies_only_when_a_token_is_sent(make_app, ec_key):
    client = make_app(auth="optional").test_client()
    assert call(client, None).status_code == 200
    assert call(client, good(ec_key)).status_code == 200
    assert _rejected(call(client, ec_key.sign(claims(ISS, "https://elsewhere.example"))))


def test_off_mode_says_so_loudly(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        client = make_app(auth="off").test_client()
    assert call(client, None).status_code == 200
    assert any("AUTHENTICATION IS OFF" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("auth", ["required", "optional"])
@pytest.mark.parametrize("mode", ["development", "production"])
def test_auth_without_a_public_base_url_is_refused_at_start_up(make_app, auth, mode):
    """The audience used to come from the request's Host header, which the caller chooses."""
    with pytest.raises(ConfigError, match="CDS_PUBLIC_BASE_URL"):
        make_app(public_base_url="", auth=auth, mode=mode)


def test_the_host_header_does_not_change_the_audience(client, ec_key):
    token = ec_key.sign(claims(ISS, "http://evil.example" + SELECT))
    assert _rejected(client.post(SELECT, json={}, headers={"Authorization": f"Bearer {token}", "Host": "evil.example"}))


def test_the_reason_is_logged_but_never_the_token(client, ec_key, caplog):
    now = int(time.time())
    token = good(ec_key, iat=now - 600, exp=now - 300)
    with caplog.at_level(logging.INFO):
        assert _rejected(call(client, token))
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "ExpiredSignatureError" in logged
    assert token not in logged and token.split(".")[1] not in logged


def test_sandbox_trust_entry_is_demo_only(make_app, caplog):
    with caplog.at_level(logging.WARNING):
        make_app(trust_sandbox=True)
    assert any("DEMO" in r.getMessage() for r in caplog.records)
    with pytest.raises(ConfigError, match="CDS_TRUST_SANDBOX"):
        Settings(
            mode="production", trust_sandbox=True, trusted_clients="x.yaml", public_base_url="https://cds.example"
        ).check()


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({"auth": "off"}, "CDS_AUTH"),
        ({"auth": "optional"}, "CDS_AUTH"),
        ({"trusted_clients": ""}, "CDS_TRUSTED_CLIENTS"),
        ({"public_base_url": "http://cds.example"}, "CDS_PUBLIC_BASE_URL"),
        ({"public_base_url": ""}, "CDS_PUBLIC_BASE_URL"),
    ],
)
def test_production_mode_refuses_unsafe_settings(settings, variable):
    base = {"mode": "production", "trusted_clients": "clients.yaml", "public_base_url": "https://cds.example"}
    Settings(**base).check()  # the safe baseline passes
    with pytest.raises(ConfigError, match=variable):
        Settings(**{**base, **settings}).check()


def test_production_mode_defaults_to_required():
    assert Settings(mode="production").auth_mode == "required"
    assert Settings().auth_mode == "off"


def test_trusted_clients_file_errors_name_the_place(tmp_path, knowledge):
    path = tmp_path / "clients.yaml"
    path.write_text("clients:\n  - iss: https://ehr.test\n    algorithms: [HS256]\n    jku: [https://ehr.test/jwks]\n")
    with pytest.raises(ConfigError, match=r"clients/0/algorithms/0"):
        load_trusted_clients(str(path))


def test_pyjwt_is_what_verifies(ec_key):
    """Sanity: the library refuses a token for a different audience (our code relies on it)."""
    token = good(ec_key)
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, ec_key.private.public_key(), algorithms=["ES384"], audience="https://other")


def test_a_doubled_slash_path_is_the_audience_the_client_called(client, ec_key):
    """The sandbox, given a discovery URL ending in '/', calls /cds-services//<id> and signs that URL as `aud`."""
    doubled = SELECT.replace("/cds-services/", "/cds-services//")
    body = {"hook": "order-select"}
    signed_as_called = ec_key.sign(claims(ISS, BASE + doubled))
    response = client.post(doubled, json=body, headers={"Authorization": f"Bearer {signed_as_called}"})
    assert response.status_code == 400  # authenticated; the body is what is wrong
    signed_for_other = ec_key.sign(claims(ISS, BASE + "/cds-services//cspine-auc-sign"))
    assert _rejected(client.post(doubled, json=body, headers={"Authorization": f"Bearer {signed_for_other}"}))
