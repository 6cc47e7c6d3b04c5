"""A throw-away PostgreSQL server for tests: initdb in a temporary directory, a free port, trust auth."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from glob import glob
from pathlib import Path

from tests.servers import free_port


def postgres_bin() -> Path | None:
    """The directory holding initdb and pg_ctl (PATH first, then Debian's /usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


class PostgresServer:
    """A throw-away cluster in `directory` on `port` (a free one by default) that can be stopped and started."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.directory, self.port = directory, port or free_port()
        self.url = f"postgresql://cds@127.0.0.1:{self.port}/postgres"
        data, sockets = directory / "data", directory / "sockets"
        sockets.mkdir(parents=True)
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(directory, "postgres")
            shutil.chown(sockets, "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._ctl = [*self._as_user, str(bin_dir / "pg_ctl"), "-D", str(data)]
        self._options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={sockets}"
        subprocess.run(
            [*self._as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "cds", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        log = str(self.directory / "server.log")
        subprocess.run([*self._ctl, "-o", self._options, "-l", log, "-w", "start"], check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run([*self._ctl, "-m", "fast", "-w", "stop"], check=False, capture_output=True)


@contextmanager
def postgres_server(directory: Path) -> Iterator[str]:
    """Start PostgreSQL with its data in `directory`; yields a `postgresql://` URL; stops it afterwards."""
    server = PostgresServer(directory)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def throwaway_postgres() -> Iterator[str]:
    """For a module fixture: a throw-away server's URL (skipped when PostgreSQL is not installed, except under CI,
    where that fails the run), removed afterwards."""
    import pytest

    if postgres_bin() is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="cds-postgres-"))  # pytest's tmp tree is private to root
    try:
        with postgres_server(directory) as url:
            yield url
    finally:
        shutil.rmtree(directory, ignore_errors=True)
