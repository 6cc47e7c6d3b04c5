"""URLs that urlsplit refuses, and fhirServers with Unicode whitespace or control characters (review 18b D2 and the
allow-list finding): answered as any not-allowed server or unusable FHIR answer is, never a 500, the token never
sent to another path."""

from __future__ import annotations

import re

import pytest
import responses

from cds_service.api import create_app
from cds_service.config import Settings
from cds_service.security import FhirServerPolicy, ServerNotAllowed
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.fhir_stubs import FHIR, serve_chart
from tests.hook_requests import hook_body, prefetch_for, searchset

SELECT = "/cds-services/cspine-auc-select"
BAD_IPV6 = "https://[x/r4"


@pytest.fixture
def client(tmp_path, knowledge):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/audit.sqlite3", fhir_allowed_servers=FHIR, fhir_timeout_seconds=0.5
    )
    return create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()


def chart():
    return [patient(), condition("M54.2", onset="2026-11-10")]


def diagnostics(response, status: int, code: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    (issue,) = body["issue"]
    assert issue["severity"] == "error" and issue["code"] == code
    return issue["diagnostics"]


# D2: fhirServer --------------------------------------------------------------------------------------------------


def test_the_policy_refuses_a_fhir_server_that_is_not_a_url():
    with pytest.raises(ServerNotAllowed, match="not a valid URL"):
        FhirServerPolicy(FHIR, production=False).check(BAD_IPV6, None)


@responses.activate
def test_a_fhir_server_that_is_not_a_url_is_a_412_when_data_must_be_fetched(client):
    body = hook_body([order_json("72125")], fhir_server=BAD_IPV6, token="tok-1")
    message = diagnostics(client.post(SELECT, json=body), 412, "incomplete")
    assert "fhirServer is not a valid URL" in message
    assert len(responses.calls) == 0


@responses.activate
def test_a_fhir_server_that_is_not_a_url_is_not_needed_with_a_complete_prefetch(client):
    prefetch = prefetch_for(chart())
    response = client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=BAD_IPV6, prefetch=prefetch))
    assert response.status_code == 200 and response.get_json()["cards"]
    assert len(responses.calls) == 0


# D2: next links --------------------------------------------------------------------------------------------------


@responses.activate
def test_a_next_link_from_the_fhir_server_that_is_not_a_url_is_a_412(client):
    serve_chart(responses, chart())
    responses.replace(
        responses.GET,
        re.compile(r"https://fhir\.example\.org/r4/Condition\?.*"),
        json=searchset([condition("M54.2")], next_url="http://[x/r4/Condition?page=2"),
    )
    body = hook_body([order_json("72125")], fhir_server=FHIR, token="tok-1")
    assert "not followed" in diagnostics(client.post(SELECT, json=body), 412, "incomplete")
    assert not any("[x" in call.request.url for call in responses.calls)


@responses.activate
def test_a_next_link_in_a_prefetch_bundle_that_is_not_a_url_is_a_412(client):
    prefetch = prefetch_for(chart())
    prefetch["conditions"]["link"] = [{"relation": "next", "url": "http://[x/r4/Condition?p=2"}]
    body = hook_body([order_json("72125")], fhir_server=FHIR, prefetch=prefetch)
    message = diagnostics(client.post(SELECT, json=body), 412, "incomplete")
    assert "conditions" in message and "not a valid URL" in message
    assert len(responses.calls) == 0


# the allow-list: Unicode whitespace and control characters ---------------------------------------------------------


UNSAFE_SUFFIXES = ["\u2028", "\u2029", "\u00a0", "\u0085", "\u3000", "\u200b", "\ufeff", "\u180e"]


@pytest.mark.parametrize("suffix", UNSAFE_SUFFIXES)
def test_the_policy_refuses_unicode_whitespace_and_control_characters(suffix):
    policy = FhirServerPolicy(FHIR, production=True)
    for url in (FHIR + suffix, f"{FHIR}/{suffix}x", FHIR.replace("/r4", f"/r4{suffix}/sub")):
        with pytest.raises(ServerNotAllowed, match="whitespace or a control character"):
            policy.check(url, None)


@pytest.mark.parametrize("suffix", UNSAFE_SUFFIXES)
@responses.activate
def test_a_fhir_server_with_unicode_whitespace_gets_a_412_and_no_call_carries_the_token(client, suffix):
    serve_chart(responses, chart(), token="tok-1")
    body = hook_body([order_json("72125")], fhir_server=FHIR + suffix, token="tok-1")
    message = diagnostics(client.post(SELECT, json=body), 412, "incomplete")
    assert "whitespace or a control character" in message
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://fhir.example.org:0/r4",  # (read as the default port by the allow-list)
        "https://fhir.example.org/r4/..;/admin",  # (Tomcat reads "..;" as "..")
        "https://fhir.example.org/r4/.;x/Patient",
    ],
)
def test_the_policy_refuses_port_zero_and_dot_segments_with_path_parameters(url):
    # (review 20a: both passed the allow-list, and the second sent the token to another path)
    with pytest.raises(ServerNotAllowed):
        FhirServerPolicy(FHIR, production=True).check(url, None)


def test_control_the_allowed_server_itself_passes():
    FhirServerPolicy(FHIR, production=True).check(FHIR, None)
