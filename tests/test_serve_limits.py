"""`cds-service serve` raises its open-file limit so the connection cap can be reached."""

from __future__ import annotations

import logging
import resource

from cds_service import serve


def test_the_open_file_limit_is_raised_up_to_the_hard_limit(monkeypatch, caplog):
    limits = {"now": (1024, 50_000)}
    monkeypatch.setattr(resource, "getrlimit", lambda _kind: limits["now"])
    monkeypatch.setattr(resource, "setrlimit", lambda _kind, value: limits.update(now=value))
    serve._allow_open_files(8448, logging.getLogger("test"))
    assert limits["now"] == (8448, 50_000)
    limits["now"] = (1024, 4096)
    with caplog.at_level(logging.WARNING):
        serve._allow_open_files(8448, logging.getLogger("test"))
    assert limits["now"] == (4096, 4096)
    assert "CDS_HTTP_MAX_CONNECTIONS" in caplog.text
