"""A run's training, kept to be replayed: the boundary and the test-split probabilities at up to
``REPLAY_FRAMES`` epochs spread over the run (computed on the worker from the weights the kernel kept at those
epochs; no retraining when a view moves through them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from .evaluation import Evaluation, evaluate
from .projection import Boundary

if TYPE_CHECKING:
    from ..portable.kernel import Network

__all__ = ["REPLAY_FRAMES", "Replay", "replay_epochs"]

REPLAY_FRAMES = 30  # epochs kept for a replay (besides epoch 0): the slider's stops; bounds a result's size


def replay_epochs(epochs: int, most: int = REPLAY_FRAMES) -> list[int]:
    """The epochs after which a run keeps its weights for the replay: up to ``most``, evenly spread, the last one
    always included (epoch 0, the initial weights, is kept besides these)."""
    return sorted({int(e) for e in np.round(np.linspace(1, epochs, min(most, epochs)))})


@dataclass
class Replay:
    """The frames of a replay: epoch, the (averaged) boundary grid (probabilities quantised to 1/255: a heat map
    cannot show more) and the test split's probabilities (float16) at that epoch, over the last epoch's grid.
    Two classes keep the second class's probability only (the first is one minus it): half the bytes, which
    matters on a large table's test split."""

    epochs: list[int]
    total: int  # the run's epochs
    x: np.ndarray
    y: np.ndarray
    axis_titles: tuple[str, str]
    is_pca: bool
    grids: np.ndarray  # uint8 [frames, len(y), len(x), classes]
    proba_test: np.ndarray  # float16 [frames, test rows, classes]
    members: np.ndarray | None = None  # an ensemble's networks: uint8 [frames, networks, ..., classes], every other
    # grid point (small multiples: a quarter of the bytes)

    @classmethod
    def of(cls, boundary_of: Callable[[Callable], Boundary], network: Network,
           frames: Sequence[tuple[int, np.ndarray]], X_test: np.ndarray, total: int) -> Replay:
        """Every frame's networks predicted at once: one call on the grid (``boundary_of``: a run's view's grid,
        ``RunViews.boundary_of``) and one on the test rows."""
        from ..portable import kernel

        epochs = [epoch for epoch, _ in frames]
        members = frames[0][1].shape[0]
        weights = kernel._unflatten(np.concatenate([flat for _, flat in frames]), network)
        stacked: list[np.ndarray] = []

        def average(X: np.ndarray) -> np.ndarray:
            proba = kernel.predict_proba(network, weights, X)
            stacked.append(proba.reshape(len(frames), members, *proba.shape[1:]))
            return stacked[-1][-1].mean(axis=0)

        grid = boundary_of(average)
        each = stacked[0].reshape(len(frames), members, len(grid.y), len(grid.x), -1)
        kept = slice(1, None) if each.shape[-1] == 2 else slice(None)
        grids = np.rint(each.mean(axis=1)[..., kept] * 255).astype(np.uint8)
        rows = slice(None) if grid.is_1d else slice(None, None, 2)
        apart = np.rint(each[:, :, rows, ::2, kept] * 255).astype(np.uint8) if members > 1 else None
        test = kernel.predict_proba(network, weights, X_test)
        proba_test = test.reshape(len(frames), members, *test.shape[1:]).mean(axis=1)[..., kept].astype(np.float16)
        return cls(epochs, total, grid.x, grid.y, grid.axis_titles, grid.is_pca, grids, proba_test, apart)

    def then(self, later: Replay, most: int = REPLAY_FRAMES) -> Replay:
        """This replay followed by ``later``'s (a run trained on), thinned back to ``most`` + 1 frames evenly
        spread, the first and the last kept."""
        epochs = self.epochs + later.epochs
        keep = np.unique(np.round(np.linspace(0, len(epochs) - 1, min(len(epochs), most + 1))).astype(int))
        members = (np.concatenate([self.members, later.members])[keep]
                   if self.members is not None and later.members is not None else None)
        return Replay([epochs[i] for i in keep], later.total, later.x, later.y, later.axis_titles, later.is_pca,
                      np.concatenate([self.grids, later.grids])[keep],
                      np.concatenate([self.proba_test, later.proba_test])[keep], members)

    def frame_at(self, epoch: int) -> int:
        """The frame showing ``epoch``: the last one at or before it (a run stopped early ends before others)."""
        return max(i for i, e in enumerate(self.epochs) if e <= epoch or i == 0)

    @property
    def nbytes(self) -> int:
        return self.grids.nbytes + self.proba_test.nbytes + (self.members.nbytes if self.members is not None else 0)

    def member_boundary(self, frame: int, member: int) -> Boundary:
        """One network of an ensemble at ``frame`` (on every other grid point)."""
        coarse = self.boundary(frame).coarse(2)
        return Boundary(x=coarse.x, y=coarse.y, proba=_classes(self.members[frame, member].astype(np.float32) / 255.0),
                        axis_titles=self.axis_titles, is_pca=self.is_pca)

    def boundary(self, frame: int) -> Boundary:
        return Boundary(x=self.x, y=self.y, proba=_classes(self.grids[frame].astype(np.float32) / 255.0),
                        axis_titles=self.axis_titles, is_pca=self.is_pca)

    def evaluation(self, frame: int, y_test: np.ndarray, classes: list[str], positive_index: int,
                   threshold: float) -> Evaluation:
        """The test-split scores at ``frame``'s epoch (at ``threshold``, for two classes)."""
        proba = _classes(self.proba_test[frame].astype(np.float32))
        proba = proba / proba.sum(axis=1, keepdims=True)
        return evaluate(y_test, proba, classes=classes, positive_index=positive_index, threshold=threshold)


def _classes(kept: np.ndarray) -> np.ndarray:
    """Every class's probability from what a frame keeps (two classes: the second's only)."""
    return np.concatenate([1.0 - kept, kept], axis=-1) if kept.shape[-1] == 1 else kept
