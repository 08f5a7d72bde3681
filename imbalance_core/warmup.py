"""Get the training kernel ready in the background once the first page is up, so Train does not wait."""

from __future__ import annotations

import threading
import time

_started = threading.Event()


def prepare_kernel() -> None:
    """Import TensorFlow and trace the kernel for the lab's default network (2 hidden layers, relu, two classes),
    with and without focal loss, by training a tiny one; other shapes are traced on first use."""
    import numpy as np

    from . import kernel
    from .models import NetworkConfig

    default = NetworkConfig()
    network = kernel.Network(n_features=2, n_classes=2, hidden=default.hidden_layers, activation=default.activation,
                             epochs=1, batch_size=4)
    X = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    y = np.array([0, 1] * 4)
    rows = np.arange(8)
    for focal in (None, (2.0, 0.5)):
        trained = kernel.train(network, X, y, [kernel.Member(rows=rows, seed=0, focal=focal)], X_val=X, y_val=y)
    kernel.predict_proba(network, trained.weights, X)


def warm_up(delay: float = 3.0) -> None:
    """Start :func:`prepare_kernel` in a daemon thread (once per process).

    The import and tracing hold the GIL for seconds; waiting ``delay`` seconds first lets the server
    finish sending the first page to the browser.
    """
    if _started.is_set():
        return
    _started.set()

    def load() -> None:
        time.sleep(delay)
        prepare_kernel()

    threading.Thread(target=load, name="imbalance-lab-warm-up", daemon=True).start()
