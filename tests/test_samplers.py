import numpy as np
import pytest
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils.estimator_checks import parametrize_with_checks

from imbalance_core.training.samplers import ClusterOversampler, LineageSMOTE


def _two_clumps(rng):
    majority = rng.normal(0, 1, size=(300, 2))
    minority = np.vstack([rng.normal([6, 6], 0.3, size=(25, 2)), rng.normal([-6, 6], 0.3, size=(5, 2))])
    X = np.vstack([majority, minority])
    y = np.array([0] * 300 + [1] * 30)
    return X, y


def test_is_an_imblearn_oversampler_that_balances(rng):
    X, y = _two_clumps(rng)
    sampler = ClusterOversampler(n_clusters=2, random_state=0)
    assert isinstance(sampler, BaseOverSampler)
    X_new, y_new = sampler.fit_resample(X, y)
    assert np.bincount(y_new).tolist() == [300, 300]
    np.testing.assert_array_equal(X_new[: len(X)], X)
    assert sampler.parents_.shape == (270, 2)


def test_new_points_lie_between_two_points_of_the_same_cluster(rng):
    X, y = _two_clumps(rng)
    sampler = ClusterOversampler(n_clusters=2, k_neighbors=3, random_state=1)
    X_new, _ = sampler.fit_resample(X, y)
    synthetic = X_new[len(X):]
    a, b = X[sampler.parents_[:, 0]], X[sampler.parents_[:, 1]]
    assert (y[sampler.parents_] == 1).all()
    clusters = np.full(len(X), -1)
    clusters[y == 1] = sampler.cluster_labels_[1]
    assert (clusters[sampler.parents_[:, 0]] == clusters[sampler.parents_[:, 1]]).all()
    # on the segment: synthetic = a + t (b - a) with 0 <= t <= 1
    direction = b - a
    length = (direction ** 2).sum(axis=1)
    moving = length > 0
    t = ((synthetic - a) * direction).sum(axis=1)[moving] / length[moving]
    assert ((t >= -1e-9) & (t <= 1 + 1e-9)).all()
    np.testing.assert_allclose(a[moving] + t[:, None] * direction[moving], synthetic[moving], atol=1e-9)
    # no synthetic point bridges the empty gap between the two clumps
    assert not ((np.abs(synthetic[:, 0]) < 3)).any()


def test_small_clusters_get_an_even_share(rng):
    X, y = _two_clumps(rng)
    sampler = ClusterOversampler(n_clusters=2, random_state=0)
    sampler.fit_resample(X, y)
    labels = sampler.cluster_labels_[1]
    minority_rows = np.flatnonzero(y == 1)
    cluster_of = dict(zip(minority_rows, labels))
    per_cluster = np.bincount([cluster_of[p] for p in sampler.parents_[:, 0]], minlength=2)
    assert abs(per_cluster[0] - per_cluster[1]) <= 1


def test_is_reproducible_and_validates_parameters(rng):
    X, y = _two_clumps(rng)
    a = ClusterOversampler(random_state=5).fit_resample(X, y)[0]
    b = ClusterOversampler(random_state=5).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="n_clusters"):
        ClusterOversampler(n_clusters=0).fit_resample(X, y)


def _on_segments(X_synthetic, a, b):
    """Each synthetic row equals a + t (b - a) for one t in [0, 1]."""
    direction = b - a
    length = (direction ** 2).sum(axis=1)
    t = np.where(length > 0, ((X_synthetic - a) * direction).sum(axis=1) / np.where(length > 0, length, 1), 0.0)
    np.testing.assert_allclose(X_synthetic, a + t[:, None] * direction, atol=1e-9)
    assert ((t >= 0) & (t <= 1)).all()


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lineage_smote_is_imblearn_smote_and_records_real_parents(rng, n_classes):
    from imblearn.over_sampling import SMOTE

    from imbalance_core.training.samplers import LineageSMOTE

    sizes = [200, 30, 12][:n_classes]
    X = np.vstack([rng.normal(3 * i, 1, size=(n, 3)) for i, n in enumerate(sizes)])
    y = np.repeat(np.arange(n_classes), sizes)
    X_new, y_new = LineageSMOTE(k_neighbors=4, random_state=3).fit_resample(X, y)
    X_ref, y_ref = SMOTE(k_neighbors=4, random_state=3).fit_resample(X, y)
    np.testing.assert_array_equal(X_new, X_ref)  # the same points as imblearn's SMOTE
    np.testing.assert_array_equal(y_new, y_ref)
    sampler = LineageSMOTE(k_neighbors=4, random_state=3)
    X_new, y_new = sampler.fit_resample(X, y)
    synthetic, synthetic_y = X_new[len(X):], y_new[len(X):]
    parents = sampler.parents_
    assert parents.shape == (len(synthetic), 2)
    assert ((parents >= 0) & (parents < len(X))).all()  # real input rows
    assert (y[parents[:, 0]] == synthetic_y).all() and (y[parents[:, 1]] == synthetic_y).all()
    assert (parents[:, 0] != parents[:, 1]).all()
    _on_segments(synthetic, X[parents[:, 0]], X[parents[:, 1]])
    assert not hasattr(sampler, "_pairs")


@parametrize_with_checks([ClusterOversampler(random_state=0), LineageSMOTE(random_state=0)])
def test_custom_samplers_pass_imbalanced_learns_common_checks(estimator, check):
    """Dense and sparse input, pandas, lists, dtypes, one label, multi-class...: as imblearn's own samplers."""
    check(estimator)
