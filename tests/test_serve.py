"""`cds-service serve` as a real HTTP server (granian): discovery, a warning card, CORS, errors."""

from __future__ import annotations

import json
import socket
import sqlite3
import time

import pytest
import requests

from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for
from tests.servers import cds_service
from tests.slow_clients import idle_sockets, legitimate_calls, slow_body, slow_header

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with cds_service(tmp_path_factory.mktemp("serve")) as url:
        yield url


def test_discovery_over_http(base_url):
    response = requests.get(f"{base_url}/cds-services", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert len(response.json()["services"]) == 2


def test_warning_card_over_http(base_url):
    chart = [patient(), condition("M54.12")]
    body = hook_body([order_json("72126")], prefetch=prefetch_for(chart))
    response = requests.post(f"{base_url}/cds-services/cspine-auc-select", json=body, timeout=5)
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["indicator"] == "warning"
    assert card["suggestions"][0]["actions"][0]["resource"]["code"]["coding"][0]["code"] == "72141"


def test_preflight_over_http(base_url):
    response = requests.options(
        f"{base_url}/cds-services/cspine-auc-select",
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=5,
    )
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"


def test_bad_json_over_http(base_url):
    response = requests.post(
        f"{base_url}/cds-services/cspine-auc-select", data="{", timeout=5, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"


def test_every_log_line_is_json_including_the_server_s_own(tmp_path):
    with cds_service(tmp_path) as url:
        body = hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))
        assert requests.post(f"{url}/cds-services/cspine-auc-select", json=body, timeout=5).status_code == 200
    lines = [json.loads(line) for line in (tmp_path / "service.log").read_text().splitlines() if line.strip()]
    loggers = {entry["logger"] for entry in lines}
    assert {"_granian", "cds_service.hooks"} <= loggers
    assert any(entry["message"] == "hook answered" and entry.get("request_id") for entry in lines)


def post_chunked(base_url: str, chunks, timeout: float) -> requests.Response:
    """An order-select call whose body is sent chunked (a generator: no Content-Length)."""
    return requests.post(
        f"{base_url}/cds-services/cspine-auc-select",
        data=chunks,
        headers={"Content-Type": "application/json"},
        timeout=timeout,
    )


def test_a_chunked_request_is_read_whole(base_url):
    body = json.dumps(hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")])))
    response = post_chunked(base_url, (body[i : i + 500].encode() for i in range(0, len(body), 500)), timeout=5)
    assert response.status_code == 200
    assert response.json()["cards"][0]["indicator"] == "warning"


def test_a_chunked_body_over_the_limit_is_413_not_cut_short(base_url):
    response = post_chunked(base_url, (b"x" * 100_000 for _ in range(60)), timeout=10)  # 6 MB, over the 5 MB default
    assert response.status_code == 413
    assert response.json()["resourceType"] == "OperationOutcome"


def test_one_keep_alive_connection_carries_many_requests(base_url):
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        stream = connection.makefile("rb")
        for _ in range(20):  # the same socket every time: the server keeps it open
            connection.sendall(f"GET /cds-services HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            status = stream.readline()
            headers = {}
            while (line := stream.readline()) != b"\r\n":
                name, value = line.decode().split(":", 1)
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            assert status.split()[1] == b"200" and json.loads(body)["services"]
            assert headers.get("connection", "").lower() != "close"


def test_slow_and_idle_clients_do_not_hold_up_a_legitimate_call(tmp_path):
    """Slow bodies used to hold a worker's only thread each (4 froze the service); idle sockets held
    connection slots until the 30 s header timeout. Now both wait in the event loop, at no thread's cost."""
    with cds_service(tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        until = time.monotonic() + 10
        idle = idle_sockets(port, 1000)
        drippers = [slow_body(port, 0.5, until) for _ in range(8)] + [slow_header(port, 0.5, until) for _ in range(4)]
        for dripper in drippers:
            dripper.start()
        time.sleep(0.5)  # every slow client has sent its headers (or begun to)
        latencies, failed = legitimate_calls(base, 5, 0.2, timeout=5)
        for sock in idle:
            sock.close()
    assert failed == 0
    assert max(latencies) < 1.0, latencies


def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_is_closed(tmp_path):
    with cds_service(tmp_path, CDS_HTTP_BODY_TIMEOUT_SECONDS="1") as base:
        dripper = slow_body(int(base.rsplit(":", 1)[1]), 0.25, time.monotonic() + 5)
        started = time.monotonic()
        dripper.run()
    assert dripper.answer == "HTTP/1.1 408 Request Timeout"
    assert time.monotonic() - started < 2.5


def test_an_idle_connection_is_closed_after_the_header_timeout(tmp_path):
    with cds_service(tmp_path, CDS_HTTP_HEADER_TIMEOUT_SECONDS="1") as base:
        (sock,) = idle_sockets(int(base.rsplit(":", 1)[1]), 1)
        sock.settimeout(5)
        started = time.monotonic()
        while sock.recv(100):  # hyper may say 408 first; then it closes
            pass
        assert time.monotonic() - started < 2.5
        sock.close()


def test_a_chunked_body_without_its_final_chunk_is_not_processed(tmp_path):
    """The client stops after a chunk that holds a whole, valid request (no terminating 0-chunk)."""
    body = json.dumps(hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")])))
    with cds_service(tmp_path) as base, socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as sock:
        sock.sendall(
            f"POST /cds-services/cspine-auc-select HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n{len(body):x}\r\n{body}\r\n".encode()
        )
        sock.shutdown(socket.SHUT_WR)  # the body ends here, cut short
        sock.settimeout(5)
        answer = read_answer(sock)
        time.sleep(0.3)  # anything the service recorded is journaled before it answers
    assert_incomplete_body_400(answer)
    with sqlite3.connect(tmp_path / "audit.sqlite3") as connection:
        assert connection.execute("select count(*) from hook_calls").fetchone()[0] == 0
    journal = tmp_path / "audit.sqlite3.journal"
    assert not any(b"hook_calls" in segment.read_bytes() for segment in journal.glob("*.jsonl"))


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or 5 s pass)."""
    sock.settimeout(5)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except TimeoutError:
        pass
    return answer


def assert_incomplete_body_400(answer: bytes) -> None:
    """The service's own 400 OperationOutcome (not the server's plain-text 500)."""
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head[:60]
    outcome = json.loads(content)
    assert outcome["resourceType"] == "OperationOutcome"
    (issue,) = outcome["issue"]
    assert issue["severity"] == "error" and issue["code"] == "invalid" and "body" in issue["diagnostics"]


@pytest.mark.parametrize(
    "rest",
    [
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",  # a chunk size that is not hexadecimal
        b"Content-Length: 100\r\n\r\n{{{{{{{{{{",  # 10 of 100 bytes, then a half-close
    ],
    ids=["bad-chunk-size", "content-length-cut-short"],
)
def test_a_malformed_or_cut_short_body_is_a_400_operation_outcome(base_url, rest):
    with socket.create_connection(("127.0.0.1", int(base_url.rsplit(":", 1)[1]))) as sock:
        sock.sendall(b"POST /cds-services/cspine-auc-select HTTP/1.1\r\nHost: 127.0.0.1\r\n" + rest)
        sock.shutdown(socket.SHUT_WR)
        assert_incomplete_body_400(read_answer(sock))
