"""A real PostgreSQL server for tests and benchmarks: Debian's ``postgresql`` package, a fresh cluster in a
temporary folder on a free port of 127.0.0.1, stopped and removed afterwards.

PostgreSQL refuses to run as root (CI runs as root), so as root the server is started as the ``postgres`` user
(``runuser -u postgres --``); as anyone else, as that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .ports import free_port

__all__ = ["postgres_bin", "postgres_server"]


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``), or None when it is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@contextmanager
def postgres_server(database: str = "imbalance_lab", timeout: float = 60) -> Iterator[str]:
    """A running server with an empty ``database``; yields its SQLAlchemy URL (trust authentication on
    127.0.0.1 only)."""
    folder = postgres_bin()
    if folder is None:
        raise FileNotFoundError("PostgreSQL not found. Install it (Debian/Ubuntu: apt-get install -y postgresql).")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    home = Path(tempfile.mkdtemp(prefix="imbalance-lab-pg-"))
    data, sockets = home / "data", home / "sockets"
    sockets.mkdir()
    if as_user:
        shutil.chown(home, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True, "timeout": timeout}
    try:
        subprocess.run([*as_user, str(folder / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
                        "--encoding=UTF8", "--no-sync"], **quiet)
        subprocess.run([*as_user, str(folder / "pg_ctl"), "-D", str(data), "-w", "-t", str(int(timeout)), "-l",
                        str(home / "server.log"), "-o",
                        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c max_connections=200", "start"], **quiet)
        subprocess.run([str(folder / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, database], **quiet)
        yield f"postgresql://{user}@127.0.0.1:{port}/{database}"
    finally:
        if data.exists():
            subprocess.run([*as_user, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
        shutil.rmtree(home, ignore_errors=True)


def wait_for(url: str, timeout: float = 30) -> None:
    """Until the server at ``url`` takes connections."""
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
