"""Hostile HTTP peers for tests and bench/slow_clients.py: idle sockets and clients that drip a request's
headers or body one byte at a time; a server that drips its answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from tests.builders import condition, order_json, patient
from tests.hook_requests import hook_body, prefetch_for

BODY = hook_body([order_json("72126")], prefetch=prefetch_for([patient(), condition("M54.12")]))
SELECT = "/cds-services/cspine-auc-select"


class Dripper(threading.Thread):
    """One hostile connection: `head` at once, then `drip` one byte at a time, every `interval` seconds."""

    def __init__(self, port: int, head: bytes, drip: bytes, interval: float, until: float) -> None:
        super().__init__(daemon=True)
        self.port, self.head, self.drip, self.interval, self.until = port, head, drip, interval, until
        self.answer = "none"  # what the server did: "closed", an HTTP status line, or "none" (still open)

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=self.interval) as sock:
            try:
                sock.sendall(self.head)
                for byte in self.drip:
                    if time.monotonic() > self.until:
                        return
                    if self._answered(sock):
                        return
                    sock.sendall(bytes([byte]))
            except OSError:
                self.answer = "closed"

    def _answered(self, sock: socket.socket) -> bool:
        try:
            data = sock.recv(200)
        except TimeoutError:
            return False
        self.answer = data.split(b"\r\n", 1)[0].decode(errors="replace") if data else "closed"
        return True


def slow_body(port: int, interval: float, until: float) -> Dripper:
    head = (
        f"POST {SELECT} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
    ).encode()
    return Dripper(port, head, b"{" + b" " * 4998 + b"}", interval, until)


def slow_header(port: int, interval: float, until: float) -> Dripper:
    return Dripper(port, b"", f"POST {SELECT} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() * 100, interval, until)


def idle_sockets(port: int, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]


def legitimate_calls(base: str, count: int, interval: float, timeout: float = 30) -> tuple[list[float], int]:
    """Latency (s) of `count` hook calls, each on a new connection, one every `interval` seconds; and how
    many failed (no 200 within `timeout`)."""
    latencies, failed = [], 0
    for _ in range(count):
        started = time.monotonic()
        try:
            ok = requests.post(f"{base}{SELECT}", json=BODY, timeout=timeout).status_code == 200
        except requests.RequestException:
            ok = False
        latencies.append(time.monotonic() - started)
        failed += not ok
        time.sleep(max(0.0, interval - latencies[-1]))
    return latencies, failed


@contextmanager
def dripping_server(body_for: Callable[[str], bytes], interval: float) -> Iterator[str]:
    """A local HTTP server that answers every GET with 200 and a Content-Length at once, then sends the
    body one byte every `interval` seconds (each read succeeds well within any per-read timeout)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = body_for(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(interval)
            except OSError:
                pass  # the client gave up

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
