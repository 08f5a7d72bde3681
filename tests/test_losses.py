"""The losses the kernel trains with, tested by their properties, a hand-computed case and Keras' classes."""

import keras
import numpy as np
import pytest

from imbalance_core.portable.kernel import row_loss


def paper_formula(y, p, gamma, alpha):
    """-a y (1-p)^g log p - (1-a)(1-y) p^g log(1-p), per row."""
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), 1e-7, 1 - 1e-7)
    return -alpha * y * (1 - p) ** gamma * np.log(p) - (1 - alpha) * (1 - y) * p ** gamma * np.log(1 - p)


Y = np.array([1, 1, 0, 0, 1])
P = np.array([0.9, 0.2, 0.1, 0.7, 0.5], dtype=np.float32)


@pytest.mark.parametrize(("gamma", "alpha"), [(0.0, 0.5), (2.0, 0.25), (2.0, 0.9), (5.0, 0.75), (1.0, 0.0), (0.5, 0.6)])
def test_focal_loss_matches_the_paper_formula(gamma, alpha):
    np.testing.assert_allclose(row_loss(Y, P, n_classes=2, focal=(gamma, alpha)), paper_formula(Y, P, gamma, alpha),
                               rtol=1e-4)


def test_hand_computed_case():
    # one positive predicted at p=0.5 with gamma=2, alpha=0.75: 0.75 * 0.25 * ln 2
    value = row_loss(np.array([1]), np.array([0.5]), n_classes=2, focal=(2.0, 0.75))[0]
    assert value == pytest.approx(0.75 * 0.25 * np.log(2), rel=1e-5)


def test_without_focal_it_is_cross_entropy_and_gamma_zero_is_weighted_cross_entropy():
    ce = row_loss(Y, P, n_classes=2)
    np.testing.assert_allclose(ce, -np.log(np.where(Y == 1, P, 1 - P)), rtol=1e-5)
    np.testing.assert_allclose(row_loss(Y, P, n_classes=2, focal=(0.0, 0.5)), 0.5 * ce, rtol=1e-5)


def test_alpha_is_really_applied():
    low = row_loss(np.array([1]), np.array([0.3]), n_classes=2, focal=(2.0, 0.25))[0]
    high = row_loss(np.array([1]), np.array([0.3]), n_classes=2, focal=(2.0, 0.9))[0]
    assert high / low == pytest.approx(0.9 / 0.25, rel=1e-4)


def test_perfect_and_saturated_predictions_cost_almost_nothing_and_stay_finite():
    y = np.array([1, 0])
    assert row_loss(y, np.array([1 - 1e-6, 1e-6]), n_classes=2, focal=(2.0, 0.5)).max() < 1e-6
    # exactly 0 and 1, as float32 outputs saturate: finite for any gamma (0.25 has an infinite slope at 0)
    assert np.isfinite(row_loss(y, np.array([1.0, 0.0]), n_classes=2, focal=(0.25, 0.5))).all()


def test_equals_keras_focal_classes_with_class_balancing():
    reference = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.8, gamma=1.5, reduction=None)
    np.testing.assert_allclose(row_loss(Y, P, n_classes=2, focal=(1.5, 0.8)),
                               np.asarray(reference(Y[:, None].astype(np.float32), P[:, None])), rtol=1e-6)
    y = np.array([0, 1, 2, 2])
    p = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2]], dtype=np.float32)
    alphas = (0.1, 0.3, 0.6)
    reference = keras.losses.CategoricalFocalCrossentropy(alpha=list(alphas), gamma=2.0, reduction=None)
    np.testing.assert_allclose(row_loss(y, p, n_classes=3, focal=(2.0, alphas)),
                               np.asarray(reference(np.eye(3, dtype=np.float32)[y], p)), rtol=1e-6)
    # by hand: one alpha per class
    pt = p[np.arange(4), y]
    np.testing.assert_allclose(row_loss(y, p, n_classes=3, focal=(2.0, alphas)),
                               -np.array(alphas)[y] * (1 - pt) ** 2 * np.log(pt), rtol=1e-4)


@pytest.mark.parametrize(("gamma", "alpha"), [(0.0, 0.5), (2.0, 0.25), (3.5, 0.9)])
def test_explorer_curves_are_exactly_what_the_kernel_computes(gamma, alpha):
    from imbalance_core.training.losses import focal_loss_curves

    p_true = np.linspace(0.01, 0.99, 25)
    curves = focal_loss_curves(gamma, alpha, p_true)
    positive = row_loss(np.ones(25, int), p_true, n_classes=2, focal=(gamma, alpha))
    negative = row_loss(np.zeros(25, int), 1 - p_true, n_classes=2, focal=(gamma, alpha))
    np.testing.assert_allclose(curves["focal_positive"], positive, rtol=1e-4)
    np.testing.assert_allclose(curves["focal_negative"], negative, rtol=1e-4)
    np.testing.assert_allclose(curves["cross_entropy"], -np.log(p_true), rtol=1e-9)
    # gamma shrinks the loss of well-classified examples most
    assert (curves["focal_positive"] <= alpha * curves["cross_entropy"] + 1e-12).all()
