"""docker-compose.yml and the Dockerfile agree with what the service and the loader read.

No Docker engine is needed: the files are parsed and checked against the service's own settings and
command line. Where the `docker compose` plugin exists, `docker compose config` validates the file too.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from cds_service.cli import _parser
from cds_service.config import PREFIX, ConfigError, Settings
from cds_service.security import FhirServerPolicy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _container_port(mapping: str) -> int:
    return int(str(mapping).rsplit(":", 1)[1])


def test_the_three_services(compose):
    assert set(compose["services"]) == {"hapi", "cds", "load-demo"}


def test_hapi_image_is_pinned_r4_with_cors_and_no_search_reuse(compose):
    hapi = compose["services"]["hapi"]
    image, _, tag = hapi["image"].partition(":")
    assert image == "hapiproject/hapi"
    found = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)(?:-(\d+))?", tag)
    assert found, f"pin a release tag, not {tag!r}"
    # the HealthCheck class used below ships with v8.10.0-1 and later
    assert tuple(int(x or 0) for x in found.groups()) >= (8, 10, 0, 1)
    assert hapi["healthcheck"]["test"] == ["CMD", "java", "-cp", "/app", "HealthCheck"]
    env = hapi["environment"]
    assert env["hapi.fhir.fhir_version"] == "R4"
    assert env["hapi.fhir.cors.allowed_origin"] == "*"
    assert env["hapi.fhir.reuse_cached_search_results_millis"] == "0"
    assert [_container_port(p) for p in hapi["ports"]] == [8080]


def test_service_environment_is_what_the_service_reads(compose):
    cds = compose["services"]["cds"]
    env = {k: str(v) for k, v in cds["environment"].items()}
    fields = {PREFIX + name.upper() for name in Settings.__dataclass_fields__}
    assert set(env) <= fields, f"unknown settings: {set(env) - fields}"
    settings = Settings.from_env(env)  # every value converts
    settings.check()  # and the combination is accepted
    assert settings.host == "0.0.0.0"
    hapi_port = _container_port(compose["services"]["hapi"]["ports"][0])
    FhirServerPolicy(settings.fhir_allowed_servers, settings.production).check(f"http://hapi:{hapi_port}/fhir", None)
    assert [_container_port(p) for p in cds["ports"]] == [settings.port]
    assert f"127.0.0.1:{settings.port}/healthz" in " ".join(cds["healthcheck"]["test"])
    database_dir = str(Path(urlsplit(settings.database_url).path.lstrip("/")).parent)
    mounts = [volume.split(":")[1] for volume in cds["volumes"]]
    assert f"/{database_dir.lstrip('/')}" in mounts, "the audit database must be on a volume"
    assert cds["build"] == "."


def test_loader_command_parses_and_targets_the_hapi_service(compose, dockerfile):
    loader = compose["services"]["load-demo"]
    command = loader["command"]
    assert command[0] == "cds-service"
    args = _parser().parse_args(command[1:])
    target = urlsplit(args.fhir_server)
    hapi_port = _container_port(compose["services"]["hapi"]["ports"][0])
    assert (target.hostname, target.port, target.path) == ("hapi", hapi_port, "/fhir")
    assert loader["depends_on"]["hapi"]["condition"] == "service_healthy"
    copies = {shlex.split(a)[-1]: shlex.split(a)[0] for op, a in dockerfile if op == "COPY"}
    (charts,) = args.paths
    source = copies["./" + str(charts.relative_to("/app"))]  # WORKDIR /app
    assert len(list((ROOT / source).glob("*.json"))) >= 13


def test_dockerfile_copies_existing_paths_and_runs_the_production_server(dockerfile):
    for op, args in dockerfile:
        if op == "COPY":
            *sources, _ = shlex.split(args)
            for source in sources:
                assert (ROOT / source).exists(), source
    assert dict(dockerfile)["CMD"] == '["cds-service", "serve"]'
    assert ("WORKDIR", "/app") in dockerfile
    env = " ".join(a for op, a in dockerfile if op == "ENV").split()
    assert "CDS_HOST=0.0.0.0" in env and "CDS_PORT=8080" in env
    assert ("EXPOSE", "8080") in dockerfile
    image_defaults = dict(item.split("=", 1) for item in env)
    assert image_defaults["CDS_MODE"] == "production"
    with pytest.raises(ConfigError):  # the image refuses to start until it is configured (SECURITY.md)
        Settings.from_env({k: v for k, v in image_defaults.items() if k.startswith("CDS_")}).check()


def test_docker_compose_config_when_the_plugin_exists():
    try:
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=20, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        pytest.skip("no docker client; the structural checks above still ran")
    if probe.returncode != 0:
        pytest.skip("no `docker compose` plugin; the structural checks above still ran")
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
