"""A run's progress while it trains: the one record every live view draws, in this process or from a worker."""

from __future__ import annotations

from dataclasses import dataclass

from .projection import Boundary, PointsView

__all__ = ["Progress"]


@dataclass
class Progress:
    """Where a run (or one seed of a comparison) stands between two of the kernel's compiled calls.

    Attributes
    ----------
    epoch, epochs : int
        Epochs done, of how many.
    n_members : int
        Networks training (an ensemble's, or a comparison's strategies).
    history : list of dict
        Each network's loss and PR AUC per epoch so far (empty for a comparison).
    boundary, view : optional
        A live run's decision boundary now and the training rows it is drawn over (thinned to what a chart
        draws); ``None`` when nobody draws it (the CLI, a comparison).
    """

    epoch: int
    epochs: int
    n_members: int
    history: list[dict[str, list[float]]]
    boundary: Boundary | None = None
    view: PointsView | None = None

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs if self.epochs else 0.0
