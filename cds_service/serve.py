"""`cds-service serve`: the production WSGI server (gunicorn), or Flask's reloader when asked."""

from __future__ import annotations

import argparse
import gc
import logging
from typing import Any

from cds_service.config import ConfigError, Settings
from cds_service.logs import configure_logging


def add_serve_command(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the CDS Hooks service (settings: CDS_* environment variables)")
    serve.add_argument("--host", help="bind address (CDS_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (CDS_PORT, default 8080)")
    serve.add_argument("--workers", type=int, help="server processes (CDS_WORKERS, default 2)")
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
    _Gunicorn(app, settings).run()
    return 0


try:
    from gunicorn.app.base import BaseApplication
except ImportError:  # pragma: no cover - gunicorn is a dependency; this keeps `evaluate` usable without it
    BaseApplication = object  # type: ignore[assignment,misc]


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn with our settings; the app is created once and forked into the workers."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.application = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("threads", self.settings.threads)
        self.cfg.set("worker_class", "gthread")  # keep-alive connections, as EHRs and the sandbox use them
        self.cfg.set("timeout", 30)
        self.cfg.set("keepalive", 5)
        self.cfg.set("accesslog", None)
        self.cfg.set("logconfig_dict", _json_logging(self.settings.log_level))  # gunicorn's own lines as JSON too
        self.cfg.set("post_fork", _after_fork)
        self.cfg.set("worker_exit", _before_worker_exit)

    def load(self) -> Any:
        return self.application


def _json_logging(level: str) -> dict[str, Any]:
    """logging.dictConfig for gunicorn: its logger and the root logger write our JSON lines to stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "cds_service.logs.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
        },
    }


def _after_fork(_server: Any, worker: Any) -> None:
    """Each worker opens its own database connections (none may be shared across a fork)."""
    worker.app.application.extensions["cds_service"].store.after_fork()


def _before_worker_exit(_server: Any, worker: Any) -> None:
    """A stopping worker moves its journaled decisions into the database."""
    worker.app.application.extensions["cds_service"].store.close()
