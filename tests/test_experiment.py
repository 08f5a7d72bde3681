import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE

from imbalance_core import STRATEGIES, ConfigError, dataset_from_table, evaluate, run_experiment
from imbalance_core.data.preprocessing import prepare

from .helpers import tiny_config


@pytest.mark.parametrize("key", list(STRATEGIES))
def test_every_strategy_trains_end_to_end_on_binary_and_multiclass(key, moons, wine):
    for data in (moons, wine):
        result = run_experiment(data, tiny_config(key, params={"n_members": 2} if key == "ensemble" else {}))
        n_classes = len(data.classes)
        assert result.proba_test.shape == (len(result.prepared.test_rows), n_classes)
        np.testing.assert_allclose(result.proba_test.sum(axis=1), 1.0, atol=1e-5)
        assert set(result.metrics) == {"accuracy", "balanced_accuracy", "precision", "recall", "f1",
                                       "roc_auc", "pr_auc", "g_mean", "mcc"}
        assert 0.0 <= result.metrics["accuracy"] <= 1.0
        assert result.boundary.proba.shape[2] == n_classes
        assert len(result.history) == result.n_members == len(result.resampled)
        assert len(result.history[0]["loss"]) == 3
        if STRATEGIES[key].creates_synthetic:
            assert result.counts["synthetic"] > 0 and len(result.view.synthetic_points) == result.counts["synthetic"]


def test_test_split_is_untouched_by_resampling(moons):
    result = run_experiment(moons, tiny_config("smote"))
    expected = prepare(moons, seed=0)
    np.testing.assert_array_equal(result.prepared.X_test, expected.X_test)
    np.testing.assert_array_equal(result.prepared.test_rows, expected.test_rows)
    # metrics are exactly sklearn's on the held-out rows
    again = evaluate(result.prepared.y_test, result.proba_test, classes=result.classes)
    assert again.metrics == result.metrics


def test_the_sampler_only_ever_sees_training_rows(moons, monkeypatch):
    seen = []
    original = SMOTE.fit_resample

    def spy(self, X, y, **kwargs):
        seen.append(np.asarray(X).copy())
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(SMOTE, "fit_resample", spy)
    result = run_experiment(moons, tiny_config("smote"))
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], result.prepared.X_fit)
    assert len(seen[0]) == len(result.prepared.fit_rows)
    assert not set(result.prepared.fit_rows) & set(result.prepared.test_rows)


def test_same_seed_same_numbers_other_seed_other_numbers(moons):
    a = run_experiment(moons, tiny_config("smote", seed=3))
    b = run_experiment(moons, tiny_config("smote", seed=3))
    c = run_experiment(moons, tiny_config("smote", seed=4))
    assert a.metrics == b.metrics
    np.testing.assert_array_equal(a.proba_test, b.proba_test)
    assert not np.array_equal(a.proba_test, c.proba_test)


def test_live_updates_are_throttled_and_can_stop_training(moons):
    from imbalance_core.portable.kernel import Stopped

    updates = []
    run_experiment(moons, tiny_config("none"), on_update=updates.append, update_interval=0.0)
    assert [u.epoch for u in updates] == [1, 2, 3]
    assert updates[-1].fraction == pytest.approx(1.0)
    assert updates[-1].boundary.proba.shape == (80, 80, 2)  # a live run: the boundary as it is at each update
    assert len(updates[-1].history[-1]["loss"]) == 3
    quiet = []
    run_experiment(moons, tiny_config("none"), on_update=quiet.append, update_interval=0.0, live=False)
    assert [u.epoch for u in quiet] == [1, 2, 3] and all(u.boundary is None and u.view is None for u in quiet)

    throttled = []
    run_experiment(moons, tiny_config("none"), on_update=throttled.append, update_interval=3600)
    assert [u.epoch for u in throttled] == [3]  # a run shorter than the interval: only its end

    class Stop(Exception):
        pass

    def stop(update):
        raise Stop

    with pytest.raises(Stop):
        run_experiment(moons, tiny_config("none"), on_update=stop)
    with pytest.raises(Stopped):  # a stop request between compiled calls
        run_experiment(moons, tiny_config("none"), should_stop=lambda: True)


def test_ensemble_averages_its_members(moons):
    from imbalance_core.portable.kernel import predict_proba

    result = run_experiment(moons, tiny_config("ensemble", params={"n_members": 3}))
    assert result.n_members == 3 and len(result.resampled) == 3
    assert len({tuple(r.source[:5]) for r in result.resampled}) > 1  # different subsamples
    singles = [predict_proba(result.network(), [w], result.prepared.X_test)[0] for w in result.weights]
    np.testing.assert_allclose(result.proba_test, np.mean(singles, axis=0), atol=1e-6)
    # one boundary per network, whose grid average is the combined boundary
    assert len(result.member_panels) == 3
    np.testing.assert_allclose(np.mean([b.proba for b, _ in result.member_panels], axis=0),
                               result.boundary.proba, atol=1e-5)
    kept = [len(view.points) for _, view in result.member_panels]
    assert kept == [len(r.y) for r in result.resampled]  # each panel shows the rows its network saw


@pytest.mark.parametrize("strategy", ["smote", "smote_tomek"])
def test_smote_lineage_joins_each_synthetic_point_to_two_real_training_rows(moons, strategy):
    result = run_experiment(moons, tiny_config(strategy))
    data = result.resampled[0]
    parents = data.parents
    assert parents is not None and parents.shape == (data.n_synthetic, 2)
    assert ((parents >= 0) & (parents < len(result.prepared.y_fit))).all()  # rows of the training split
    assert (result.prepared.y_fit[parents] == result.positive_index).all()
    a, b = result.prepared.X_fit[parents[:, 0]], result.prepared.X_fit[parents[:, 1]]
    synthetic = data.X[data.is_synthetic]
    t = ((synthetic - a) * (b - a)).sum(axis=1) / ((b - a) ** 2).sum(axis=1)
    np.testing.assert_allclose(synthetic, a + t[:, None] * (b - a), atol=1e-5)
    assert ((t > -1e-6) & (t < 1 + 1e-6)).all()
    # the view carries the parents' positions for the chart
    assert result.view.lineage.shape == (data.n_synthetic, 2, 2)
    assert result.member_panels == []


