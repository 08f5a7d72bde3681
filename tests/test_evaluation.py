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
