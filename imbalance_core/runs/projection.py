"""Views of n-D data (a plane, or a line for one feature) and the decision-boundary grid."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

__all__ = ["Boundary", "MAX_LINEAGE_SEGMENTS", "MAX_POINTS_PER_TRACE", "PointsView", "Projection", "decision_grid",
           "drawn_positions"]

MAX_POINTS_PER_TRACE = 2500  # most points of one kind (a class's rows, its synthetic rows, removed rows) a chart draws
MAX_LINEAGE_SEGMENTS = 400  # more lines than this hide the chart instead of explaining it
# which sample of a large set of points a chart draws, per kind of point (plus the class's index): the charts and
# a thinned view (what a result carries from its worker) choose with these, so both draw the same points
_SAMPLE_SEEDS = {"real": 0, "synthetic": 50, "removed": 97, "lineage": 7}


def drawn_positions(n: int, kind: str, class_index: int = 0, limit: int = MAX_POINTS_PER_TRACE) -> np.ndarray | None:
    """Which of ``n`` points of one ``kind`` (real, synthetic, removed, lineage) a chart draws when it draws at
    most ``limit``: sorted positions, always the same for the same arguments; None when it draws them all."""
    if n <= limit:
        return None
    seed = _SAMPLE_SEEDS[kind] + class_index
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


class Projection:
    """Map scaled features to a view: identity for 1 or 2 features, else PCA fitted on training rows.

    With more than two features the boundary is drawn on the plane through the training mean
    spanned by the first two principal components; points off that plane are shown by their
    projection, so the picture is a slice, and the axis titles say so. With a single feature the
    view is 1-D: the probability along that feature.
    """

    def __init__(self, feature_names: list[str]):
        self.feature_names = list(feature_names)
        self.pca_ = None

    def fit(self, X: np.ndarray, seed: int = 0) -> "Projection":
        if X.shape[1] > 2:
            from sklearn.decomposition import PCA

            self.pca_ = PCA(n_components=2, random_state=seed).fit(X)
        elif X.shape[1] < 1:
            raise ValueError("a view needs at least one feature")
        self.dims_ = min(2, X.shape[1])
        return self

    @property
    def is_pca(self) -> bool:
        return self.pca_ is not None

    @property
    def axis_titles(self) -> tuple[str, str]:
        if self.dims_ == 1:
            return f"{self.feature_names[0]} (scaled)", "Predicted probability"
        if self.pca_ is None:
            return f"{self.feature_names[0]} (scaled)", f"{self.feature_names[1]} (scaled)"
        ratio = self.pca_.explained_variance_ratio_
        return (
            f"PC1 of the scaled features ({ratio[0]:.0%} of variance)",
            f"PC2 of the scaled features ({ratio[1]:.0%} of variance)",
        )

    def transform(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.empty((0, self.dims_), dtype=np.float32)
        out = X if self.pca_ is None else self.pca_.transform(X)
        return np.asarray(out, dtype=np.float32)

    def inverse(self, points: np.ndarray) -> np.ndarray:
        out = points if self.pca_ is None else self.pca_.inverse_transform(points)
        return np.asarray(out, dtype=np.float32)


@dataclass
class Boundary:
    """Class probabilities on a regular grid in the view.

    ``proba`` has shape (len(y), len(x), n_classes). A 1-D view (one feature) has a single row:
    ``y`` is ``[0.0]`` and ``proba[0]`` is the probability along the feature.
    """

    x: np.ndarray
    y: np.ndarray
    proba: np.ndarray
    axis_titles: tuple[str, str]
    is_pca: bool

    @property
    def is_1d(self) -> bool:
        return self.proba.shape[0] == 1

    def coarse(self, step: int) -> Boundary:
        """Every ``step``-th grid point (a lighter picture of the same boundary)."""
        rows = slice(None) if self.is_1d else slice(None, None, step)
        return Boundary(x=self.x[::step], y=self.y[rows], proba=self.proba[rows, ::step],
                        axis_titles=self.axis_titles, is_pca=self.is_pca)


def decision_grid(
    projection: Projection,
    predict_proba: Callable[[np.ndarray], np.ndarray],
    points_2d: np.ndarray,
    *,
    resolution: int = 80,
    margin: float = 0.15,
) -> Boundary:
    """Predict every grid cell in one batch (no per-cell or per-row calls).

    ``points_2d`` are the view's points (one or two columns); the grid spans them with a margin.
    """
    low = points_2d.min(axis=0)
    high = points_2d.max(axis=0)
    pad = (high - low) * margin + 1e-6
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution, dtype=np.float32)
    if points_2d.shape[1] == 1:  # 1-D: the probability along the single feature
        ys = np.zeros(1, dtype=np.float32)
        plane = xs.reshape(-1, 1)
    else:
        ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution, dtype=np.float32)
        gx, gy = np.meshgrid(xs, ys)
        plane = np.column_stack([gx.ravel(), gy.ravel()])
    proba = predict_proba(projection.inverse(plane))
    return Boundary(
        x=xs, y=ys, proba=proba.reshape(len(ys), len(xs), -1).astype(np.float32),
        axis_titles=projection.axis_titles, is_pca=projection.is_pca,
    )


@dataclass
class PointsView:
    """Training points in the view (2-D, or 1-D for one feature), split into what a chart draws differently.

    ``points``/``labels``: real training rows; ``synthetic_*``: rows a sampler invented;
    ``removed_points``: real rows undersampling left out (for an ensemble: left out by every network).
    ``lineage``: when the sampler recorded them, the two parents of each synthetic point, shape
    ``(n_synthetic, 2, dims)`` (parent, coordinate); the projection is linear, so each synthetic point stays on
    the segment between its parents in the view too. ``copies``: for each real point, how many times it is
    in the rows the network trains on (random oversampling repeats rows; 0 never happens for a kept row).
    """

    points: np.ndarray
    labels: np.ndarray
    synthetic_points: np.ndarray
    synthetic_labels: np.ndarray
    removed_points: np.ndarray
    classes: list[str]
    positive_index: int
    lineage: np.ndarray | None = None
    copies: np.ndarray | None = None  # per real point: how many times it is in the training rows (1 = once)
    totals: np.ndarray | None = None  # thinned: the real points per class in the whole view
    lineage_total: int | None = None  # thinned: the parent pairs in the whole view

    @property
    def class_totals(self) -> np.ndarray:
        """Real training points per class in the whole view (before any thinning)."""
        if self.totals is not None:
            return self.totals
        return np.bincount(np.asarray(self.labels, dtype=int), minlength=len(self.classes))

    def thinned(self, limit: int = MAX_POINTS_PER_TRACE, lineage_limit: int = MAX_LINEAGE_SEGMENTS) -> "PointsView":
        """The points a chart draws and no more: of each kind at most ``limit``, chosen as the charts choose them
        (so a chart of the thinned view is the chart of the whole), and the whole view's counts. What a result
        carries from its worker: a few thousand points however large the table."""
        def pick(labels, kind):
            keep = []
            for c in np.unique(labels).astype(int):
                mine = np.flatnonzero(labels == c)
                shown = drawn_positions(len(mine), kind, c, limit)
                keep.append(mine if shown is None else mine[shown])
            return np.sort(np.concatenate(keep)) if keep else np.arange(0)

        labels = np.asarray(self.labels, dtype=int)
        real = pick(labels, "real")
        synthetic = pick(np.asarray(self.synthetic_labels, dtype=int), "synthetic")
        removed = drawn_positions(len(self.removed_points), "removed", limit=limit)
        lineage = self.lineage
        if lineage is not None:
            shown = drawn_positions(len(lineage), "lineage", limit=lineage_limit)
            lineage = lineage if shown is None else lineage[shown]
        return replace(
            self, points=self.points[real], labels=self.labels[real],
            synthetic_points=self.synthetic_points[synthetic], synthetic_labels=self.synthetic_labels[synthetic],
            removed_points=self.removed_points if removed is None else self.removed_points[removed],
            lineage=lineage, copies=None if self.copies is None else self.copies[real],
            totals=self.class_totals, lineage_total=len(self.lineage) if self.lineage is not None else None)
