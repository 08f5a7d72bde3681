"""Import TensorFlow in the background once the first page is up, so Train does not wait."""

from __future__ import annotations

import threading
import time

_started = threading.Event()


def warm_up(delay: float = 3.0) -> None:
    """Start importing the training stack in a daemon thread (once per process).

    The import holds the GIL for seconds; waiting ``delay`` seconds first lets the server
    finish sending the first page to the browser.
    """
    if _started.is_set():
        return
    _started.set()

    def load() -> None:
        time.sleep(delay)
        from . import training  # noqa: F401  (the import is the work)

    threading.Thread(target=load, name="imbalance-lab-warm-up", daemon=True).start()
