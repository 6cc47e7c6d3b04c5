"""The integration tests against a FHIR server someone already runs, e.g. `docker compose up -d hapi`:

    CDS_TEST_FHIR_SERVER=http://localhost:8081/fhir .venv/bin/python -m pytest -m integration tests/integration

The tests load their charts into it (transaction Bundles of PUTs with fixed ids) and delete them afterwards. They
talk to it through a small recording proxy on a loopback port, so the checks the built-in server answers itself
(which requests arrived, with which Authorization header, what a batch asked; a server that hangs; a server that
is gone) work the same way. The proxy forwards the Host header it received, so the server's paging links point
back at the proxy.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import requests

from cds_service.demo_load import post_transaction
from tests.integration.hapi import CHARTS
from tests.servers import free_port

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
    "content-length",
    "content-encoding",
}
ENV = "CDS_TEST_FHIR_SERVER"


class ExternalFhirServer:
    """The same interface as HapiServer, for a server this test run did not start."""

    def __init__(self, external_base: str) -> None:
        self.external_base = external_base.rstrip("/")
        parts = urlsplit(self.external_base)
        self.external_root = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.base = f"{self.root}{self.path}"
        self._seen: list[dict[str, str]] = []
        self._answering = threading.Event()
        self._answering.set()
        self._loaded: list[str] = []  # "Type/id" of everything the tests stored, to delete afterwards
        self._proxy: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        requests.get(f"{self.external_base}/metadata", timeout=30).raise_for_status()
        self._proxy = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._proxy.daemon_threads = True
        threading.Thread(target=self._proxy.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Gone, as far as the service can tell: the proxy stops listening."""
        if self._proxy is not None:
            self._answering.set()
            self._proxy.shutdown()
            self._proxy.server_close()
            self._proxy = None

    def clean_up(self) -> None:
        """Delete every resource the tests stored (one transaction, so references between them do not matter)."""
        if not self._loaded:
            return
        entries = [{"request": {"method": "DELETE", "url": ref}} for ref in reversed(dict.fromkeys(self._loaded))]
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        requests.post(self.external_base, json=bundle, timeout=300).raise_for_status()
        self._loaded.clear()

    @property
    def running(self) -> bool:
        return self._proxy is not None

    # -- data -----------------------------------------------------------------------------------------------
    def load_demo_charts(self) -> None:
        for path in sorted(CHARTS.glob("*.json")):
            self.load(json.loads(path.read_text(encoding="utf-8")))

    def load(self, bundle: dict[str, Any]) -> None:
        self._loaded += [e["request"]["url"] for e in bundle["entry"] if e["request"]["method"] == "PUT"]
        with requests.Session() as session:
            post_transaction(self.external_base, bundle, session)

    # -- what the service asked ---------------------------------------------------------------------------------
    def requests_seen(self) -> list[dict[str, str]]:
        return list(self._seen)

    def clear_requests(self) -> None:
        self._seen.clear()

    def pause(self) -> None:
        """Connections are accepted, nothing answers (until resume)."""
        self._answering.clear()

    def resume(self) -> None:
        self._answering.set()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Forward(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                server._answering.wait()
                if not server.running:  # stopped: a kept-alive connection is dropped unanswered
                    self.close_connection = True
                    return
                seen = {
                    "method": self.command,
                    "url": self.path,
                    "authorization": self.headers.get("Authorization", ""),
                }
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == "POST" and self.path.rstrip("/") == server.path:  # a batch: what it asked
                    seen["body"] = (body or b"").decode("utf-8", errors="replace")
                server._seen.append(seen)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                answer = requests.request(
                    self.command,
                    server.external_root + self.path,
                    data=body,
                    headers=headers,
                    timeout=120,
                    allow_redirects=False,
                )
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815 - http.server names

            def log_message(self, *_args: Any) -> None:
                pass

        return Forward
