"""A Dask worker process of the embedded pool: ``dask worker`` that exits when the web server does.

The embedded pool's workers are started by the web server with a pipe on their standard input; when
the server ends in any way (even killed), the pipe closes and the worker exits at once rather than
waiting for Dask's death timeout. They start importing TensorFlow at once, while Dask connects. Workers of
a real cluster are plain ``dask worker`` processes.
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


def _import_the_kernel() -> None:
    """TensorFlow and the training kernel, imported while Dask starts and connects (the first job needs them; the
    scheduler may not be up yet: the web server opens it once its first page is drawn). This thread yields the
    CPU to others (Linux: a thread's own nice value): the web server drawing that first page comes first."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):  # not Linux: the import just competes
        pass
    try:
        import imbalance_core.portable.kernel  # noqa: F401
    except Exception:  # noqa: BLE001 - the first job imports it again and reports what is wrong
        pass


def main(argv: list[str] | None = None) -> None:
    threading.Thread(target=_exit_when_parent_goes, name="parent-watch", daemon=True).start()
    threading.Thread(target=_import_the_kernel, name="import-kernel", daemon=True).start()
    from distributed.cli.dask_worker import main as dask_worker

    sys.argv = ["dask worker", *(sys.argv[1:] if argv is None else argv)]
    dask_worker()


if __name__ == "__main__":
    main()
