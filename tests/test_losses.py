import keras
import numpy as np
import pytest

from imbalance_core.losses import focal_loss, multiclass_focal_loss


def paper_formula(y, p, gamma, alpha):
    """-a y (1-p)^g log p - (1-a)(1-y) p^g log(1-p), averaged over the batch."""
    y, p = np.asarray(y, float), np.clip(np.asarray(p, float), 1e-7, 1 - 1e-7)
    per_row = -alpha * y * (1 - p) ** gamma * np.log(p) - (1 - alpha) * (1 - y) * p ** gamma * np.log(1 - p)
    return per_row.mean()


Y = np.array([[1.0], [1.0], [0.0], [0.0], [1.0]], dtype=np.float32)
P = np.array([[0.9], [0.2], [0.1], [0.7], [0.5]], dtype=np.float32)


@pytest.mark.parametrize(("gamma", "alpha"), [(0.0, 0.5), (2.0, 0.25), (2.0, 0.9), (5.0, 0.75), (1.0, 0.0)])
def test_matches_the_paper_formula(gamma, alpha):
    value = float(focal_loss(gamma=gamma, alpha=alpha)(Y, P))
    assert value == pytest.approx(paper_formula(Y, P, gamma, alpha), rel=1e-4)


def test_hand_computed_case():
    # one positive predicted at p=0.5 with gamma=2, alpha=0.75: 0.75 * 0.25 * ln 2
    value = float(focal_loss(gamma=2.0, alpha=0.75)(np.array([[1.0]]), np.array([[0.5]])))
    assert value == pytest.approx(0.75 * 0.25 * np.log(2), rel=1e-5)


def test_gamma_zero_is_weighted_cross_entropy():
    bce = float(keras.losses.BinaryCrossentropy()(Y, P))
    assert float(focal_loss(gamma=0.0, alpha=0.5)(Y, P)) == pytest.approx(0.5 * bce, rel=1e-4)


def test_alpha_is_really_applied():
    positive = (np.array([[1.0]]), np.array([[0.3]]))
    low, high = float(focal_loss(2.0, 0.25)(*positive)), float(focal_loss(2.0, 0.9)(*positive))
    assert high / low == pytest.approx(0.9 / 0.25, rel=1e-4)
    # Keras without apply_class_balancing ignores alpha; ours must not
    unbalanced = keras.losses.BinaryFocalCrossentropy(alpha=0.9, gamma=2.0)
    assert float(unbalanced(*positive)) != pytest.approx(high)


def test_perfect_predictions_cost_almost_nothing():
    y = np.array([[1.0], [0.0]])
    assert float(focal_loss(2.0, 0.5)(y, np.array([[1 - 1e-6], [1e-6]]))) < 1e-6


def test_equals_keras_binary_focal_crossentropy_with_class_balancing():
    reference = keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.8, gamma=1.5)
    assert float(focal_loss(1.5, 0.8)(Y, P)) == pytest.approx(float(reference(Y, P)), rel=1e-6)


def test_rejects_out_of_range_settings():
    with pytest.raises(ValueError, match="alpha"):
        focal_loss(2.0, 1.5)
    with pytest.raises(ValueError, match="gamma"):
        focal_loss(-1.0, 0.5)


def test_multiclass_focal_uses_one_alpha_per_class():
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 2]]
    p = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2]], dtype=np.float32)
    alphas = np.array([0.1, 0.3, 0.6])
    gamma = 2.0
    pt = (y * p).sum(axis=1)
    a = (y * alphas).sum(axis=1)
    expected = np.mean(-a * (1 - pt) ** gamma * np.log(pt))
    assert float(multiclass_focal_loss(gamma, alphas)(y, p)) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(("gamma", "alpha"), [(0.0, 0.5), (2.0, 0.25), (3.5, 0.9)])
def test_explorer_curves_are_exactly_what_keras_computes(gamma, alpha):
    from imbalance_core.losses import focal_loss_curves

    p_true = np.linspace(0.01, 0.99, 25)
    curves = focal_loss_curves(gamma, alpha, p_true)
    per_example = focal_loss(gamma, alpha)
    per_example.reduction = None
    positive = np.asarray(per_example(np.ones((25, 1)), p_true[:, None]))
    negative = np.asarray(per_example(np.zeros((25, 1)), 1 - p_true[:, None]))
    np.testing.assert_allclose(curves["focal_positive"], positive.ravel(), rtol=1e-4)
    np.testing.assert_allclose(curves["focal_negative"], negative.ravel(), rtol=1e-4)
    np.testing.assert_allclose(curves["cross_entropy"], -np.log(p_true), rtol=1e-9)
    # gamma shrinks the loss of well-classified examples most
    assert (curves["focal_positive"] <= alpha * curves["cross_entropy"] + 1e-12).all()
