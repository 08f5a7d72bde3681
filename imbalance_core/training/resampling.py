"""Resampling the training rows with a strategy's samplers, and remembering where every row came from.

The rows are traced (which original row each one is or copies, which are synthetic, which two rows a
synthetic one lies between) so the app can draw them and the CSV download can say so; the samplers
themselves are imbalanced-learn's (or subclass its base class: :mod:`.samplers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np

from ..errors import ConfigError
from ..portable.steps import apply_samplers
from .strategies import Strategy

__all__ = ["Resampled", "resample"]


@dataclass
class Resampled:
    """A (possibly) resampled training set and where each of its rows came from.

    The rows are kept as the original training rows (``base``, shared, never copied) and the new ones
    (``new``): copies of a row are only its index, so a sampler that doubles a large table does not hold a
    second copy of it. ``X`` builds the rows in training order when asked.

    Attributes
    ----------
    y : numpy.ndarray
        The class of each row the network is trained on.
    source : numpy.ndarray of int
        For each row, the index of the original training row it is (or copies); -1 if synthetic.
    base : numpy.ndarray
        The original training rows ``source`` points into.
    new : numpy.ndarray
        The synthetic rows (``source == -1``), in order.
    parents : numpy.ndarray of shape (n_synthetic, 2) or None
        For synthetic rows, the two original rows they were interpolated between, when known.
    """

    y: np.ndarray
    source: np.ndarray
    n_original: int
    base: np.ndarray
    new: np.ndarray
    parents: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, X_base: np.ndarray, X: np.ndarray, y: np.ndarray, source: np.ndarray, **kwargs) -> "Resampled":
        """From a sampler's output rows ``X`` (every row), keeping only the new ones besides ``X_base``."""
        source = np.asarray(source)
        return cls(y=y, source=source, n_original=len(X_base), base=X_base, new=np.asarray(X)[source < 0], **kwargs)

    @property
    def X(self) -> np.ndarray:
        """The rows the network is trained on, in order (a new array on each call; empty without features)."""
        if len(self.base) == 0 and len(self.new) == 0:
            return np.empty((0, self.base.shape[1]), self.base.dtype)
        out = np.empty((len(self.source), self.base.shape[1]), np.result_type(self.base, self.new))
        real = self.source >= 0
        out[real] = self.base[self.source[real]]
        out[~real] = self.new
        return out

    @property
    def is_synthetic(self) -> np.ndarray:
        return self.source < 0

    def without_features(self) -> "Resampled":
        """A copy with no feature rows (``X`` of shape ``(0, features)``): labels and where each row came from."""
        empty = np.empty((0, self.base.shape[1]), np.float32)
        return replace(self, base=empty, new=empty)

    @property
    def dropped(self) -> np.ndarray:
        """Indices of original training rows that are not in the resampled set."""
        return np.setdiff1d(np.arange(self.n_original), self.source[self.source >= 0])

    @property
    def n_synthetic(self) -> int:
        return int(self.is_synthetic.sum())


def resample(
    strategy: Strategy,
    params: Mapping[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    class_names: Mapping[int, str] | None = None,
) -> Resampled:
    """Apply the strategy's sampler(s), in order, to the training rows only, tracking every row."""
    if strategy.make_sampler is None:
        return Resampled(y=y, source=np.arange(len(y)), n_original=len(y), base=X, new=X[:0])
    notes: list[str] = []
    samplers = strategy.make_sampler(params, y, seed, notes, class_names)
    if not isinstance(samplers, (list, tuple)):
        samplers = [samplers]
    try:
        X_new, y_new, source, parents = apply_samplers(samplers, X, y)
    except (RuntimeError, ValueError) as exc:
        for text, message in strategy.failures:
            if text in str(exc):
                raise ConfigError(message) from None
        raise ConfigError(f"{strategy.label} could not resample this data: {exc}") from None
    is_synthetic = source < 0
    if strategy.creates_synthetic and not is_synthetic.any():
        notes.append(f"{strategy.label} created no new points on this data: no rare point qualified.")
    synthetic_parents = parents[is_synthetic]
    return Resampled.of(
        X, X_new, y_new, source,
        parents=synthetic_parents if (synthetic_parents >= 0).all() and len(synthetic_parents) else None, notes=notes,
    )
