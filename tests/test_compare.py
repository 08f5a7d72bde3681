from dataclasses import replace

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from imbalance_core import ConfigError, run_experiment
from imbalance_core.compute.jobs import seed_jobs
from imbalance_core.outputs.plots import make_boundary_grid_figure, make_confusion_grid_figure, make_reliability_figure
from imbalance_core.runs.compare import Comparison, compare_seed, compare_strategies, seed_configs
from imbalance_core.runs.evaluation import calibration
from imbalance_core.training.strategies import SEED_STRATEGIES

from .helpers import tiny_config


@pytest.fixture(scope="module")
def comparison(request):
    return compare_strategies(request.getfixturevalue("moons"), ["none", "smote", "class_weight"], tiny_config(),
                              repeats=2)


def test_every_strategy_uses_the_same_split_and_the_same_initial_weights(comparison, moons):
    results = list(comparison.results.values())
    for result in results[1:]:
        np.testing.assert_array_equal(result.prepared.test_rows, results[0].prepared.test_rows)
        np.testing.assert_array_equal(result.prepared.X_test, results[0].prepared.X_test)
    # trained together, each strategy gets exactly the numbers the lab gives it alone
    for key in ("none", "smote"):
        alone = run_experiment(moons, tiny_config(key))
        np.testing.assert_array_equal(comparison.results[key].proba_test, alone.proba_test)
        assert comparison.results[key].metrics == alone.metrics


def test_leaderboard_has_one_row_per_strategy_with_mean_and_spread(comparison):
    board = comparison.leaderboard()
    assert board["Strategy"].tolist() == ["No treatment", "SMOTE", "Class weighting"]
    for column in ["Precision", "Recall", "F1", "ROC AUC", "PR AUC", "Balanced accuracy", "G-mean", "MCC", "Brier",
                   "Gradient steps"]:
        assert column in board and f"{column} ±" in board
    assert board.loc[1, "Gradient steps"] == comparison.results["smote"].gradient_steps  # the work, not the clock
    runs = comparison.scores["smote"]
    assert len(runs) == 2
    assert board.loc[1, "PR AUC"] == pytest.approx(np.mean([r["pr_auc"] for r in runs]))
    assert board.loc[1, "PR AUC ±"] == pytest.approx(np.std([r["pr_auc"] for r in runs], ddof=1))


def test_ties_are_reported_when_the_difference_is_within_the_seed_spread():
    comparison = Comparison()
    comparison.scores = {"a": [{"pr_auc": 0.70}, {"pr_auc": 0.80}], "b": [{"pr_auc": 0.74}, {"pr_auc": 0.78}],
                         "c": [{"pr_auc": 0.95}, {"pr_auc": 0.96}]}
    assert comparison.within_spread("pr_auc") == [("a", "b")]
    # in the table: c first alone; b and a share second place
    assert comparison.ranks("pr_auc") == {"a": "2=", "b": "2=", "c": "1"}
    comparison.scores["d"] = [{"pr_auc": 0.20}, {"pr_auc": 0.21}]
    assert comparison.ranks("pr_auc")["d"] == "4"
    # ties do not chain: e is within the spread of f, f of g, but e and g are far apart
    chain = Comparison()
    chain.scores = {"e": [{"pr_auc": 0.80}, {"pr_auc": 0.84}], "f": [{"pr_auc": 0.775}, {"pr_auc": 0.815}],
                    "g": [{"pr_auc": 0.75}, {"pr_auc": 0.79}]}
    assert chain.within_spread("pr_auc") == [("e", "f"), ("f", "g")]
    assert chain.ranks("pr_auc") == {"e": "1=", "f": "1=", "g": "3"}


def test_a_comparisons_seeds_are_one_declaration_for_the_library_and_the_jobs(moons):
    """``seed_configs`` is the one per-seed loop: the library's comparison and the jobs the app and the CLI send
    run the same seeds, and a seed's strategies train together as ``compare_seed`` trains them."""
    base = tiny_config(seed=5)
    configs = seed_configs(base, 2)
    assert [c.seed for c in configs] == [5, 6] and all(replace(c, seed=5) == base for c in configs)
    assert [job.config for job in seed_jobs(["none"], base, 2)] == configs
    with pytest.raises(ConfigError, match="repeats must be a whole number from 1 to 10"):
        seed_configs(base, 11)
    progress = []
    second = compare_seed(moons, ["none", "random_undersampling"], configs[1], on_progress=progress.append)
    assert [r.strategy for r in second] == ["none", "random_undersampling"]
    assert {r.config.seed for r in second} == {6}
    assert progress[-1].epoch == progress[-1].epochs == 3 and progress[-1].n_members == 2
    library = compare_strategies(moons, ["none", "random_undersampling"], base, repeats=2)
    for key, result in zip(["none", "random_undersampling"], second):
        assert library.scores[key][1]["pr_auc"] == result.metrics["pr_auc"]


