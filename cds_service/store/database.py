"""The SQLAlchemy engine: SQLite (WAL, chosen sync level, busy timeout) or a server database URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from cds_service.config import SQLITE_SYNC_LEVELS


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for in-memory SQLite and server databases."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url.removeprefix("sqlite:///"))
    return None


def open_claims_engine(url: str) -> Engine | None:
    """The engine for JWT ids, which only guard against a replay within a token's short lifetime: committed without
    waiting for the disk (they survive a crash of the service, not of the OS or the database server). A SQLite file:
    synchronous NORMAL. PostgreSQL: each INSERT commits on its own (autocommit) with synchronous_commit off for the
    whole session, so a claim is one statement, not BEGIN / SET / INSERT / COMMIT. None: use the main engine (an
    in-memory SQLite database is one connection's own)."""
    if sqlite_file(url) is not None:
        return open_engine(url, "NORMAL")
    if not url.startswith("postgresql"):
        return None
    engine = open_engine(url, "NORMAL")

    # set on each new session, so the URL's or PGOPTIONS' own settings (a search_path ...) still apply
    @event.listens_for(engine, "connect")
    def _unsynced(connection: Any, _record: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
        connection.commit()

    return engine.execution_options(isolation_level="AUTOCOMMIT")


def open_engine(url: str, sqlite_synchronous: str) -> Engine:
    if sqlite_synchronous.upper() not in SQLITE_SYNC_LEVELS:
        raise ValueError(f"SQLite synchronous mode must be one of {SQLITE_SYNC_LEVELS}, not {sqlite_synchronous!r}")
    if (path := sqlite_file(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    sqlite = url.startswith("sqlite:")
    # a server that does not answer must not hold a request longer than a few seconds
    connect_args = {"connect_timeout": 3} if url.startswith("postgresql+psycopg://") else {}
    # a local file needs no liveness check per checkout
    engine = create_engine(url, pool_pre_ping=not sqlite, connect_args=connect_args)
    if sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine
