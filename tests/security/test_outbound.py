"""SSRF protection: the service calls only allowed FHIR servers, never follows redirects elsewhere, never
reads unbounded answers, and says so with a 412 OperationOutcome before making any call."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import responses

from cds_service.api import create_app
from cds_service.bounded_http import cookieless_session, send
from cds_service.config import Settings
from cds_service.fhir.client import FHIR_JSON
from cds_service.security import FhirServerPolicy, ServerNotAllowed, TrustedClient
from tests.builders import condition, order_json, patient
from tests.conftest import TODAY
from tests.fhir_stubs import FHIR, READS, batch_response, capability_statement, data_calls, serve_chart
from tests.hook_requests import hook_body, prefetch_for, searchset

SELECT = "/cds-services/cspine-auc-select"
ALLOWED = FHIR  # the stub server of tests/fhir_stubs.py


@pytest.fixture
def client(tmp_path, knowledge):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/audit.sqlite3", fhir_allowed_servers=ALLOWED, fhir_timeout_seconds=0.5
    )
    return create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()


def ask(client, fhir_server: str):
    return client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=fhir_server, token="tok-1"))


@pytest.mark.parametrize(
    "server",
    [
        "https://attacker.example.net/fhir",
        "https://fhir.example.org/r4evil",  # a prefix, but not at a path boundary
        "https://fhir.example.org.attacker.net/r4",
        "https://fhir.example.org:8443/r4",
        "http://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
        "gopher://fhir.example.org/r4",
        "https://user:pw@fhir.example.org/r4",
        "https://fhir.example.org:99999/r4",
        "not a url",
        # the base path escaped (issue 12, item 10): dot segments, also percent-encoded; query; fragment; ...
        "https://fhir.example.org/r4/../e401",
        "https://fhir.example.org/r4/..",
        "https://fhir.example.org/r4/./../admin",
        "https://fhir.example.org/r4/%2e%2e/admin",
        "https://fhir.example.org/r4/%2E%2E",
        "https://fhir.example.org/r4/.%2e/admin",
        "https://fhir.example.org/r4?x=1",
        "https://fhir.example.org/r4#admin",
        "https://fhir.example.org/r4\\..\\admin",
        "https://fhir.example.org/r4/%2fadmin",
        "https://fhir.example.org/r4/%5c..%5cadmin",
        "https://fhir.example.org/r4/ x",
    ],
)
@responses.activate
def test_disallowed_fhir_server_is_refused_without_any_call(client, server):
    response = ask(client, server)
    assert response.status_code in (400, 412)  # 400: not an http(s) URL at all (request schema)
    body = response.json
    assert body["resourceType"] == "OperationOutcome"
    assert "fhirServer" in body["issue"][0]["diagnostics"]
    assert len(responses.calls) == 0


@responses.activate
def test_allowed_server_is_called(client):
    serve_chart(responses, [patient(), condition("M54.2")])
    assert ask(client, ALLOWED).status_code == 200
    assert len(data_calls(responses.calls)) == READS


@responses.activate
def test_complete_prefetch_never_needs_the_server(client):
    body = hook_body(
        [order_json("72125")],
        fhir_server="https://attacker.example.net/fhir",
        prefetch=prefetch_for([patient(), condition("M54.2")]),
    )
    assert client.post(SELECT, json=body).status_code == 200
    assert len(responses.calls) == 0


@responses.activate
def test_redirect_to_another_host_is_not_followed(client):
    serve_chart(responses, [patient()])
    responses.replace(
        responses.GET, f"{ALLOWED}/Patient/pat-1", status=302, headers={"Location": "https://attacker.example.net/x"}
    )
    response = ask(client, ALLOWED)
    assert response.status_code == 412
    assert not any("attacker" in call.request.url for call in responses.calls)


@responses.activate
def test_oversized_answer_is_refused(tmp_path, knowledge):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/a.sqlite3", fhir_allowed_servers=ALLOWED, fhir_max_response_bytes=10_000
    )
    client = create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()
    serve_chart(responses, [patient(), condition("M54.2", note=[{"text": "x" * 20_000}])])
    response = ask(client, ALLOWED)
    assert response.status_code == 412
    assert "larger than 10000 bytes" in response.json["issue"][0]["diagnostics"]


def test_policy_rules():
    dev, prod = FhirServerPolicy("https://fhir.example.org/r4/", False), FhirServerPolicy("", True)
    dev.check("https://FHIR.example.org:443/r4/", None)  # normalised: case, default port, trailing slash
    dev.check("https://fhir.example.org/r4/Patient", None)
    dev.check("http://127.0.0.1:8081/fhir", None)  # loopback: development only
    dev.check("http://localhost/fhir", None)
    with pytest.raises(ServerNotAllowed, match="https"):
        prod.check("http://127.0.0.1:8081/fhir", None)
    with pytest.raises(ServerNotAllowed, match="allow-list"):
        prod.check("https://127.0.0.1/fhir", None)
    # configured prefixes are normalised too (RFC 3986: encoded unreserved characters, dot segments)
    FhirServerPolicy("https://fhir.example.org/x/../r%34/", True).check("https://fhir.example.org/r4", None)
    ehr = TrustedClient(iss="https://ehr.test", fhir_servers=("https://fhir.ehr.test/r4",))
    prod.check("https://fhir.ehr.test/r4", ehr)  # the calling client's own servers
    with pytest.raises(ServerNotAllowed):
        prod.check("https://fhir.ehr.test/r4", None)


@responses.activate
def test_a_next_link_outside_the_base_path_is_not_followed(client):
    serve_chart(responses, [patient(), condition("M54.2")])
    escape = "https://fhir.example.org/admin/Condition?page=2"
    responses.replace(
        responses.GET,
        re.compile(r"https://fhir\.example\.org/r4/Condition\?.*"),
        json=searchset([condition("M54.2")], next_url=escape),
    )
    response = ask(client, ALLOWED)
    assert response.status_code == 412
    assert "base URL" in response.json["issue"][0]["diagnostics"]
    assert not any("/admin" in call.request.url for call in responses.calls)


@pytest.mark.parametrize(("batch", "calls"), [(False, 1 + 2 * READS), (True, 1 + 2 * 1)])
def test_a_fhir_server_s_cookie_never_travels_with_another_call(tmp_path, knowledge, batch, calls):
    """A JSESSIONID set during user A's call must not be sent with user B's call (and B's token), whether the
    service reads with GETs or with a batch (calls: the CapabilityStatement once, then each hook call's reads)."""
    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.endswith("/metadata"):
                self.answer(capability_statement(batch))
            else:
                self.answer(patient() if "/Patient/" in self.path else searchset([]))

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.answer(batch_response(("200 OK", patient()), *[("200 OK", searchset([]))] * (READS - 1)))

        def answer(self, document: dict) -> None:
            seen.append(self.headers.get("Cookie"))
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Set-Cookie", "JSESSIONID=session-of-user-a; Path=/")
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(database_url=f"sqlite:///{tmp_path}/audit.sqlite3")
        client = create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()
        base = f"http://127.0.0.1:{server.server_address[1]}/fhir"
        for token in ("token-of-user-a", "token-of-user-b"):
            assert (
                client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=base, token=token)).status_code
                == 200
            )
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [None] * calls


