"""Get the training kernel ready on a worker before its first job, so Train does not wait for compiling."""

from __future__ import annotations

FIRST, MORE = "first", "more"


def prepare_kernel(stage: str = FIRST) -> None:
    """Import TensorFlow, trace the kernel and let XLA compile it for the default setups: tiny runs of one epoch
    of the lab's default network (2 features, 16-16, batch 32).

    ``first``: the network alone (what a first Train needs with every strategy but focal loss; the worker takes
    jobs once this is done: on a cold server the first click waits for it). ``more``, in the background afterwards:
    the network alone with focal loss, the compare page's default group (its 8 seed strategies are 12 networks,
    one with focal loss) and a class's rooms (students' runs trained as one group: 4, 8, 16 or up to
    ``ROOM_LIMIT``, see :func:`~imbalance_core.portable.kernel.group_slots`). Other shapes are compiled on first
    use (about half a second each).
    """
    import numpy as np

    from ..portable import kernel
    from ..training.network import NetworkConfig
    from .jobs import ROOM_LIMIT

    default = NetworkConfig()
    network = kernel.Network(n_features=2, n_classes=2, hidden=default.hidden_layers, activation=default.activation,
                             epochs=1, batch_size=default.batch_size)
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = np.arange(40) % 2
    rows = np.arange(40)
    plain, focal = kernel.Member(rows=rows, seed=0), kernel.Member(rows=rows, seed=0, focal=(2.0, 0.5))
    if stage == FIRST:
        groups = [([plain], False)]
    else:
        rooms = sorted({kernel.group_slots(n, power_of_two=True) for n in range(3, ROOM_LIMIT + 1)})  # 4 .. 32
        groups = [([focal], False), ([plain] * 11 + [focal], False)] + [([plain] * n, True) for n in rooms]
    for members, room in groups:
        trained = kernel.train(network, X, y, members, X_val=X, y_val=y, power_of_two=room)
        kernel.predict_proba(network, trained.weights, X)