def test_class_weight_strategy_reports_its_weights(moons):
    result = run_experiment(moons, tiny_config("class_weight"))
    weights = result.to_dict()["class_weights"]
    assert weights["1"] > weights["0"]


def test_focal_loss_on_multiclass_notes_the_per_class_alpha(wine):
    result = run_experiment(wine, tiny_config("focal_loss"))
    assert any("inverse frequency" in note for note in result.notes)


def test_a_setting_that_changes_nothing_in_the_run_is_said_and_only_then(moons):
    from imbalance_core.data.preprocessing import prepare
    from imbalance_core.runs.experiment import plan_run

    prepared = prepare(moons, seed=0)

    def notes(key, **params):
        return " ".join(plan_run(moons, prepared, tiny_config(key, params=params)).notes)

    assert "(SMOTE balanced them), so class weighting changes nothing" in notes("smote+class_weight")
    assert "class weighting changes nothing" in notes("ensemble+class_weight")
    assert "class weighting" not in notes("class_weight") + notes("tomek_links+class_weight")  # weights differ
    assert "half the cross-entropy" in notes("focal_loss", gamma=0.0, alpha=0.5)
    assert "half the cross-entropy" in notes("smote+focal_loss", gamma=0.0)  # alpha: the neutral 0.5 after SMOTE
    assert "cross-entropy" not in notes("focal_loss", gamma=0.0) + notes("smote+focal_loss")


def test_uploaded_table_with_categories_and_missing_values_trains_and_maps_rows():
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({
        "amount": rng.normal(100, 30, size=n),
        "channel": rng.choice(["web", "shop", None], size=n),
        "fraud": np.where(rng.uniform(size=n) < 0.15, "yes", "no"),
    })
    frame.loc[::11, "amount"] = np.nan
    frame.loc[5, "fraud"] = None
    data = dataset_from_table(frame, name="fraud.csv")
    result = run_experiment(data, tiny_config("smote"))
    table = result.predictions_table()
    assert list(table.columns) == ["row", "y_true", "y_pred", "proba_no", "proba_yes"]
    assert 5 not in table["row"].tolist()
    truth = frame["fraud"].to_numpy()[table["row"].to_numpy()]
    assert (truth == table["y_true"].to_numpy()).all()


def test_impossible_settings_are_config_errors(moons):
    with pytest.raises(ConfigError, match="no parameter"):
        run_experiment(moons, tiny_config("smote", params={"n_members": 2}))


def test_another_threshold_needs_no_retraining(moons):
    from sklearn.metrics import recall_score

    result = run_experiment(moons, tiny_config("class_weight"))
    low, high = result.evaluate_at(0.1), result.evaluate_at(0.9)
    assert result.evaluate_at(0.5) is result.evaluation
    assert low.metrics["recall"] >= result.metrics["recall"] >= high.metrics["recall"]
    expected = recall_score(result.prepared.y_test, (result.proba_test[:, 1] >= 0.1).astype(int))
    assert low.metrics["recall"] == pytest.approx(expected)
    assert low.metrics["roc_auc"] == result.metrics["roc_auc"]


def test_cost_threshold_is_chosen_on_validation_rows_never_on_test_rows(moons):
    result = run_experiment(moons, tiny_config("none"))
    assert len(result.proba_val) == len(result.prepared.val_rows) > 0
    choice = result.cost_threshold(20.0, 1.0)
    # scrambling the test probabilities changes nothing about the choice
    result.proba_test = result.proba_test[::-1].copy()
    assert result.cost_threshold(20.0, 1.0) == choice
    from imbalance_core.runs.evaluation import choose_cost_threshold

    assert choice == choose_cost_threshold(result.prepared.y_val, result.proba_val, cost_fn=20.0, cost_fp=1.0)


def test_no_cost_threshold_without_a_validation_split():
    from imbalance_core import load_builtin

    result = run_experiment(load_builtin("article"), tiny_config("none"))
    assert result.cost_threshold(5.0, 1.0) is None


def test_sampler_plus_loss_combination_trains_with_both(moons):
    result = run_experiment(moons, tiny_config("smote+focal_loss", params={"gamma": 1.5}))
    assert result.strategy == "smote+focal_loss" and result.strategy_label == "SMOTE + focal loss"
    assert result.counts["synthetic"] > 0
    assert result.focal == [(1.5, 0.5)]  # trained with focal loss: gamma as set, alpha neutral after balancing
    weighted = run_experiment(moons, tiny_config("random_undersampling+class_weight"))
    # weights come from the rows the network sees: balanced after undersampling
    assert weighted.class_weights == {0: 1.0, 1: 1.0}
    assert len(weighted.resampled[0].dropped) > 0


def test_a_result_holds_arrays_only_and_draws_its_pictures_on_demand(moons):
    """No Keras object in a result (it pickles); the CLI path never computes a boundary grid."""
    import pickle

    result = run_experiment(moons, tiny_config("ensemble", params={"n_members": 2}))
    assert "boundary" not in result.__dict__ and "member_panels" not in result.__dict__
    assert "view" not in result.views.__dict__  # not even the projection
    back = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(back.proba_test, result.proba_test)
    assert back.boundary.proba.shape == (80, 80, 2) and len(back.member_panels) == 2
