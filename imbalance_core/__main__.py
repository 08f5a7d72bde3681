"""``python -m imbalance_core ...``"""

import atexit
import os
import sys


def _quiet_native_stderr() -> None:
    """TensorFlow's C++ runtime (absl, oneDNN, the CUDA probe) writes its log lines straight to the process's
    stderr, file descriptor 2, whatever ``TF_CPP_MIN_LOG_LEVEL`` says: a newcomer reads them as failures. The CLI
    points that descriptor at /dev/null and keeps Python's own stderr (its messages, progress bars and errors)
    on the terminal. ``IMBALANCE_LAB_DEBUG=1`` leaves everything where it was."""
    if os.environ.get("IMBALANCE_LAB_DEBUG"):
        return
    sys.stderr.flush()
    kept = os.dup(2)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    os.close(quiet)
    sys.stderr = os.fdopen(kept, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",
                           errors="backslashreplace")


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_quiet_native_stderr()

from .cli import main  # noqa: E402

status = main()
# The interpreter's own teardown after a run (freeing TensorFlow's modules and objects one by one) takes about a
# second and does nothing a finished command needs: the output is flushed and the exit handlers run (the executor
# shuts its threads and workers down), then the process ends.
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except OSError:  # a reader that has gone (``| head``)
        pass
atexit._run_exitfuncs()
os._exit(status)
