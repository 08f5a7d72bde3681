import numpy as np
import pytest

from imbalance_core import ConfigError
from imbalance_core.leakage import leakage_demo

from .conftest import tiny_config


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
