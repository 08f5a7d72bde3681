"""A Dask worker process of the embedded pool: ``dask worker`` that exits when the web server does.

The embedded pool's workers are started by the web server with a pipe on their standard input; when
the server ends in any way (even killed), the pipe closes and the worker exits at once rather than
waiting for Dask's death timeout. Workers of a real cluster are plain ``dask worker`` processes.
"""

from __future__ import annotations

import os
import sys
import threading


def _exit_when_parent_goes() -> None:
    try:
        while sys.stdin.buffer.read(1024):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    threading.Thread(target=_exit_when_parent_goes, name="parent-watch", daemon=True).start()
    from distributed.cli.dask_worker import main as dask_worker

    sys.argv = ["dask worker", *(sys.argv[1:] if argv is None else argv)]
    dask_worker()


if __name__ == "__main__":
    main()
