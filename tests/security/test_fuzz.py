"""Property-based fuzzing of the three endpoints (Hypothesis): malformed, mutated and adversarial requests.

Properties: never a 5xx; every answer is JSON; every error is an OperationOutcome; a 200 hook answer has
a `cards` list. The example counts add up to more than 10 000 requests per run (CDS_FUZZ_SCALE scales
them); the total is printed in the test summary.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from typing import Any

import jwt
import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.api import create_app
from cds_service.config import Settings
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.hook_requests import hook_body, prefetch_for
from tests.security.conftest import BASE, ISS
from tests.security.keys import SigningKey, claims, segment

SCALE = float(os.environ.get("CDS_FUZZ_SCALE", "1"))
SENT = {"requests": 0}
SERVICES = ["cspine-auc-select", "cspine-auc-sign"]

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "\u0000", "\ud7ff\ufeff", "e\u0301", "Ω" * 50, "../../etc/passwd", "ServiceRequest/", "null", "💥" * 5]
)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | texts
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5), max_leaves=25
)


def fuzz_settings(examples: int) -> Any:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory, knowledge):
    tmp = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(
        database_url=f"sqlite:///{tmp}/audit.sqlite3",
        sqlite_synchronous="NORMAL",
        fhir_allowed_servers="https://fhir.example.org/r4",
        fhir_timeout_seconds=0.2,
        fhir_budget_seconds=0.5,
    )
    app = create_app(settings_, knowledge=knowledge, clock=lambda: TODAY)
    with responses.RequestsMock(assert_all_requests_are_fired=False):  # no real outbound call can happen
        yield app.test_client()


class _Errors(logging.Handler):
    """The service's last logged errors, to say where a 5xx came from."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen = [
            *self.seen[-4:],
            f"{record.getMessage()} {getattr(record, 'error', '')} {getattr(record, 'where', '')}",
        ]


ERRORS = _Errors()
logging.getLogger("cds_service").addHandler(ERRORS)


def check(response: Any, hook_call: bool = False) -> None:
    SENT["requests"] += 1
    assert response.status_code < 500, (response.get_data(as_text=True)[:500], ERRORS.seen)
    body = json.loads(response.get_data(as_text=True))
    if response.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"] and body["issue"][0]["diagnostics"]
    elif hook_call:
        assert isinstance(body["cards"], list)


def valid_body() -> dict[str, Any]:
    chart = [patient(), condition("M54.12")]
    return hook_body([order_json("72126"), order_json("72141", oid="order-2")], prefetch=prefetch_for(chart))


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON value (dict keys and list indexes)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@st.composite
def mutated_bodies(draw: st.DrawFn) -> Any:
    """A valid hook request with one to three fields replaced, deleted or added."""
    body = valid_body()
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths(body)))
        if not where:
            return draw(json_values)
        parent = body
        for step in where[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[where[-1]] = draw(json_values)
        elif action == "delete" and isinstance(parent, dict):
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[draw(texts)] = draw(json_values)
        elif isinstance(parent, list):
            parent.append(draw(json_values))
    return body


@fuzz_settings(5000)
@given(body=mutated_bodies(), service=st.sampled_from(SERVICES))
def test_mutated_hook_requests(fuzz_client, body, service):
    check(fuzz_client.post(f"/cds-services/{service}", json=body), hook_call=True)


@fuzz_settings(2000)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
    path=st.sampled_from(["/cds-services", "/cds-services/cspine-auc-select", "/cds-services/x/feedback", "/healthz"])
    | texts.map(lambda t: "/cds-services/" + t.replace("?", "").replace("#", "")),
    payload=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/fhir+json", "", "multipart/form-data"]
    ),
)
def test_random_requests(fuzz_client, method, path, payload, content_type):
    response = fuzz_client.open(path, method=method, data=payload, headers={"Content-Type": content_type})
    SENT["requests"] += 1
    assert response.status_code < 500
    if method != "HEAD" and response.status_code >= 400:
        assert json.loads(response.get_data(as_text=True))["resourceType"] == "OperationOutcome"


@st.composite
def feedback_bodies(draw: st.DrawFn) -> Any:
    item = {
        "card": draw(texts | st.uuids().map(str)),
        "outcome": draw(st.sampled_from(["accepted", "overridden", "ignored"]) | texts),
        "outcomeTimestamp": draw(st.sampled_from(["2026-11-21T10:00:00Z"]) | texts),
    }
    if draw(st.booleans()):
        item["acceptedSuggestions"] = draw(st.lists(st.fixed_dictionaries({"id": texts}) | json_values, max_size=3))
    if draw(st.booleans()):
        item["overrideReason"] = draw(
            st.fixed_dictionaries({"reason": st.fixed_dictionaries({"code": texts, "system": texts})}) | json_values
        )
    return draw(st.just({"feedback": [item]}) | st.just({"feedback": item}) | json_values)


