import numpy as np
import pytest

from imbalance_core import ConfigError
from imbalance_core.runs.leakage import leakage_demo

from .helpers import tiny_config


@pytest.fixture(scope="module")
def demo(request):
    return leakage_demo(request.getfixturevalue("moons"), tiny_config("random_oversampling"))


def test_right_way_is_the_ordinary_honest_run(demo, moons):
    from imbalance_core import run_experiment

    alone = run_experiment(moons, tiny_config("random_oversampling"))
    np.testing.assert_array_equal(demo.right.proba_test, alone.proba_test)
    assert demo.right.strategy_label == "Random oversampling"


def test_wrong_way_tests_on_copies_of_its_own_training_rows_and_a_resampled_balance(demo):
    wrong = demo.wrong
    test_counts = list(wrong.counts["test"].values())
    assert abs(test_counts[0] - test_counts[1]) <= 1  # resampled before the split: balanced test split
    right_counts = list(demo.right.counts["test"].values())
    assert right_counts[0] > 3 * right_counts[1]  # the honest test split keeps the real imbalance
    # every copied rare row lands in both splits often; count them independently of the demo
    source = np.asarray(wrong.dataset.source_rows)
    train = set(source[np.concatenate([wrong.prepared.fit_rows, wrong.prepared.val_rows])].tolist())
    test = source[wrong.prepared.test_rows]
    leaked = sum(s < 0 or s in train for s in test.tolist())
    assert demo.leaked_test_rows == leaked > 0
    assert demo.wrong_test_rows == len(test)
    table = demo.table()
    assert table["Inflation"].tolist() == pytest.approx(
        (table["Wrong: resample before the split"] - table["Right: resample after the split"]).tolist())
    assert wrong.strategy_label == "Random oversampling, resampled before the split"


@pytest.mark.parametrize("key, message", [("class_weight", "cannot leak"), ("ensemble", "single sampler")])
def test_strategies_that_cannot_leak_say_so(moons, key, message):
    with pytest.raises(ConfigError, match=message):
        leakage_demo(moons, tiny_config(key))


def test_the_explanation_names_what_rose_and_fell_from_the_runs_own_numbers(demo):
    from dataclasses import replace as swap

    moves = demo.moves()
    for move in moves["rose"]:
        assert move.wrong - move.right >= 0.005
    for move in moves["fell"]:
        assert move.wrong - move.right <= -0.005
    listed = {m.metric for side in moves.values() for m in side}
    assert listed == {"precision", "recall", "f1", "roc_auc", "pr_auc", "balanced_accuracy", "g_mean", "mcc"}
    first = demo.explanation()[0]
    assert all(m.text() in first.split("; lower on ")[0] for m in moves["rose"])
    # a wrong way that scored lower on recall-type metrics says so, and why they can fall
    worse = dict(demo.wrong.metrics, recall=demo.right.metrics["recall"] - 0.1,
                 roc_auc=demo.right.metrics["roc_auc"] - 0.05, precision=demo.right.metrics["precision"] + 0.2)
    other = swap(demo, wrong=swap(demo.wrong, evaluation=swap(demo.wrong.evaluation, metrics=worse)))
    lines = other.explanation()
    assert "Recall -0.100" in lines[0].split("; lower on ")[1] and "ROC AUC -0.050" in lines[0]
    assert "Precision +0.200" in lines[0].split("; lower on ")[0]
    assert any(line.startswith("Recall, ROC AUC") or line.startswith("ROC AUC, Recall") for line in lines)
    real, wrong = demo.positive_shares()
    assert real < 0.3 and abs(wrong - 0.5) < 0.01  # moons 1:5 in the real test split; balanced the wrong way


def test_with_the_pages_defaults_the_wrong_way_looks_better_on_every_score():
    """The page's default (Moons, random oversampling, a network that memorises) shows the lesson plainly."""
    from imbalance_core import ExperimentConfig, NetworkConfig, load_builtin
    from imbalance_core.runs.leakage import LEAKAGE_NETWORK

    demo = leakage_demo(load_builtin("moons"), ExperimentConfig(
        strategy="random_oversampling", network=NetworkConfig.from_values(LEAKAGE_NETWORK)))
    moves = demo.moves()
    assert moves["fell"] == [] and len(moves["rose"]) >= 7
    assert demo.explanation()[0].endswith("lower on nothing.")
