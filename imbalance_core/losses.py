"""Keras losses for imbalanced data (Keras is imported only when a loss is built)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["focal_loss", "focal_loss_curves", "multiclass_focal_loss"]


def focal_loss(gamma: float = 2.0, alpha: float = 0.75):
    """Binary focal loss for 0/1 labels and sigmoid outputs.

    ``FL = -alpha * y * (1 - p)**gamma * log(p) - (1 - alpha) * (1 - y) * p**gamma * log(1 - p)``,
    averaged over the batch. ``alpha`` is the weight of the positive class (label 1): above 0.5
    the positive class weighs more. (The paper's 0.25 *down*-weights positives, which suits
    object detection, where easy negatives are already tamed by gamma.)

    Uses Keras' ``BinaryFocalCrossentropy`` with ``apply_class_balancing=True``; without that
    flag Keras ignores ``alpha``.
    """
    import keras

    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be from 0 to 1; got {alpha}")
    if gamma < 0:
        raise ValueError(f"gamma must be >= 0; got {gamma}")
    return keras.losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=float(alpha), gamma=float(gamma), name="focal_loss"
    )


def multiclass_focal_loss(gamma: float, alphas: Sequence[float]):
    """Categorical focal loss for one-hot labels and softmax outputs, with one alpha per class."""
    import keras

    return keras.losses.CategoricalFocalCrossentropy(
        alpha=[float(a) for a in alphas], gamma=float(gamma), name="focal_loss"
    )


def focal_loss_curves(gamma: float, alpha: float, p_true: np.ndarray) -> dict[str, np.ndarray]:
    """Per-example loss against the probability given to the true class, for the explorer chart.

    The same definition Keras' ``BinaryFocalCrossentropy(apply_class_balancing=True)`` uses
    (checked in the tests), in NumPy so drawing it never waits for TensorFlow.

    Returns
    -------
    dict with ``cross_entropy``, ``focal_positive`` (a positive example: weight alpha) and
    ``focal_negative`` (a negative example: weight 1 - alpha).
    """
    p_true = np.clip(np.asarray(p_true, dtype=np.float64), 1e-7, 1 - 1e-7)
    cross_entropy = -np.log(p_true)
    modulation = (1.0 - p_true) ** gamma
    return {
        "cross_entropy": cross_entropy,
        "focal_positive": alpha * modulation * cross_entropy,
        "focal_negative": (1.0 - alpha) * modulation * cross_entropy,
    }
