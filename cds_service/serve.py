"""`cds-service serve`: the production HTTP server (granian, WSGI), or Flask's reloader when asked."""

from __future__ import annotations

import argparse
import gc
import logging
import multiprocessing
import resource
from typing import Any

from cds_service.config import ConfigError, Settings
from cds_service.http_front import BodyFirst
from cds_service.logs import configure_logging


def add_serve_command(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the CDS Hooks service (settings: CDS_* environment variables)")
    serve.add_argument("--host", help="bind address (CDS_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (CDS_PORT, default 8080)")
    serve.add_argument("--workers", type=int, help="server processes (CDS_WORKERS, default 4)")
    serve.add_argument("--reload", action="store_true", help="development server with auto-reload (not for production)")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port), ("workers", args.workers)) if v}
    try:
        settings = Settings.from_env(**overrides)
        settings.check()
    except ConfigError as exc:
        raise SystemExit(f"cds-service: {exc}") from None
    configure_logging(settings.log_level)
    from cds_service.api import create_app

    try:
        app = create_app(settings)  # loads and validates the mappings and trusted clients before serving
    except ConfigError as exc:
        raise SystemExit(f"cds-service: {exc}") from None
    log = logging.getLogger("cds_service.serve")
    log.info(
        "starting",
        extra={
            "host": settings.host,
            "port": settings.port,
            "reload": args.reload,
            "mode": settings.mode,
            "auth": settings.auth_mode,
            "database": settings.database_url.split(":", 1)[0],
        },
    )
    if args.reload:
        log.warning("development server with auto-reload: not for production use")
        app.run(host=settings.host, port=settings.port, debug=True, use_reloader=True)
        return 0
    gc.freeze()  # start-up objects (knowledge, schemas) move out of the collector's way in every worker
    _allow_open_files(settings.workers * settings.http_max_connections + 256, log)
    _run_granian(app, settings)
    return 0


def _allow_open_files(wanted: int, log: logging.Logger) -> None:
    """Raise this process's (and so its workers') open-file limit towards `wanted`, up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        log.warning(
            "open-file limit below the connection cap; lower CDS_HTTP_MAX_CONNECTIONS or raise the limit",
            extra={"limit": target, "wanted": wanted},
        )


def _run_granian(app: Any, settings: Settings) -> None:
    """granian's worker processes, forked from this one with the app already built.

    Each worker reads request bodies in its event loop (http_front.BodyFirst: deadline, size cap) and
    runs the app on its own threads; slow or idle clients are bounded by the header and body timeouts
    and the connection cap. Each worker opens its own database connections. When the server stops
    (after its workers have ended), this process moves what the workers journaled into the database; a worker that died
    unexpectedly is replaced, and its journal is recovered by the others (within ~10 s) or at the stop.
    """
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import MPServer

    store = app.extensions["cds_service"].store
    multiprocessing.set_start_method("fork", force=True)  # workers inherit the built app (no re-import)
    server = MPServer(
        "cds_service.api:create_app",  # shown in the process title only: the loader below hands over `app`
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGINL,  # bodies read by the event loop, not a thread (http_front.py); no lifespan
        loop=Loops.auto,  # uvloop (a dependency): ~0.15 ms less CPU per request than asyncio's loop
        workers=settings.workers,
        backpressure=settings.http_max_connections,  # open connections per worker (idle ones cost no thread)
        http=HTTPModes.http1,  # what EHRs and the sandbox speak; TLS and HTTP/2 belong to the reverse proxy
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.http_header_timeout_seconds * 1000),  # also ends idle keep-alive
            keep_alive=True,
        ),
        websockets=False,
        log_level=LogLevels.info,  # granian's own start/stop lines; ours follow CDS_LOG_LEVEL
        log_dictconfig=_json_logging(settings.log_level),
        respawn_failed_workers=True,
        workers_kill_timeout=30,
    )

    def worker_app() -> Any:
        store.after_fork()
        return BodyFirst(  # its threads start in the worker
            app,
            max_body=settings.max_request_bytes,
            body_timeout=settings.http_body_timeout_seconds,
            threads=settings.threads,
        )

    def collect_journals() -> None:
        try:
            store.close()
        except Exception as exc:  # the journal stays on disk; the next start recovers it
            logging.getLogger("cds_service.serve").error(
                "audit journal left for the next start", extra={"error": type(exc).__name__}
            )

    server.on_shutdown(collect_journals)
    server.serve(target_loader=worker_app, wrap_loader=False)


def _json_logging(level: str) -> dict[str, Any]:
    """logging.dictConfig for granian: its loggers and the root logger write our JSON lines to stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "cds_service.logs.JsonFormatter"}},
        "filters": {"no_worker_count_advice": {"()": "cds_service.serve.WorkerCountAdviceFilter"}},
        "handlers": {"stderr": handler | {"filters": ["no_worker_count_advice"]}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "_granian": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "granian.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
        },
    }


class WorkerCountAdviceFilter(logging.Filter):
    """Drops granian's advice to run no more workers than cores and add threads instead.

    It fits async apps; ours holds the GIL for most of a request (and for the FHIR client's JSON), so
    threads do not add throughput, processes do: 4 processes on 2 cores measured best in both benchmark modes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Configured number of workers appears to be higher")
