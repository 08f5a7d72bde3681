"""Import TensorFlow in the background once the first page is up, so Train does not wait."""

from __future__ import annotations

import threading

_started = threading.Event()


def warm_up() -> None:
    """Start importing the training stack in a daemon thread (once per process)."""
    if _started.is_set():
        return
    _started.set()

    def load() -> None:
        from . import training  # noqa: F401  (the import is the work)

    threading.Thread(target=load, name="imbalance-lab-warm-up", daemon=True).start()
