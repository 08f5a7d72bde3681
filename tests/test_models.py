import numpy as np
import pytest

from imbalance_core import ConfigError, NetworkConfig, run_experiment
from imbalance_core.outputs.plots import make_history_figure
from imbalance_core.portable.kernel import Network, initial_weights
from imbalance_core.portable.steps import prior_bias

from .helpers import tiny_config


def test_prior_bias_reproduces_the_class_shares():
    y = np.array([0] * 90 + [1] * 10)
    bias = prior_bias(y, 2)
    assert 1 / (1 + np.exp(-bias[0])) == pytest.approx(0.1)
    y3 = np.array([0] * 70 + [1] * 20 + [2] * 10)
    logits = prior_bias(y3, 3)
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(), [0.7, 0.2, 0.1], rtol=1e-6)


def test_output_layer_starts_from_the_given_bias():
    network = Network(n_features=2, n_classes=2, hidden=(4,))
    np.testing.assert_allclose(initial_weights(network, 0, output_bias=(-2.0,))[-1], [-2.0])
    np.testing.assert_allclose(initial_weights(network, 0)[-1], [0.0])


def test_same_seed_same_initial_weights():
    network = Network(n_features=3, n_classes=2, hidden=(5, 4))
    a, b, c = (initial_weights(network, seed) for seed in (7, 7, 8))
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a[0], c[0])
    assert [w.shape for w in a] == [(3, 5), (5,), (5, 4), (4,), (4, 1), (1,)]


def test_prior_bias_lowers_the_epoch_zero_loss_on_imbalanced_data(moons):
    plain = run_experiment(moons, tiny_config("none"))
    primed = run_experiment(moons, tiny_config("none", network=NetworkConfig(hidden_layers=(8,), epochs=3,
                                                                              batch_size=64, prior_bias=True)))
    assert plain.initial_loss == primed.initial_loss  # both numbers are reported either way
    assert primed.initial_loss["prior_bias"] < primed.initial_loss["zero_bias"]
    assert primed.history[0]["loss"][0] < plain.history[0]["loss"][0]
    # after balancing, the priors are 50/50 and the bias changes nothing
    balanced = run_experiment(moons, tiny_config("random_oversampling"))
    assert balanced.initial_loss["prior_bias"] == pytest.approx(balanced.initial_loss["zero_bias"], abs=1e-6)
    # ...and the note says so, with one number, instead of the same number three times
    assert "balanced" in balanced.loss_note and balanced.loss_note.count(f"{balanced.initial_loss['zero_bias']:.3f}") == 1
    assert "from the class priors at" not in balanced.loss_note and "from the class priors at" in primed.loss_note


def test_history_marks_the_loss_before_training():
    fig = make_history_figure([{"loss": [0.5, 0.4]}], initial_loss=0.69)
    marker = [t for t in fig.data if t.name == "before training"]
    assert len(marker) == 1 and float(marker[0].x[0]) == 0 and float(marker[0].y[0]) == pytest.approx(0.69)


def test_network_settings_are_checked():
    with pytest.raises(ConfigError, match="hidden layers"):
        NetworkConfig.from_values({"hidden_layers": "0"})
    with pytest.raises(ConfigError, match="activation"):
        NetworkConfig(activation="magic")
    with pytest.raises(ConfigError, match="learning_rate"):
        NetworkConfig(learning_rate=5.0)
