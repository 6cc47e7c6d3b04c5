"""The ASGI front (http_front.BodyFirst) on its own: only complete bodies reach the app."""

from __future__ import annotations

import asyncio
import gc
import json

import pytest

from cds_service.http_front import BodyFirst, answer


def echo_app(environ, start_response):
    """Answers with what it was given: method, path, body, one header."""
    body = environ["wsgi.input"].read()
    seen = {"path": environ["PATH_INFO"], "body": body.decode(), "type": environ.get("CONTENT_TYPE")}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


def run(messages, headers=(), *, threads=1, timeout=1.0, max_body=100):
    """Serve one request whose body arrives as `messages` (then nothing more); (sent messages, app called)."""
    called = []

    def app(environ, start_response):
        called.append(environ)
        return echo_app(environ, start_response)

    async def go():
        queue = list(messages)
        sent = []

        async def receive():
            if queue:
                return queue.pop(0)
            await asyncio.sleep(3600)  # the client sends nothing more

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/cds-services/x", "headers": list(headers)}
        await BodyFirst(app, max_body=max_body, body_timeout=timeout, threads=threads)(scope, receive, send)
        return sent

    return asyncio.run(go()), called


def body(chunk: bytes, more: bool = False):
    return {"type": "http.request", "body": chunk, "more_body": more}


@pytest.mark.parametrize("threads", [1, 2])
def test_a_body_in_several_chunks_reaches_the_app_whole(threads):
    sent, called = run([body(b'{"a":', True), body(b" 1}")], [(b"content-type", b"application/json")], threads=threads)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"path": "/cds-services/x", "body": '{"a": 1}', "type": "application/json"}
    assert called[0]["CONTENT_LENGTH"] == "8"


def test_a_declared_length_over_the_cap_is_413_before_any_read():
    sent, called = run([], [(b"content-length", b"101")])
    assert sent[0]["status"] == 413 and not called
    assert json.loads(sent[1]["body"])["resourceType"] == "OperationOutcome"


def test_a_chunked_body_growing_over_the_cap_is_413():
    sent, called = run([body(b"x" * 60, True), body(b"x" * 60, True)])
    assert sent[0]["status"] == 413 and not called


def test_a_body_that_breaks_off_is_not_processed_and_is_answered_400():
    # (a client gone and a body broken off arrive alike, as http.disconnect: a client still there gets a clear 400
    # instead of the server's own plain-text 500; one gone never reads it)
    sent, called = run([body(b'{"complete": "json"}', True), {"type": "http.disconnect"}])
    assert sent[0]["status"] == 400 and called == []


def test_a_body_that_does_not_arrive_in_time_is_408_and_closes_the_connection():
    sent, called = run([body(b"{", True)], timeout=0.05)
    assert sent[0]["status"] == 408 and not called
    assert (b"connection", b"close") in sent[0]["headers"]


@pytest.mark.parametrize(("threads", "collector_on"), [(1, False), (2, True)])
def test_one_app_thread_runs_the_app_with_the_garbage_collector_paused_several_leave_it_on(threads, collector_on):
    seen = []

    def app(environ, start_response):
        seen.append(gc.isenabled())
        return echo_app(environ, start_response)

    async def go():
        async def receive():
            return body(b"{}")

        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/cds-services/x", "headers": []}
        await BodyFirst(app, max_body=100, body_timeout=1.0, threads=threads)(scope, receive, send)
        return sent

    gc.enable()
    sent = asyncio.run(go())
    assert sent[0]["status"] == 200
    assert seen == [collector_on]
    assert gc.isenabled()


def test_the_collector_is_on_again_when_the_app_raises():
    def app(environ, start_response):
        raise RuntimeError("a bug")

    gc.enable()
    with pytest.raises(RuntimeError):
        answer(app, {})
    assert gc.isenabled()
