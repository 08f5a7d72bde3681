"""Custom imblearn-compatible samplers."""

from __future__ import annotations

import numbers

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.over_sampling.base import BaseOverSampler
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

__all__ = ["ClusterOversampler", "LineageSMOTE"]


class ClusterOversampler(BaseOverSampler):
    """Cluster-based oversampling (dense or sparse ``X``; the input dtype is kept).

    Each class to be oversampled is split into clusters with k-means; new points are
    interpolated only between two points *of the same cluster*, so synthetic points stay
    inside the regions where the class really lives (SMOTE across the whole class can
    bridge gaps between separate clumps). New points are spread evenly across clusters
    rather than in proportion to their size, so small clusters are not drowned.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn.
    n_clusters : int, default=3
        Clusters per class (capped to the class size).
    k_neighbors : int, default=5
        Neighbours, within a cluster, to pick the interpolation partner from.
    random_state : int, RandomState or None

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of new points per class.
    parents_ : ndarray of shape (n_synthetic, 2)
        For each synthetic point (in output order), the input rows it was interpolated between.
    cluster_labels_ : dict
        Class label -> k-means cluster of each of that class's input rows.
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "k_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, *, sampling_strategy="auto", n_clusters=3, k_neighbors=5, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.n_clusters = n_clusters
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def _fit_resample(self, X, y):
        from sklearn.cluster import KMeans
        from sklearn.neighbors import NearestNeighbors

        rng = check_random_state(self.random_state)
        dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64  # float32 in, float32 out
        new_X, new_y, parents = [X], [y], []
        self.cluster_labels_ = {}
        for class_label, n_new in self.sampling_strategy_.items():
            class_rows = np.flatnonzero(y == class_label)
            if n_new == 0 or class_rows.size == 0:
                continue
            n_clusters = min(self.n_clusters, class_rows.size)
            kmeans = KMeans(n_clusters=n_clusters, n_init=10, random_state=rng.randint(2**31 - 1))
            clusters = kmeans.fit_predict(X[class_rows])
            self.cluster_labels_[class_label] = clusters
            groups = [class_rows[clusters == c] for c in range(n_clusters)]
            # a singleton cluster has nobody to interpolate with; use it only if nothing else exists
            usable = [g for g in groups if g.size >= 2] or groups
            share = np.full(len(usable), n_new // len(usable))
            share[rng.permutation(len(usable))[: n_new % len(usable)]] += 1
            for rows, count in zip(usable, share):
                if count == 0:
                    continue
                if rows.size == 1:
                    a = np.repeat(rows, count)
                    b = a
                else:
                    k = min(self.k_neighbors, rows.size - 1)
                    nn = NearestNeighbors(n_neighbors=k + 1).fit(X[rows])
                    neighbours = nn.kneighbors(X[rows], return_distance=False)[:, 1:]
                    pick = rng.randint(rows.size, size=count)
                    a = rows[pick]
                    b = rows[neighbours[pick, rng.randint(k, size=count)]]
                step = rng.uniform(size=(count, 1)).astype(dtype, copy=False)
                if sparse.issparse(X):
                    new_X.append(X[a] + (X[b] - X[a]).multiply(step).tocsr())
                else:
                    new_X.append(X[a] + step * (X[b] - X[a]))
                new_y.append(np.full(count, class_label, dtype=y.dtype))
                parents.append(np.column_stack([a, b]))
        self.parents_ = np.vstack(parents) if parents else np.empty((0, 2), dtype=int)
        if sparse.issparse(X):
            return sparse.vstack(new_X, format=X.format).astype(dtype, copy=False), np.concatenate(new_y)
        return np.vstack(new_X).astype(dtype, copy=False), np.concatenate(new_y)


class LineageSMOTE(SMOTE):
    """imbalanced-learn's SMOTE, unchanged, that also records which two rows made each new point.

    The sampling itself is SMOTE's own code; this subclass only notes the pairs SMOTE picks
    (a rare row and one of its k nearest same-class neighbours) so a chart can join each
    synthetic point to its parents.

    Attributes
    ----------
    parents_ : ndarray of shape (n_synthetic, 2)
        For each synthetic point (in output order), the input rows it lies between: the new
        point is ``X[a] + step * (X[b] - X[a])`` with ``0 <= step < 1``.
    """

    def _generate_samples(self, X, nn_data, nn_num, rows, cols, steps, y_type=None, y=None):
        # rows / neighbours are positions within the class being oversampled
        self._pairs.append((np.asarray(rows), np.asarray(nn_num[rows, cols])))
        return super()._generate_samples(X, nn_data, nn_num, rows, cols, steps, y_type, y)

    def _fit_resample(self, X, y):
        self._pairs: list[tuple[np.ndarray, np.ndarray]] = []
        try:
            X_resampled, y_resampled = super()._fit_resample(X, y)
            # SMOTE visits the classes in sampling_strategy_ order and skips those needing no new rows
            visited = [label for label, n_new in self.sampling_strategy_.items() if n_new > 0]
            parents = [
                np.column_stack([class_rows[a], class_rows[b]])
                for label, (a, b) in zip(visited, self._pairs)
                for class_rows in [np.flatnonzero(y == label)]
            ]
        finally:
            pairs = self.__dict__.pop("_pairs")  # scratch space, not a fitted attribute
        if len(parents) != len(pairs):  # pragma: no cover - a SMOTE version that samples differently
            raise RuntimeError("SMOTE generated samples in an unexpected order; lineage is unavailable")
        self.parents_ = np.vstack(parents) if parents else np.empty((0, 2), dtype=int)
        return X_resampled, y_resampled
