"""Absent keys in one FHIR batch: used only when the server says it takes batches, entries mapped back to keys,
an entry's error a 412, GETs when the server takes no batches or the batch fails, the capability check cached,
the deadline over the whole exchange, the token only to the server, paging from a batch entry."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import responses

from cds_service.api import create_app
from cds_service.config import ConfigError, Settings
from cds_service.fhir.batch import BatchSupport, batch_entries, takes_batches
from cds_service.fhir.client import Deadline, FhirClient, FhirUnavailable
from tests.builders import condition, observation, order_json, patient
from tests.conftest import TODAY
from tests.fhir_stubs import (
    FHIR,
    KINDS,
    METADATA,
    PREFETCH_KEYS,
    batch_answers,
    batch_requests,
    batch_response,
    capability_statement,
    data_calls,
    serve_chart,
)
from tests.hook_requests import hook_body, prefetch_for, searchset

SELECT = "/cds-services/cspine-auc-select"
TOKEN = "secret-token-123"
KEYS = PREFETCH_KEYS


def chart() -> list[dict[str, Any]]:
    return [patient(), condition("M54.2", onset="2026-11-10")]


def ask(client, **kwargs: Any):
    return client.post(SELECT, json=hook_body([order_json("72125")], fhir_server=FHIR, **kwargs))


def warning(response) -> list[dict[str, Any]]:
    return [c for c in response.json["cards"] if c["indicator"] == "warning"]


def gets(calls) -> list[str]:
    return [c.request.url for c in data_calls(calls) if c.request.method == "GET"]


def metadata_calls(calls) -> int:
    return sum(c.request.url.startswith(METADATA) for c in calls)


# -- the batch is used, and its entries are the keys ----------------------------------------------------------


@responses.activate
def test_absent_keys_are_read_in_one_batch_when_the_server_takes_batches(client):
    serve_chart(responses, chart(), token=TOKEN, batch=True)
    response = ask(client, token=TOKEN)
    assert response.status_code == 200 and warning(response)
    (urls,) = batch_requests(responses.calls)
    assert gets(responses.calls) == []  # no GET besides the capability check
    assert urls[0] == "Patient/pat-1"
    assert [u.split("?")[0] for u in urls[1:]] == list(KINDS)
    assert "patient=pat-1" in urls[2] and "8310-5" in urls[2] and "date=ge2026-08-23" in urls[2]
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in responses.calls)


def test_batch_and_get_ask_the_same_queries(knowledge, settings):
    """The batch's entries are exactly the URLs the GETs would have used (relative to the base). The GETs run in
    parallel, so their order is not compared; the batch's own order is checked above."""
    asked = {}
    for mode in ("auto", "off"):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            serve_chart(rsps, chart(), batch=True)
            app = create_app(replace(settings, fhir_batch=mode), knowledge=knowledge, clock=lambda: TODAY)
            assert ask(app.test_client()).status_code == 200
            batches = batch_requests(rsps.calls)
            asked[mode] = batches[0] if batches else [u.removeprefix(f"{FHIR}/") for u in gets(rsps.calls)]
    assert sorted(asked["auto"]) == sorted(asked["off"])
    assert len(asked["auto"]) == len(set(asked["auto"])) == len(KEYS)


@responses.activate
def test_batch_entries_are_mapped_to_their_keys_in_order(client):
    """A fever in the Observation entry is a red flag (no warning); the same fever in another entry is not read
    as an Observation key's answer."""
    serve_chart(responses, chart(), batch=True)
    fever = observation("8310-5", 39.4, "Cel")
    empty = ("200 OK", searchset([]))
    answer = batch_response(
        ("200 OK", patient()),
        ("200 OK", searchset([condition("M54.2", onset="2026-11-10")])),
        ("200 OK", searchset([fever])),
        *[empty] * (len(KEYS) - 3),
    )
    responses.replace(responses.POST, FHIR, json=answer)
    assert warning(ask(client)) == []


def test_config_checks_the_batch_setting():
    with pytest.raises(ConfigError, match="CDS_FHIR_BATCH"):
        Settings(fhir_batch="always").check()
    assert Settings.from_env({"CDS_FHIR_BATCH": "off"}).fhir_batch == "off"


