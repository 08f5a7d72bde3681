"""A finished run: what went in, what the networks learned, how they did on the untouched test split, and its
pictures (the 2-D or 1-D view of its training rows and its decision boundaries, drawn when first asked for).

A result holds arrays only (weights, probabilities, history), so it pickles: it travels back from a
training worker, and every view of it (another threshold, another chart) needs no retraining.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..data.dataset import Dataset, count_classes
from ..data.preprocessing import PreparedData
from ..training.resampling import Resampled
from .evaluation import CostChoice, Evaluation, choose_cost_threshold, evaluate
from .projection import Boundary, PointsView, Projection, decision_grid
from .replay import Replay

from .config import ExperimentConfig

if TYPE_CHECKING:
    from ..portable.kernel import Network

__all__ = ["ExperimentResult", "RunViews", "kept_epochs"]


class RunViews:
    """A run's pictures: the 2-D (or 1-D) view of its training rows and its decision boundaries.

    Computed on first use and kept: nothing here runs for the CLI.
    """

    def __init__(self, prepared: PreparedData, resampled: Sequence[Resampled], classes: list[str],
                 positive_index: int, seed: int, resolution: int):
        self.prepared, self.resampled, self.classes = prepared, list(resampled), classes
        self.positive_index, self.seed, self.resolution = positive_index, seed, resolution

    @cached_property
    def projection(self) -> Projection:
        return Projection(self.prepared.feature_names).fit(self.prepared.X_fit, seed=self.seed)

    @cached_property
    def view(self) -> PointsView:
        return _points_view(self.projection, self.prepared, self.resampled, self.classes, self.positive_index)

    @cached_property
    def member_views(self) -> list[PointsView]:
        return [_points_view(self.projection, self.prepared, [r], self.classes, self.positive_index)
                for r in self.resampled]

    @cached_property
    def span(self) -> np.ndarray:
        """Every point any view draws: the grid covers them all."""
        view = self.view
        return np.vstack([view.points, view.synthetic_points, view.removed_points])

    def detach(self) -> None:
        """Let go of the training rows: what was computed stays (view, grids' extent), nothing new can be."""
        self.prepared = self.resampled = None

    def boundary(self, network: Network, weights: Sequence[Sequence[np.ndarray]]) -> Boundary:
        """The averaged probability of ``weights``' networks on a grid over the view (one batched call)."""
        from ..portable import kernel

        return self.boundary_of(lambda X: kernel.predict_proba(network, weights, X).mean(axis=0))

    def boundary_of(self, predict_proba: Callable[[np.ndarray], np.ndarray]) -> Boundary:
        """``predict_proba`` (feature rows -> class probabilities) on the grid over the view."""
        return decision_grid(self.projection, predict_proba, self.span, resolution=self.resolution)


@dataclass
class ExperimentResult:
    """A finished run: what went in, what the network learned, how it did on the test split."""

    dataset: Dataset | None  # None while a result travels back from a worker (the caller has the data set)
    dataset_name: str
    classes: list[str]
    positive_class: str
    positive_index: int
    strategy: str
    strategy_label: str
    params: dict[str, Any]
    config: ExperimentConfig
    prepared: PreparedData
    resampled: list[Resampled]
    weights: list[list[np.ndarray]]  # per network: [W1, b1, W2, b2, ...]
    focal: list[tuple | None]  # per network: its focal loss (gamma, alpha), or None for cross-entropy
    history: list[dict[str, list[float]]]
    proba_test: np.ndarray
    proba_val: np.ndarray
    evaluation: Evaluation
    class_weights: dict[int, float] | None
    initial_loss: dict[str, float]
    source_rows_fit: np.ndarray
    source_rows_test: np.ndarray
    train_seconds: float
    gradient_steps: int
    notes: list[str]
    views: RunViews
    frames: list[tuple[int, np.ndarray]] = field(default_factory=list)  # the kernel's weights at the replay's epochs
    resume: dict[str, Any] | None = None  # where training ended (the kernel's ``Resume`` as a dict), to train on
    continued_from: int = 0  # a run trained on: the epochs of its first part (early stopping watched the rest)

    @property
    def metrics(self) -> dict[str, float]:
        return self.evaluation.metrics

    @property
    def n_members(self) -> int:
        return len(self.weights)

    @property
    def best_epochs(self) -> list[int] | None:
        """With early stopping: each network's epoch whose weights it kept (best validation PR AUC); else None."""
        if not self.config.network.patience or not self.history or "val_pr_auc" not in self.history[0]:
            return None
        first = self.continued_from
        return [first + e for e in kept_epochs([{k: v[first:] for k, v in h.items()} for h in self.history])]

    @property
    def loss_note(self) -> str:
        """What the dot at epoch 0 of the history is: the loss before training, with or without the output bias
        from the class priors; when the training rows are balanced (that bias is zero), says so rather than
        giving one number three times."""
        start = self.initial_loss
        used = "with" if self.config.network.prior_bias else "without"
        shown = start["prior_bias" if self.config.network.prior_bias else "zero_bias"]
        if abs(start["prior_bias"] - start["zero_bias"]) < 5e-4:
            return (f"Loss before training (the dot at epoch 0): {shown:.3f}. The training rows are balanced, so "
                    "the output bias from the class priors is zero: it starts the network where a zero bias does.")
        return (f"Loss before training ({used} the output bias from the class priors, the dot at epoch 0): "
                f"{shown:.3f}. With a zero bias it starts at {start['zero_bias']:.3f}; from the class priors at "
                f"{start['prior_bias']:.3f}.")

    @property
    def view(self) -> PointsView:
        """The training rows in the 2-D (or 1-D) view, with synthetic and removed rows apart."""
        return self.views.view

    def network(self) -> Network:
        """The kernel's description of the trained networks (importing the kernel: on a worker)."""
        return self.config.network.kernel_network(self.prepared.n_features, len(self.classes))

    @cached_property
    def boundary(self) -> Boundary:
        """The (averaged) predicted probability on a grid over the view, computed when first drawn."""
        return self.views.boundary(self.network(), self.weights)

    @cached_property
    def replay(self) -> Replay | None:
        """The training replayed at up to 30 epochs (a lab run's; None for others), computed when first asked."""
        if len(self.frames) < 2:
            return None
        return Replay.of(self.views.boundary_of, self.network(), self.frames, self.prepared.X_test,
                         self.config.network.epochs)

    @cached_property
    def member_panels(self) -> list[tuple[Boundary, PointsView]]:
        """An ensemble's networks one by one, each with the rows it was trained on (empty for one network)."""
        if self.n_members < 2:
            return []
        network = self.network()
        return [(self.views.boundary(network, [w]), view) for w, view in zip(self.weights, self.views.member_views)]

    def cost_threshold(self, cost_fn: float, cost_fp: float) -> CostChoice | None:
        """The cheapest threshold on the validation split (never the test split); None without one."""
        if len(self.classes) != 2 or len(self.prepared.y_val) == 0:
            return None
        return choose_cost_threshold(self.prepared.y_val, self.proba_val, cost_fn=cost_fn, cost_fp=cost_fp,
                                     positive_index=self.positive_index)

    def evaluate_at(self, threshold: float) -> Evaluation:
        """The test-split evaluation at another decision threshold (binary); no retraining.

        Kept per threshold: a view that reruns at the same threshold does not evaluate again.
        """
        if threshold == self.evaluation.threshold:
            return self.evaluation
        kept = self.__dict__.setdefault("_evaluations", {})
        if threshold not in kept:
            if len(kept) >= 32:
                kept.clear()
            kept[threshold] = evaluate(self.prepared.y_test, self.proba_test, classes=self.classes,
                                       positive_index=self.positive_index, threshold=threshold,
                                       curves_of=self.evaluation)
        return kept[threshold]

    def class_counts(self, y: np.ndarray) -> dict[str, int]:
        """Rows per class name of encoded labels ``y``."""
        return {self.classes[c]: n for c, n in count_classes(y, len(self.classes)).items()}

    @property
    def counts(self) -> dict[str, Any]:
        first = self.resampled[0]
        return {
            "train": self.class_counts(self.prepared.y_fit),
            "train_resampled": self.class_counts(first.y),
            "synthetic": int(sum(r.n_synthetic for r in self.resampled)),
            "dropped": int(len(first.dropped)),
            "validation": self.class_counts(self.prepared.y_val),
            "test": self.class_counts(self.prepared.y_test),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI's ``--json`` output)."""
        return {
            "dataset": self.dataset_name,
            "strategy": self.strategy,
            "params": self.params,
            "network": self.config.network.to_dict(),
            "seed": self.config.seed,
            "test_size": self.config.test_size,
            "classes": self.classes,
            "positive_class": self.positive_class,
            "metrics": {k: (None if np.isnan(v) else round(float(v), 6)) for k, v in self.metrics.items()},
            "counts": self.counts,
            "class_weights": (
                {self.classes[k]: round(v, 6) for k, v in self.class_weights.items()} if self.class_weights else None
            ),
            "train_seconds": round(self.train_seconds, 3),
            "notes": self.notes,
        }

    def predictions_table(self):
        """One row per test row: its position in the source, true and predicted class, probabilities."""
        import pandas as pd

        table = pd.DataFrame({
            "row": self.source_rows_test.astype(int),
            "y_true": [self.classes[i] for i in self.prepared.y_test],
            "y_pred": [self.classes[i] for i in self.evaluation.y_pred],
        })
        for i, name in enumerate(self.classes):
            table[f"proba_{name}"] = self.proba_test[:, i]
        return table.sort_values("row").reset_index(drop=True)


def kept_epochs(history: list[dict[str, list[float]]]) -> list[int]:
    """Each network's epoch with the best validation PR AUC (the first, on a tie: the one early stopping keeps)."""
    return [int(np.nanargmax(h["val_pr_auc"])) + 1 if np.isfinite(h["val_pr_auc"]).any() else len(h["loss"])
            for h in history]


def _points_view(
    projection: Projection, prepared: PreparedData, resampled: list[Resampled], classes: list[str], positive_index: int
) -> PointsView:
    """The training rows in the view: kept, synthetic (with their parents) and removed (by every network) apart."""
    removed = resampled[0].dropped
    for other in resampled[1:]:
        removed = np.intersect1d(removed, other.dropped)
    kept = np.setdiff1d(np.arange(len(prepared.y_fit)), removed)
    first = resampled[0]
    lineage = None
    if first.parents is not None:
        lineage = np.stack([projection.transform(prepared.X_fit[first.parents[:, 0]]),
                            projection.transform(prepared.X_fit[first.parents[:, 1]])], axis=1)
    return PointsView(
        points=projection.transform(prepared.X_fit[kept]),
        labels=prepared.y_fit[kept],
        synthetic_points=projection.transform(first.new),
        synthetic_labels=first.y[first.is_synthetic],
        removed_points=projection.transform(prepared.X_fit[removed]),
        classes=classes,
        positive_index=positive_index,
        lineage=lineage,
        copies=np.bincount(first.source[first.source >= 0], minlength=len(prepared.y_fit))[kept].astype(np.int32),
    )
