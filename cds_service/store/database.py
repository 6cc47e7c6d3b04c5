"""The SQLAlchemy engine: SQLite (WAL, chosen sync level, busy timeout) or a server database URL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine

from cds_service.config import SQLITE_SYNC_LEVELS


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for in-memory SQLite and server databases."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        return Path(url.removeprefix("sqlite:///"))
    return None


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
    engine = create_engine(url, connect_args=connect_args)
    if not sqlite:
        _ping_after_idle(engine)
    else:

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


IDLE_BEFORE_PING = 1.0  # seconds a pooled server connection may rest before checkout checks it (busy: never)


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection at checkout only when it has rested (SQLAlchemy's pessimistic disconnect
    handling: a dead one raises DisconnectionError and the pool opens another). `pool_pre_ping` pings at every
    checkout: a round trip per transaction, two per hook call, with the server busy."""

    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_BEFORE_PING:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:  # any failure: the connection is not usable
            raise exc.DisconnectionError() from error