# -- an entry that fails is that key's 412 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "key", "message"),
    [
        (1, ("500 Internal Server Error", None), "conditions: the FHIR server answered HTTP 500"),
        (1, ("403 Forbidden", None), "conditions: the FHIR server answered HTTP 403"),
        (2, ("200 OK", patient()), "observations: a search did not return a Bundle"),
        (3, ("200 OK", None), "procedures: the FHIR server's batch-response entry has no resource"),
        (4, ("200 OK", {"resourceType": "Bundle", "entry": {}}), "allergies: a search answer cannot be read"),
        (0, ("404 Not Found", None), "patient: the FHIR server does not have it (404)"),
        (0, ("410 Gone", None), "patient: the FHIR server does not have it (404)"),
    ],
)
@responses.activate
def test_an_entry_error_is_a_412_for_that_key(client, entry, key, message):
    serve_chart(responses, chart(), batch=True)
    entries = [("200 OK", patient()), *[("200 OK", searchset([]))] * (len(KEYS) - 1)]
    entries[entry] = key
    responses.replace(responses.POST, FHIR, json=batch_response(*entries))
    response = ask(client)
    assert response.status_code == 412
    assert message in response.json["issue"][0]["diagnostics"]
    assert "cards" not in response.json
    assert gets(responses.calls) == []  # an entry's error is an answer, not a reason to ask again


# -- GETs when the server takes no batches or the batch fails ------------------------------------------------------


@responses.activate
def test_a_server_that_takes_no_batches_is_read_with_gets(client):
    serve_chart(responses, chart(), batch=False)
    assert warning(ask(client))
    assert batch_requests(responses.calls) == []
    assert len(gets(responses.calls)) == len(KEYS)


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "json": {"resourceType": "OperationOutcome"}},
        {"status": 404, "body": "not found"},
        {"status": 302, "headers": {"Location": "https://attacker.example.net/x"}},
        {"status": 200, "body": "<html>not json</html>"},
        {"status": 200, "json": {"resourceType": "Bundle", "type": "transaction-response", "entry": []}},
        {"status": 200, "json": batch_response(("200 OK", patient()))},  # one entry for all the requests
        {"status": 200, "json": {"resourceType": "Bundle", "type": "batch-response", "entry": [{}] * len(KEYS)}},
    ],
)
@responses.activate
def test_a_batch_that_fails_falls_back_to_gets_and_is_not_tried_again_soon(client, failure):
    serve_chart(responses, chart(), batch=True)
    responses.replace(responses.POST, FHIR, **failure)
    assert warning(ask(client))
    assert len(gets(responses.calls)) == len(KEYS)
    assert not any("attacker" in c.request.url for c in responses.calls)
    responses.calls.reset()
    assert warning(ask(client))
    assert batch_requests(responses.calls) == [] and metadata_calls(responses.calls) == 0


@pytest.mark.parametrize(
    "failure",
    [requests.exceptions.ConnectionError("reset"), requests.exceptions.ReadTimeout("slow")],
)
@responses.activate
def test_a_batch_without_an_answer_falls_back_to_gets_and_is_tried_again(client, failure):
    serve_chart(responses, chart(), batch=True)
    responses.replace(responses.POST, FHIR, body=failure)
    assert warning(ask(client))
    assert len(gets(responses.calls)) == len(KEYS)
    responses.calls.reset()
    responses.remove(responses.POST, FHIR)
    responses.add_callback(responses.POST, FHIR, callback=batch_answers(chart()))
    assert warning(ask(client))
    assert len(batch_requests(responses.calls)) == 1 and gets(responses.calls) == []


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "body": "down"},
        {"status": 401, "json": {}},
        {"status": 200, "body": "<html>metadata</html>"},
        {"status": 200, "json": {"resourceType": "Patient"}},
        {"body": requests.exceptions.ReadTimeout("slow")},
    ],
)
@responses.activate
def test_a_failed_capability_check_means_gets_never_an_error(client, failure):
    serve_chart(responses, chart(), batch=True)
    responses.replace(responses.GET, METADATA, **failure)
    response = ask(client)
    assert response.status_code == 200 and warning(response)
    assert batch_requests(responses.calls) == []
    assert len(gets(responses.calls)) == len(KEYS)
    responses.calls.reset()
    assert warning(ask(client))
    assert metadata_calls(responses.calls) == 0  # remembered: no check on every call


@responses.activate
def test_the_capability_check_is_made_once_per_server(client):
    serve_chart(responses, chart(), batch=True)
    for _ in range(3):
        assert warning(ask(client))
    assert metadata_calls(responses.calls) == 1
    assert len(batch_requests(responses.calls)) == 3


@responses.activate
def test_one_key_to_fetch_is_a_plain_get(client):
    serve_chart(responses, chart(), batch=True)
    prefetch = prefetch_for(chart())
    del prefetch["conditions"]
    response = client.post(SELECT, json=hook_body([order_json("72125")], prefetch=prefetch, fhir_server=FHIR))
    assert warning(response)
    assert [c.request.url.split("?")[0] for c in responses.calls] == [f"{FHIR}/Condition"]


@responses.activate
def test_batch_off_never_asks_for_the_capability_statement(knowledge, settings):
    serve_chart(responses, chart(), batch=True)
    app = create_app(replace(settings, fhir_batch="off"), knowledge=knowledge, clock=lambda: TODAY)
    assert warning(ask(app.test_client()))
    assert metadata_calls(responses.calls) == 0 and batch_requests(responses.calls) == []


# -- paging from a batch entry, the token, links --------------------------------------------------------------


@responses.activate
def test_the_pages_after_a_batch_entry_are_read_with_gets(client):
    many = [observation("8310-5", 36.8, "Cel") for _ in range(9)] + [observation("8310-5", 39.0, "Cel")]
    serve_chart(responses, chart() + many, page_size=3, token=TOKEN, batch=True)
    response = ask(client, token=TOKEN)
    assert response.status_code == 200
    assert warning(response) == []  # the fever is on the last page
    assert len(batch_requests(responses.calls)) == 1
    assert [u.split("/r4/")[1] for u in gets(responses.calls)] == [f"Observation-page?n={n}" for n in (1, 2, 3)]
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in responses.calls)


@responses.activate
def test_a_batch_entry_s_first_page_counts_against_the_page_cap(knowledge, settings):
    app = create_app(replace(settings, fhir_max_pages=3), knowledge=knowledge, clock=lambda: TODAY)
    many = [observation("8310-5", 36.8, "Cel") for _ in range(10)]
    serve_chart(responses, chart() + many, page_size=3, batch=True)  # 4 pages: one in the batch, three after
    response = ask(app.test_client())
    assert response.status_code == 412
    assert "more than 3 pages" in response.json["issue"][0]["diagnostics"]


@responses.activate
def test_a_batch_entry_s_next_link_elsewhere_is_not_followed(client):
    serve_chart(responses, chart(), token=TOKEN, batch=True)
    escape = "https://attacker.example.net/r4/Condition?page=2"
    entries = [("200 OK", patient()), ("200 OK", searchset([], next_url=escape))]
    entries += [("200 OK", searchset([]))] * (len(KEYS) - 2)
    responses.replace(responses.POST, FHIR, json=batch_response(*entries))
    response = ask(client, token=TOKEN)
    assert response.status_code == 412
    assert "base URL" in response.json["issue"][0]["diagnostics"]
    assert all(c.request.url == FHIR or c.request.url.startswith(f"{FHIR}/") for c in responses.calls)


@responses.activate
def test_without_a_token_the_batch_carries_no_authorization(client):
    serve_chart(responses, chart(), batch=True)
    assert warning(ask(client))
    assert batch_requests(responses.calls)
    assert all("Authorization" not in c.request.headers for c in responses.calls)


@responses.activate
def test_an_oversized_batch_answer_falls_back_to_gets_each_capped(knowledge, settings):
    app = create_app(replace(settings, fhir_max_response_bytes=3_000), knowledge=knowledge, clock=lambda: TODAY)
    serve_chart(responses, chart(), batch=True)
    big = batch_response(
        ("200 OK", patient()),
        *[("200 OK", searchset([condition("M54.2", note=[{"text": "x" * 600}])]))] * (len(KEYS) - 1),
    )
    responses.replace(responses.POST, FHIR, json=big)
    assert warning(ask(app.test_client()))
    assert len(gets(responses.calls)) == len(KEYS)