def test_proxies_and_ca_bundle_come_from_the_environment_once_per_origin(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.hospital.internal:3128")
    monkeypatch.setenv("NO_PROXY", "fhir.local")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/hospital.pem")
    session = cookieless_session()

    def settings_for(url: str) -> dict:
        return session.merge_environment_settings(url, {}, None, None, None)

    first = settings_for(f"{ALLOWED}/Patient/pat-1")
    assert first["proxies"]["https"] == "http://proxy.hospital.internal:3128"
    assert first["verify"] == "/etc/ssl/hospital.pem"
    assert "https" not in settings_for("https://fhir.local/r4/Patient/1")["proxies"]  # NO_PROXY
    monkeypatch.setenv("HTTPS_PROXY", "http://elsewhere:1")
    assert settings_for(f"{ALLOWED}/Condition?patient=pat-1")["proxies"]["https"] == first["proxies"]["https"]
    # what `send` passes on: the same settings for a streamed call, also looked up once per origin
    sent = session.send_settings(f"{ALLOWED}/Observation?patient=pat-1")
    assert sent["proxies"]["https"] == first["proxies"]["https"] and sent["verify"] == "/etc/ssl/hospital.pem"
    assert sent["stream"] is True and sent["cert"] is None


@pytest.mark.parametrize("make_session", [cookieless_session, requests.Session], ids=["cookieless", "plain"])
@pytest.mark.parametrize(
    ("method", "url", "headers", "data"),
    [
        (
            "GET",
            f"{ALLOWED}/Condition?patient=pat-1&code=http://loinc.org|8310-5",
            {"Accept": "application/fhir+json"},
            None,
        ),
        ("GET", f"{ALLOWED}/Patient/pat%201", {"Accept": "application/json", "Authorization": "Bearer tok-1"}, None),
        ("POST", ALLOWED, {"Accept": FHIR_JSON, "Content-Type": "application/fhir+json"}, b'{"a": 1}'),
    ],
)
def test_send_makes_the_request_session_request_would(make_session, method, url, headers, data):
    """`send` skips Session.request's per-call merging, not anything it sends: the same method, URL, headers (the
    session's defaults under the call's own, e.g. gzip offered) and body; no redirect followed. (That it streams is
    checked with the settings it sends with, in the test above.)"""
    with responses.RequestsMock() as mock:
        mock.add(method, re.compile(".*"), status=302, headers={"Location": "https://elsewhere.example.net/"})
        session = make_session()
        answers = [
            session.request(method, url, data=data, headers=headers, timeout=1, stream=True, allow_redirects=False),
            send(session, method, url, headers, data, 1),
        ]
        sent = [call.request for call in mock.calls]
    assert [a.status_code for a in answers] == [302, 302]  # the redirect is not followed
    assert len(sent) == 2
    assert sent[1].method == sent[0].method == method
    assert sent[1].url == sent[0].url
    assert dict(sent[1].headers) == dict(sent[0].headers)
    assert "gzip" in sent[1].headers["Accept-Encoding"] and sent[1].headers["Accept"] == headers["Accept"]
    assert sent[1].body == sent[0].body == data


@responses.activate
def test_netrc_credentials_are_never_added(client, tmp_path, monkeypatch):
    """requests would send a .netrc login for the FHIR host as Basic credentials (in place of the bearer token)."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine fhir.example.org login operator password operators-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    serve_chart(responses, [patient(), condition("M54.2")])
    assert client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=ALLOWED)).status_code == 200
    assert responses.calls and all("Authorization" not in call.request.headers for call in responses.calls)
