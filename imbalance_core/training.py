"""Fit a network with a live-progress callback. Importing this module imports Keras."""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import keras
import numpy as np
import tensorflow as tf

__all__ = ["LiveProgress", "fit_network", "predict_proba"]


class LiveProgress(keras.callbacks.Callback):
    """Record every epoch's logs; hand them to ``report(epoch, history)`` at most every ``interval`` s.

    The last epoch is always reported. Whatever ``report`` raises stops training and
    propagates (that is how a Streamlit rerun interrupts a fit cleanly).
    """

    def __init__(self, report: Callable[[int, dict], None], *, epochs: int, interval: float = 0.5):
        super().__init__()
        self.report = report
        self.epochs = epochs
        self.interval = interval
        self._last = -math.inf
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        now = time.monotonic()
        if epoch + 1 < self.epochs and now - self._last < self.interval:
            return
        self._last = now
        self.report(epoch, self.history)


def _targets(y: np.ndarray, n_classes: int) -> np.ndarray:
    if n_classes == 2:
        return y.astype(np.float32).reshape(-1, 1)
    return keras.utils.to_categorical(y, n_classes).astype(np.float32)


def fit_network(
    model,
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_classes: int,
    epochs: int,
    batch_size: int,
    seed: int,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    class_weight: dict[int, float] | None = None,
    callbacks: list[Any] | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` in place and return its per-epoch history.

    Shuffling uses a ``tf.data`` pipeline with an explicit seed, so the same seed gives
    the same batches without any global seed.
    """
    data = tf.data.Dataset.from_tensor_slices((X.astype(np.float32), _targets(y, n_classes)))
    data = data.shuffle(len(X), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    validation = None
    if X_val is not None and len(X_val):
        # a tf.data validation set costs ~1 ms an epoch; a NumPy tuple is re-wrapped every epoch (~50 ms)
        validation = tf.data.Dataset.from_tensor_slices(
            (X_val.astype(np.float32), _targets(y_val, n_classes))
        ).batch(4096)
    history = model.fit(
        data,
        epochs=epochs,
        validation_data=validation,
        class_weight=class_weight,
        callbacks=callbacks or [],
        shuffle=False,  # the tf.data pipeline above already shuffles, with its own seed
        verbose=0,
    )
    return {k: [float(v) for v in values] for k, values in history.history.items()}


def initial_loss(model, X: np.ndarray, y: np.ndarray, *, n_classes: int, output_bias=None) -> float:
    """The loss on ``(X, y)`` before any training; with ``output_bias``, as if the output bias were that."""
    last = model.layers[-1]
    saved = np.asarray(last.bias)
    if output_bias is not None:
        last.bias.assign(np.asarray(output_bias, dtype=np.float32).reshape(saved.shape))
    try:
        return float(model.loss(_targets(y, n_classes), model(X.astype(np.float32), training=False)))
    finally:
        last.bias.assign(saved)


def predict_proba(models: list, X: np.ndarray, n_classes: int, batch_rows: int = 65_536) -> np.ndarray:
    """Class probabilities (n_rows, n_classes), averaged over ``models``.

    One direct ``model(x, training=False)`` call per chunk: no ``predict`` loop overhead.
    """
    if len(X) == 0:
        return np.empty((0, n_classes), dtype=np.float32)
    total = np.zeros((len(X), n_classes), dtype=np.float64)
    for model in models:
        parts = [
            np.asarray(model(X[i:i + batch_rows].astype(np.float32), training=False))
            for i in range(0, len(X), batch_rows)
        ]
        out = np.concatenate(parts)
        if n_classes == 2:
            out = np.column_stack([1.0 - out[:, 0], out[:, 0]])
        total += out
    return (total / len(models)).astype(np.float32)
