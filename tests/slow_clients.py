"""Hostile HTTP clients for tests and bench/slow_clients.py: idle sockets, and clients that drip a
request's headers or body one byte at a time."""

from __future__ import annotations

import socket
import threading
import time

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