@fuzz_settings(1500)
@given(body=feedback_bodies())
def test_feedback(fuzz_client, body):
    check(fuzz_client.post("/cds-services/cspine-auc-select/feedback", json=body))


@fuzz_settings(1000)
@given(prefetch=st.dictionaries(st.sampled_from(["patient", "conditions", "observations", "x"]), json_values))
def test_hostile_prefetch(fuzz_client, prefetch):
    body = valid_body()
    body["prefetch"].update(prefetch)
    check(fuzz_client.post("/cds-services/cspine-auc-select", json=body), hook_call=True)


@pytest.fixture(scope="module")
def auth_client(tmp_path_factory, knowledge):
    """Static keys: `fuzz_client` keeps `responses` active for the module, which would refuse a JWKS fetch."""
    key = SigningKey.es384()
    tmp = tmp_path_factory.mktemp("fuzz-auth")
    path = tmp / "clients.yaml"
    path.write_text(json.dumps({"clients": [{"iss": ISS, "jwks": {"keys": [key.public_jwk()]}}]}))
    app = create_app(
        Settings(
            auth="required",
            public_base_url=BASE,
            trusted_clients=str(path),
            database_url=f"sqlite:///{tmp}/audit.sqlite3",
            sqlite_synchronous="NORMAL",
        ),
        knowledge=knowledge,
        clock=lambda: TODAY,
    )
    return app.test_client(), key


# Values that look almost right to a JWT library: numeric strings, booleans, huge and non-finite numbers.
claim_values = json_values | st.sampled_from(
    ["1700000000", "4102444800", "1e3", True, False, 0, -1, 2**63, 1e308, float("inf"), float("nan"), [], {}]
)
USED_JTIS: set[str] = set()


@st.composite
def tokens(draw: st.DrawFn, key: Any) -> tuple[str, bool]:
    """(token, whether it is valid): random strings, JWT-shaped junk, real signatures over mutated claims.

    Signed tokens get one claim replaced and maybe their `typ` or `kid` header; the only change that
    leaves such a token valid is a new, well-formed `jti` (or a header value that happens to be the right one).
    """
    kind = draw(st.sampled_from(["text", "shaped", "signed", "signed"]))
    if kind == "text":
        return draw(texts), False
    header = draw(st.dictionaries(texts, json_values, max_size=4) | st.just({"alg": "ES384", "typ": "JWT"}))
    payload = draw(st.dictionaries(texts, claim_values, max_size=4))
    if kind == "shaped":
        return f"{segment(header)}.{segment(payload)}.{draw(texts)}", False
    good = claims(ISS, BASE + "/cds-services/cspine-auc-select")
    field = draw(st.sampled_from(sorted(good)))
    good[field] = value = draw(claim_values)
    extra = draw(
        st.just({}) | st.fixed_dictionaries({"typ": json_values}) | st.fixed_dictionaries({"kid": json_values})
    )
    try:
        token = key.sign(good, headers=extra)
    except (TypeError, ValueError, jwt.InvalidTokenError):  # PyJWT will not sign it
        return key.sign(claims(ISS, "x")), False
    header_intact = extra.get("typ", "JWT") == "JWT" and extra.get("kid", key.kid) == key.kid
    valid = header_intact and field == "jti" and isinstance(value, str) and 0 < len(value) <= 200
    return token, valid and value not in USED_JTIS


@fuzz_settings(1000)
@given(data=st.data())
def test_hostile_authorization_headers(auth_client, data):
    """Every malformed, forged or mutated credential gets a bare 401; only a valid token gets through."""
    client, key = auth_client
    token, valid = data.draw(tokens(key))
    scheme = data.draw(st.sampled_from(["Bearer ", "bearer ", "Basic ", "", "Bearer  "]))
    header = (scheme + token).replace("\n", " ").replace("\r", " ")
    try:
        response = client.post(
            "/cds-services/cspine-auc-select", json=copy.deepcopy(valid_body()), headers={"Authorization": header}
        )
    except ValueError:  # the test client refuses some header bytes outright; a server never sees them
        return
    check(response, hook_call=True)
    if response.status_code == 200:  # its jti is used up, whatever this test expected
        USED_JTIS.add(jwt.decode(token, options={"verify_signature": False})["jti"])
    accepted = valid and scheme.strip().lower() == "bearer"
    assert response.status_code == (200 if accepted else 401), (scheme, token)
    if not accepted:
        assert response.json["issue"][0]["code"] == "login"


def test_deeply_nested_and_huge_bodies(fuzz_client):
    for body in (
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        json.dumps({"hook": "order-select", "context": {"draftOrders": {"entry": [{}] * 200_000}}}).encode(),
        b'{"hook": "order-select", "hookInstance": "' + b"x" * 4_000_000 + b'"}',
    ):
        response = fuzz_client.post(
            "/cds-services/cspine-auc-select", data=body, headers={"Content-Type": "application/json"}
        )
        check(response)
        assert response.status_code in (400, 413)
