"""Metrics, curves and confusion matrices on the untouched test split (scikit-learn / imblearn)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..portable.steps import metric_or_nan, metric_values
from ..settings import THRESHOLD, threshold_grid

__all__ = ["Calibration", "CostChoice", "Curve", "Evaluation", "IMBALANCE_METRICS", "METRIC_LABELS", "calibration",
           "choose_cost_threshold", "choose_f1_threshold", "evaluate"]

METRIC_LABELS = {
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1": "F1",
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "g_mean": "G-mean",
    "mcc": "MCC",
}
# the scores that matter under imbalance (every metric but accuracy): the leaderboards and the leakage table show these
IMBALANCE_METRICS = ("precision", "recall", "f1", "roc_auc", "pr_auc", "balanced_accuracy", "g_mean", "mcc")


@dataclass
class Curve:
    """One ROC or PR curve: ``x``/``y`` points and its area (AUC or average precision)."""

    name: str
    x: np.ndarray
    y: np.ndarray
    area: float


@dataclass
class Evaluation:
    metrics: dict[str, float]
    per_class: pd.DataFrame
    confusion: np.ndarray
    roc: list[Curve]
    pr: list[Curve]
    y_pred: np.ndarray
    positive_rate: float
    threshold: float = THRESHOLD.default
    notes: list[str] = field(default_factory=list)

    @property
    def operating_point(self) -> dict[str, float] | None:
        """Where the threshold puts a binary classifier on the ROC and PR curves (None for multi-class)."""
        if self.confusion.shape != (2, 2):
            return None
        (tn, fp), (fn, tp) = self.confusion

        def ratio(part: int, whole: int) -> float:
            return float(part / whole) if whole else float("nan")

        return {"fpr": ratio(fp, fp + tn), "tpr": ratio(tp, tp + fn), "precision": ratio(tp, tp + fp),
                "recall": ratio(tp, tp + fn)}


def evaluate(
    y_true: np.ndarray,
    proba: np.ndarray,
    *,
    classes: list[str],
    positive_index: int = 1,
    threshold: float = THRESHOLD.default,
    curves_of: Evaluation | None = None,
) -> Evaluation:
    """Everything the result views need, from true labels and predicted probabilities.

    ``curves_of``: an evaluation of the same labels and probabilities at another threshold, whose ROC and PR
    curves (which no threshold changes) are taken as they are.

    Binary precision / recall / F1 are about the positive class; multi-class ones are macro
    averages. ROC AUC is one-vs-rest macro for multi-class; PR AUC is average precision.
    A metric that is undefined on this test split (a class missing from it) is NaN. The metric
    values come from :func:`imbalance_core.portable.steps.metric_values`, which the exported script runs too.
    """
    from sklearn import metrics as skm

    n_classes = len(classes)
    labels = list(range(n_classes))
    binary = n_classes == 2
    notes: list[str] = []
    present = np.unique(y_true)
    if present.size < n_classes:
        missing = [classes[i] for i in labels if i not in present]
        notes.append(f"The test split has no rows of {', '.join(missing)}; metrics about that class are undefined.")
    metrics, y_pred = metric_values(y_true, proba, positive_index=positive_index, threshold=threshold)

    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    per_class = pd.DataFrame({
        "class": classes,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support (test rows)": support.astype(int),
        "predicted": np.bincount(y_pred, minlength=n_classes),
    })
    confusion = skm.confusion_matrix(y_true, y_pred, labels=labels)

    roc, pr = (curves_of.roc, curves_of.pr) if curves_of is not None else ([], [])
    curve_classes = [] if curves_of is not None else [positive_index] if binary else labels
    for c in curve_classes:
        truth = (y_true == c).astype(int)
        if truth.min() == truth.max():
            continue
        fpr, tpr, _ = skm.roc_curve(truth, proba[:, c])
        prec, rec, _ = skm.precision_recall_curve(truth, proba[:, c])
        if binary:  # the positive class's areas are the run's ROC AUC and PR AUC, computed just above
            roc_auc, pr_auc = metrics["roc_auc"], metrics["pr_auc"]
        else:
            roc_auc = metric_or_nan(skm.roc_auc_score, truth, proba[:, c])
            pr_auc = metric_or_nan(skm.average_precision_score, truth, proba[:, c])
        roc.append(Curve(classes[c], fpr, tpr, roc_auc))
        pr.append(Curve(classes[c], rec, prec, pr_auc))
    positive_rate = float(np.mean(y_true == positive_index)) if len(y_true) else float("nan")
    return Evaluation(metrics, per_class, confusion, roc, pr, y_pred, positive_rate, threshold, notes)


@dataclass
class Calibration:
    """Reliability of predicted probabilities: per bin, the mean prediction against the observed rate."""

    mean_predicted: np.ndarray
    observed_rate: np.ndarray
    brier: float


def calibration(y_true: np.ndarray, proba: np.ndarray, *, positive_index: int = 1, n_bins: int = 10) -> Calibration:
    """Reliability curve of the positive (or chosen) class and the Brier score (scikit-learn).

    For multi-class data the curve is one-vs-rest for ``positive_index`` and the Brier score is
    the multi-class one.
    """
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss

    is_positive = (y_true == positive_index).astype(int)
    if is_positive.min() == is_positive.max():
        curve_true, curve_pred = np.empty(0), np.empty(0)
    else:
        curve_true, curve_pred = calibration_curve(is_positive, proba[:, positive_index], n_bins=n_bins)
    labels = list(range(proba.shape[1]))
    if proba.shape[1] == 2:
        brier = metric_or_nan(brier_score_loss, is_positive, proba[:, positive_index])
    else:
        brier = metric_or_nan(brier_score_loss, y_true, proba, labels=labels)
    return Calibration(mean_predicted=curve_pred, observed_rate=curve_true, brier=brier)


@dataclass
class CostChoice:
    """The threshold with the lowest expected cost on the data it was chosen on."""

    threshold: float
    cost_per_row: float
    false_negatives: int
    false_positives: int


def choose_cost_threshold(
    y_true: np.ndarray, proba: np.ndarray, *, cost_fn: float, cost_fp: float, positive_index: int = 1
) -> CostChoice:
    """The decision threshold that minimises ``cost_fn * FN + cost_fp * FP`` on the given rows.

    Meant for a validation split carved from the training data: choosing it on the test split
    would make the test result optimistic. Candidates are the thresholds the ``THRESHOLD`` setting
    can take (0.01 to 0.99 in steps of 0.01), applied with the same rule as everywhere
    (``probability >= threshold``), so the chosen value can be set on a slider and gives the cost
    reported. Ties go to the threshold closest to the default (0.5).
    """
    if not (np.isfinite(cost_fn) and np.isfinite(cost_fp)) or cost_fn < 0 or cost_fp < 0 or cost_fn + cost_fp == 0:
        raise ValueError("costs must be finite, >= 0 and not both 0")
    if len(y_true) == 0:
        raise ValueError("no rows to choose a threshold on")
    candidates = threshold_grid()
    _, fp, fn = _grid_counts(y_true == positive_index, proba[:, positive_index], candidates)
    cost = (cost_fn * fn + cost_fp * fp) / len(y_true)
    best = np.lexsort((np.abs(candidates - THRESHOLD.default), np.round(cost, 12)))[0]
    return CostChoice(float(candidates[best]), float(cost[best]), int(fn[best]), int(fp[best]))


def choose_f1_threshold(y_true: np.ndarray, proba: np.ndarray, *, positive_index: int = 1) -> float:
    """The decision threshold with the best F1 of the positive class on the given rows (a validation split, never
    the test split): the same candidates and rule as :func:`choose_cost_threshold`, ties to the one closest to 0.5."""
    candidates = threshold_grid()
    tp, fp, fn = _grid_counts(y_true == positive_index, proba[:, positive_index], candidates)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros(len(candidates)), where=(2 * tp + fp + fn) > 0)
    return float(candidates[np.lexsort((np.abs(candidates - THRESHOLD.default), -np.round(f1, 12)))[0]])


def _grid_counts(positive: np.ndarray, score: np.ndarray, candidates: np.ndarray):
    """True positives, false positives and false negatives at every candidate threshold (``score >= t``), at once."""
    predicted = score[None, :] >= candidates[:, None]  # (candidates, rows)
    tp = np.sum(positive[None, :] & predicted, axis=1)
    fp = np.sum(~positive[None, :] & predicted, axis=1)
    fn = np.sum(positive[None, :] & ~predicted, axis=1)
    return tp, fp, fn
