"""Get the training kernel ready on a worker before its first job, so Train does not wait for compiling."""

from __future__ import annotations


def prepare_kernel() -> None:
    """Import TensorFlow, trace the kernel and let XLA compile it for the default setups.

    The lab's default network (2 features, 16-16, batch 32) alone, alone with focal loss, and the
    compare page's default group (its 8 seed strategies are 12 networks, one with focal loss): tiny
    runs of one epoch. Other shapes are compiled on first use (about a second).
    """
    import numpy as np

    from ..portable import kernel
    from ..training.network import NetworkConfig

    default = NetworkConfig()
    network = kernel.Network(n_features=2, n_classes=2, hidden=default.hidden_layers, activation=default.activation,
                             epochs=1, batch_size=default.batch_size)
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = np.arange(40) % 2
    rows = np.arange(40)
    plain, focal = kernel.Member(rows=rows, seed=0), kernel.Member(rows=rows, seed=0, focal=(2.0, 0.5))
    for members in ([plain], [focal], [plain] * 11 + [focal]):
        trained = kernel.train(network, X, y, members, X_val=X, y_val=y)
    kernel.predict_proba(network, trained.weights, X)
