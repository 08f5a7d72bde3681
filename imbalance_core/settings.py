"""The settings every run has, declared once: its seed, how its rows are split, and where it decides.

The app's widgets, its links, the command line's flags and the checks in the core all read these
declarations; nothing restates a default or a range.
"""

from __future__ import annotations

import numpy as np

from .params import Param

__all__ = ["SEED", "TEST_SIZE", "THRESHOLD", "VALIDATION_SIZE", "threshold_grid"]

SEED = Param("seed", "int", 0, "Seed", "Same seed, data and settings give the same numbers.",
             low=0, high=1_000_000, step=1)
TEST_SIZE = Param("test_size", "float", 0.25, "Test split", "Share of rows held out, untouched, for the metrics.",
                  low=0.05, high=0.5, step=0.05)
VALIDATION_SIZE = Param("validation_size", "float", 0.2, "Validation split",
                        "Share of the training rows carved off for the live validation curves and for choosing "
                        "thresholds (never the test rows).", low=0.0, high=0.4, step=0.05)
# the decision threshold of a binary classifier: one range for every path (sliders, links, cost-chosen thresholds)
THRESHOLD = Param("threshold", "float", 0.5, "Threshold", "Predict the positive class when its probability is at "
                  "least this.", low=0.01, high=0.99, step=0.01)


def threshold_grid() -> np.ndarray:
    """Every threshold the ``THRESHOLD`` setting can take (0.01, 0.02, ..., 0.99)."""
    n = int(round((THRESHOLD.high - THRESHOLD.low) / THRESHOLD.step)) + 1
    return np.round(THRESHOLD.low + THRESHOLD.step * np.arange(n), 2)
