"""The focal loss explorer's curves, in NumPy (drawing them never waits for TensorFlow).

Training uses Keras' focal losses inside :mod:`imbalance_core.portable.kernel`; the tests check that these
curves are exactly what it computes.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

__all__ = ["focal_loss_curves"]


def focal_loss_curves(gamma: float, alpha: float, p_true: np.ndarray) -> dict[str, np.ndarray]:
    """Per-example loss against the probability given to the true class, for the explorer chart.

    The same definition the kernel trains with (Keras' ``binary_focal_crossentropy`` with class
    balancing; checked in the tests), in NumPy so drawing it never waits for TensorFlow.

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


def focal_weight_curves(gamma: float, weights: Mapping[str, float], p_true: np.ndarray) -> dict[str, np.ndarray]:
    """Cross-entropy and the focal loss of one example of each class (``weights``: its alpha), for the explorer."""
    out = {"cross_entropy": focal_loss_curves(gamma, 0.5, p_true)["cross_entropy"]}
    for name, weight in weights.items():
        out[name] = focal_loss_curves(gamma, float(weight), p_true)["focal_positive"]
    return out