def test_calibration_matches_sklearn(comparison):
    result = comparison.results["smote"]
    cal = calibration(result.prepared.y_test, result.proba_test, positive_index=1)
    expected_true, expected_pred = calibration_curve(result.prepared.y_test, result.proba_test[:, 1], n_bins=10)
    np.testing.assert_allclose(cal.observed_rate, expected_true)
    np.testing.assert_allclose(cal.mean_predicted, expected_pred)
    assert cal.brier == pytest.approx(brier_score_loss(result.prepared.y_test, result.proba_test[:, 1]))
    assert comparison.scores["smote"][0]["brier"] == pytest.approx(cal.brier)
    assert comparison.calibrations["smote"].brier == pytest.approx(cal.brier)


def test_small_multiples_and_overlays(comparison):
    results = list(comparison.results.values())
    grid = make_boundary_grid_figure([(r.strategy_label, r.boundary, r.view) for r in results])
    assert [a.text for a in grid.layout.annotations][:3] == ["No treatment", "SMOTE", "Class weighting"]
    heatmaps = [t for t in grid.data if t.type == "heatmap"]
    assert len(heatmaps) == 3 and {t.coloraxis for t in heatmaps} == {"coloraxis"}  # one shared colour scale
    confusions = make_confusion_grid_figure([(r.strategy_label, r.evaluation.confusion) for r in results], ["0", "1"])
    assert len(confusions.data) == 3
    reliability = make_reliability_figure({r.strategy_label: comparison.calibrations[k]
                                           for k, r in comparison.results.items()})
    assert reliability.data[0].name == "perfectly calibrated" and "Brier" in reliability.data[1].name


def test_seed_strategies_are_all_in_the_registry():
    from imbalance_core import STRATEGIES

    assert set(SEED_STRATEGIES) <= set(STRATEGIES) and len(SEED_STRATEGIES) == 8


def test_every_seed_is_recut_at_another_threshold_without_retraining(comparison):
    from imbalance_core import evaluate

    scores = comparison.scores_at(0.3)
    for key, rows in scores.items():
        result = comparison.results[key]
        assert len(rows) == 2 and all(r["threshold"] == 0.3 for r in rows)
        for row, run in zip(rows, comparison.runs[key]):
            expected = evaluate(run.y_test, run.proba_test, classes=result.classes, threshold=0.3).metrics
            assert row["recall"] == pytest.approx(expected["recall"]) and row["mcc"] == pytest.approx(expected["mcc"])
    board = comparison.leaderboard(scores)
    assert board["Threshold"].tolist() == [0.3, 0.3, 0.3]
    assert "Threshold" not in comparison.leaderboard()  # at the default 0.5 the column would say nothing


def test_cost_thresholds_are_chosen_on_each_runs_validation_split_never_the_test_split(comparison):
    import dataclasses

    from imbalance_core.runs.evaluation import choose_cost_threshold

    costs = (10.0, 1.0)
    chosen = comparison.scores_at(costs=costs)
    for key, rows in chosen.items():
        for row, run in zip(rows, comparison.runs[key]):
            expected = choose_cost_threshold(run.y_val, run.proba_val, cost_fn=10, cost_fp=1, positive_index=1)
            assert row["threshold"] == pytest.approx(expected.threshold)
    # scrambling every test probability moves the metrics but not one chosen threshold
    scrambled = dataclasses.replace(comparison, runs={
        k: [dataclasses.replace(r, proba_test=r.proba_test[::-1].copy()) for r in runs]
        for k, runs in comparison.runs.items()})
    again = scrambled.scores_at(costs=costs)
    assert [[r["threshold"] for r in rows] for rows in again.values()] == \
        [[r["threshold"] for r in rows] for rows in chosen.values()]
    assert comparison.evaluation_at("smote", costs=costs).threshold == pytest.approx(chosen["smote"][0]["threshold"])


def test_cost_thresholds_keep_their_column_even_when_all_are_half(comparison):
    board = comparison.leaderboard(comparison.scores, threshold_column=True)
    assert board["Threshold"].tolist() == [0.5, 0.5, 0.5]  # the caption points to it: it must be there
