import numpy as np
import pytest
from imblearn.metrics import geometric_mean_score
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

from imbalance_core import evaluate


def _binary(rng, n=300):
    y = (rng.uniform(size=n) < 0.15).astype(int)
    p = np.clip(0.35 * y + rng.uniform(size=n) * 0.7, 0, 1)
    return y, np.column_stack([1 - p, p])


def test_binary_metrics_match_sklearn_and_imblearn(rng):
    y, proba = _binary(rng)
    pred = (proba[:, 1] >= 0.5).astype(int)
    result = evaluate(y, proba, classes=["neg", "pos"], positive_index=1)
    m = result.metrics
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred))
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred))
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba[:, 1]))
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(y, proba[:, 1]))
    assert m["g_mean"] == pytest.approx(geometric_mean_score(y, pred))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, pred))
    np.testing.assert_array_equal(result.confusion, skm.confusion_matrix(y, pred))
    assert result.roc[0].area == pytest.approx(m["roc_auc"])
    assert result.pr[0].area == pytest.approx(m["pr_auc"])
    assert result.positive_rate == pytest.approx(y.mean())
    assert result.per_class["support (test rows)"].tolist() == np.bincount(y).tolist()


def test_threshold_moves_the_predictions(rng):
    y, proba = _binary(rng)
    low = evaluate(y, proba, classes=["n", "p"], threshold=0.2)
    high = evaluate(y, proba, classes=["n", "p"], threshold=0.8)
    assert low.metrics["recall"] >= high.metrics["recall"]
    assert low.metrics["roc_auc"] == high.metrics["roc_auc"]


def test_multiclass_metrics_are_macro_and_one_vs_rest(rng):
    n = 400
    y = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    logits = rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    m = evaluate(y, proba, classes=["a", "b", "c"], positive_index=2).metrics
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred, average="macro"))
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred, average="macro"))
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(label_binarize(y, classes=[0, 1, 2]), proba, average="macro"))
    assert m["g_mean"] == pytest.approx(geometric_mean_score(y, pred))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, pred))


def test_undefined_metrics_are_nan_with_a_note():
    y = np.zeros(10, dtype=int)
    proba = np.column_stack([np.full(10, 0.6), np.full(10, 0.4)])
    result = evaluate(y, proba, classes=["neg", "pos"])
    assert np.isnan(result.metrics["roc_auc"]) and np.isnan(result.metrics["pr_auc"])
    assert result.metrics["accuracy"] == 1.0
    assert "no rows of pos" in result.notes[0]


def test_cost_threshold_minimises_the_given_costs():
    from imbalance_core.runs.evaluation import choose_cost_threshold
    from imbalance_core.settings import threshold_grid

    y = np.array([0, 0, 0, 0, 1, 1])
    score = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.9])
    proba = np.column_stack([1 - score, score])
    # missing a positive is expensive: cut at 0.4 or below so both positives are caught (one false alarm at 0.6)
    cheap_fn = choose_cost_threshold(y, proba, cost_fn=10, cost_fp=1)
    assert cheap_fn.threshold == pytest.approx(0.4) and (cheap_fn.false_negatives, cheap_fn.false_positives) == (0, 1)
    # false alarms are expensive: predict positive only above 0.6 (the cheapest cut closest to 0.5 is 0.61)
    cheap_fp = choose_cost_threshold(y, proba, cost_fn=1, cost_fp=10)
    assert cheap_fp.threshold == pytest.approx(0.61) and cheap_fp.false_positives == 0
    # brute force over the thresholds the setting can take agrees
    for c_fn, c_fp, choice in [(10, 1, cheap_fn), (1, 10, cheap_fp)]:
        costs = [(c_fn * np.sum((y == 1) & (score < t)) + c_fp * np.sum((y == 0) & (score >= t))) / 6
                 for t in threshold_grid()]
        assert choice.cost_per_row == pytest.approx(min(costs))
    with pytest.raises(ValueError):
        choose_cost_threshold(y, proba, cost_fn=0, cost_fp=0)


def test_a_cost_chosen_threshold_is_one_the_slider_can_hold_and_gives_the_cost_reported():
    """Costs that favour predicting nothing used to choose 1.0 (beyond the slider); saturated
    probabilities of exactly 1.0 still counted as positive when it was re-applied."""
    from imbalance_core.portable.steps import predict_labels
    from imbalance_core.runs.evaluation import choose_cost_threshold
    from imbalance_core.settings import THRESHOLD

    y = np.array([0, 0, 0, 1, 0, 1])
    score = np.array([1.0, 1.0, 0.995, 0.2, 0.3, 1.0], dtype=np.float32)  # saturated float32 outputs
    proba = np.column_stack([1 - score, score])
    choice = choose_cost_threshold(y, proba, cost_fn=0.0, cost_fp=1.0)
    assert THRESHOLD.check(choice.threshold) == choice.threshold  # within 0.01-0.99, on its 0.01 grid
    assert round(choice.threshold, 2) == choice.threshold
    predicted = predict_labels(proba, threshold=choice.threshold, positive_index=1)
    fp = int(np.sum((predicted == 1) & (y == 0)))
    fn = int(np.sum((predicted == 0) & (y == 1)))
    assert (fn, fp) == (choice.false_negatives, choice.false_positives)
    assert choice.cost_per_row == pytest.approx(fp / len(y))
    for bad in [(float("nan"), 1.0), (1.0, float("inf")), (-1.0, 1.0)]:
        with pytest.raises(ValueError):
            choose_cost_threshold(y, proba, cost_fn=bad[0], cost_fp=bad[1])


def test_an_evaluation_at_another_threshold_keeps_the_curves_and_recomputes_the_rest(rng):
    y = (rng.random(300) < 0.15).astype(int)
    p = np.clip(y * 0.4 + rng.random(300) * 0.6, 0, 1)
    proba = np.column_stack([1 - p, p])
    base = evaluate(y, proba, classes=["a", "b"], threshold=0.5)
    fresh = evaluate(y, proba, classes=["a", "b"], threshold=0.3)
    reused = evaluate(y, proba, classes=["a", "b"], threshold=0.3, curves_of=base)
    assert reused.metrics == fresh.metrics and reused.metrics != base.metrics
    np.testing.assert_array_equal(reused.confusion, fresh.confusion)
    for mine, theirs in zip(reused.roc + reused.pr, fresh.roc + fresh.pr):
        np.testing.assert_array_equal(mine.x, theirs.x)
        assert mine.area == theirs.area
