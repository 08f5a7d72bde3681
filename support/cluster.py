"""A real Dask cluster on 127.0.0.1, started as README tells a user to start one: ``dask scheduler`` and
``dask worker`` processes with this project importable by the workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from .ports import free_port
from .served import ROOT

__all__ = ["dask_cluster"]


@contextmanager
def dask_cluster(workers: int = 1, threads: int = 2, timeout: float = 120) -> Iterator[tuple[str, object]]:
    """The scheduler's address and a client connected to it, for a ``with`` block; every process ends after it
    (stopped, not waited for to close politely: the cluster is thrown away)."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    quiet = {"cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
             "env": dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")}
    processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", address.rsplit(":", 1)[1], "--no-dashboard"], **quiet)]
    client = None
    try:
        processes += [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
                                        str(threads), "--no-dashboard", "--name", f"worker-{i}"], **quiet)
                      for i in range(workers)]
        deadline = time.monotonic() + timeout
        while client is None:
            try:
                client = Client(address, timeout=5, set_as_default=False)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the Dask scheduler did not start within {timeout:.0f} s") from None
                time.sleep(0.5)
        client.wait_for_workers(workers, timeout=timeout)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for process in processes:
            process.kill()
            process.wait(timeout=30)