# -- one deadline over the capability check, the batch and the pages ----------------------------------------------


def slow_document(base: str, method: str, path: str) -> dict[str, Any]:
    """What the slow server answers: batches taken, a Patient, a Condition search of three pages."""
    if path.endswith("/metadata"):
        return capability_statement(True)
    if method == "POST":
        return batch_response(
            ("200 OK", patient()), ("200 OK", condition_page(base, 0)), *[("200 OK", searchset([]))] * 4
        )
    if "/Patient/" in path:
        return patient()
    if "/Condition" in path:
        return condition_page(base, int(path.rsplit("n=", 1)[1]) if "-page?" in path else 0)
    return searchset([])


def condition_page(base: str, n: int) -> dict[str, Any]:
    """The Condition search's pages: the radiculopathy on the third."""
    if n == 2:
        return searchset([condition("M54.12")])
    return searchset([], next_url=f"{base}/fhir/Condition-page?n={n + 1}")


@contextmanager
def slow_fhir_server(delay: float, batch_drip: float = 0.0, metadata_delay: float | None = None) -> Iterator[str]:
    """A FHIR server taking batches whose every answer comes after `delay` s (`metadata_delay` for the
    CapabilityStatement), the batch's body then one byte every `batch_drip` s; its Condition entry has two more
    pages."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            wait = metadata_delay if metadata_delay is not None and self.path.endswith("/metadata") else delay
            time.sleep(wait)
            body = json.dumps(slow_document(base, self.command, self.path)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            drip = batch_drip if self.command == "POST" else 0.0
            try:
                for chunk in (body[i : i + 1] for i in range(len(body))) if drip else [body]:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    time.sleep(drip)
            except OSError:
                pass  # the client gave up

        do_GET = do_POST = answer  # noqa: N815 - http.server names

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"{base}/fhir"
    finally:
        server.shutdown()
        server.server_close()


def timed_call(tmp_path, knowledge, fhir: str, budget: float, timeout: float = 2.0) -> tuple[Any, float]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/audit.sqlite3", fhir_timeout_seconds=timeout, fhir_budget_seconds=budget
    )
    client = create_app(settings, knowledge=knowledge, clock=lambda: TODAY).test_client()
    started = time.monotonic()
    response = client.post(SELECT, json=hook_body([order_json("72126")], fhir_server=fhir))
    return response, time.monotonic() - started


def test_the_budget_covers_the_check_the_batch_and_the_pages(tmp_path, knowledge):
    """Each step (check, batch, two pages) takes 0.3 s, well within the per-call timeout; 1.2 s in all is past
    the 1 s budget: a 412 at the budget, not a card."""
    with slow_fhir_server(0.3) as fhir:
        response, elapsed = timed_call(tmp_path, knowledge, fhir, budget=1.0)
    assert response.status_code == 412, response.json
    assert "cards" not in response.json
    assert elapsed < 1.4


def test_the_same_slow_server_within_a_larger_budget_gives_the_warning(tmp_path, knowledge):
    with slow_fhir_server(0.3) as fhir:
        response, elapsed = timed_call(tmp_path, knowledge, fhir, budget=4.0)
    assert response.status_code == 200 and warning(response)  # the radiculopathy is on the last page
    assert elapsed >= 1.2


def test_a_dripped_batch_answer_is_cut_off_at_the_budget(tmp_path, knowledge):
    with slow_fhir_server(0.0, batch_drip=0.01) as fhir:  # the batch's answer takes seconds to arrive whole
        response, elapsed = timed_call(tmp_path, knowledge, fhir, budget=1.0)
    assert response.status_code == 412
    assert elapsed < 1.4


def test_a_slow_capability_check_leaves_time_for_the_gets(tmp_path, knowledge):
    """The check may take half of the time left; when it is slower, the reads are GETs in the other half."""
    with slow_fhir_server(0.0, metadata_delay=3.0) as fhir:
        response, elapsed = timed_call(tmp_path, knowledge, fhir, budget=2.0, timeout=2.0)
    assert response.status_code == 200 and warning(response)
    assert 1.0 <= elapsed < 1.6


# -- the capability cache and the batch-response reader -------------------------------------------------------------


class FakeClient:
    """Stands in for FhirClient in BatchSupport: counts capability reads, answers from a table."""

    def __init__(self, base: str, statement: Any) -> None:
        self.base, self.statement, self.reads = base, statement, 0

    def read(self, path: str, deadline: Deadline) -> Any:
        assert path == "metadata"
        self.reads += 1
        if isinstance(self.statement, Exception):
            raise self.statement
        return self.statement


def test_capability_answers_expire_and_the_cache_is_bounded():
    now = [0.0]
    support = BatchSupport(clock=lambda: now[0], max_servers=2)
    deadline = Deadline.after(5)
    a, b, c = (FakeClient(f"https://{n}.example/fhir/", capability_statement(True)) for n in "abc")
    assert support.supported(a, deadline) and support.supported(a, deadline) and a.reads == 1
    now[0] = 3599
    assert support.supported(a, deadline) and a.reads == 1
    now[0] = 3601
    assert support.supported(a, deadline) and a.reads == 2  # expired: asked again
    support.supported(b, deadline)
    support.supported(c, deadline)  # a third server: the oldest answer (a) goes
    assert support.supported(c, deadline) and support.supported(b, deadline) and (b.reads, c.reads) == (1, 1)
    support.supported(a, deadline)
    assert a.reads == 3


def test_a_failed_check_is_retried_after_a_while():
    now = [0.0]
    support = BatchSupport(clock=lambda: now[0])
    client = FakeClient("https://a.example/fhir/", FhirUnavailable("down"))
    assert not support.supported(client, Deadline.after(5))
    now[0] = 299
    assert not support.supported(client, Deadline.after(5)) and client.reads == 1
    now[0] = 301
    client.statement = capability_statement(True)
    assert support.supported(client, Deadline.after(5)) and client.reads == 2


@pytest.mark.parametrize(
    ("statement", "takes"),
    [
        (capability_statement(True), True),
        (capability_statement(False), False),
        (
            {
                "resourceType": "CapabilityStatement",
                "rest": [{"mode": "server", "interaction": [{"code": "transaction"}]}],
            },
            True,
        ),
        (
            {"resourceType": "CapabilityStatement", "rest": [{"mode": "client", "interaction": [{"code": "batch"}]}]},
            False,
        ),
        (
            {"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "interaction": {"code": "batch"}}]},
            False,
        ),
        ({"resourceType": "CapabilityStatement", "rest": "server"}, False),
        ({"resourceType": "OperationOutcome"}, False),
        (None, False),
        ([], False),
    ],
)
def test_what_counts_as_taking_batches(statement, takes):
    assert takes_batches(statement) is takes


@pytest.mark.parametrize(
    "status",
    ["200", "200 OK", "404 Not Found"],
)
def test_entry_statuses_are_read(status):
    (entry,) = batch_entries(batch_response((status, None)), 1)
    assert entry.status == int(status[:3]) and entry.resource is None


@pytest.mark.parametrize("status", ["OK", "20", "2000", "", None, 200, "٢٠٠"])
def test_an_entry_without_a_readable_status_makes_the_batch_unusable(status):
    answer = {"resourceType": "Bundle", "type": "batch-response", "entry": [{"response": {"status": status}}]}
    with pytest.raises(FhirUnavailable, match="no HTTP status"):
        batch_entries(answer, 1)


def test_the_batch_goes_to_the_base_url_only(knowledge):
    """The POST's URL is the base itself, which the client checks like any other URL."""
    posted: list[str] = []

    class Session(requests.Session):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> Any:  # type: ignore[override]
            posted.append(f"{request.method} {request.url}")
            raise requests.exceptions.ConnectionError("stop")

    client = FhirClient(Session(), "https://fhir.example.org/r4", "t", timeout=1, max_bytes=1000, max_pages=2)
    with pytest.raises(FhirUnavailable):
        client.batch({"resourceType": "Bundle"}, Deadline.after(1))
    assert posted == ["POST https://fhir.example.org/r4"]
