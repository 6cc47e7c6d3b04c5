"""Session fixtures for the HAPI FHIR end-to-end tests: one HAPI server with every fixture chart loaded,
and the CDS service running as a real HTTP server (granian) that reads its data from HAPI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.fixtures.large_chart import large_chart_bundle
from tests.integration.external_fhir import ENV as EXTERNAL_ENV
from tests.integration.external_fhir import ExternalFhirServer
from tests.integration.hapi import HapiServer, build, missing_tools
from tests.servers import cds_service

# Generous FHIR limits for the shared service: HAPI answers its first queries slowly while the JVM warms up.
E2E_SERVICE_ENV = {
    "CDS_FHIR_TIMEOUT_SECONDS": "15",
    "CDS_FHIR_BUDGET_SECONDS": "30",
    "CDS_SQLITE_SYNCHRONOUS": "NORMAL",
}


@pytest.fixture(scope="session")
def hapi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HapiServer | ExternalFhirServer]:
    """Build (cached), start and load the HAPI test server; skip only outside CI when Java/Maven are missing.
    With CDS_TEST_FHIR_SERVER set, use that server instead (external_fhir.py) and delete what was loaded."""
    if os.environ.get(EXTERNAL_ENV):
        external = ExternalFhirServer(os.environ[EXTERNAL_ENV])
        external.start()
        try:
            external.load_demo_charts()
            external.load(large_chart_bundle())
            yield external
        finally:
            external.stop()
            external.clean_up()
        return
    reason = missing_tools()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the HAPI FHIR tests: {reason}")
        pytest.skip(reason)
    server = HapiServer(build(), tmp_path_factory.mktemp("hapi") / "hapi.log")
    server.start()
    try:
        server.load_demo_charts()
        server.load(large_chart_bundle())
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory, hapi: HapiServer | ExternalFhirServer) -> Iterator[str]:
    with cds_service(tmp_path_factory.mktemp("e2e-service"), **E2E_SERVICE_ENV) as url:
        yield url


@pytest.fixture
def live_hapi(hapi: HapiServer | ExternalFhirServer) -> HapiServer | ExternalFhirServer:
    """The HAPI server, running, with an empty request log."""
    if not hapi.running:
        pytest.fail("the HAPI server is no longer running (a test that stops it must run last)")
    hapi.clear_requests()
    return hapi
