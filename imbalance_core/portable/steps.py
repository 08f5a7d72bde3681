"""The data half of a run, portable: split, preprocessing, resampling with row tracing, and the metrics.

The app uses these functions, and the exported ``reproduce.py`` carries this file's source (with the
training kernel's), so the app and the script cannot drift apart. It depends on NumPy, pandas,
scikit-learn and imbalanced-learn only: no Imbalance Lab import, no messages for the app's user
(the modules that call it check their input and explain).
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["MAX_CATEGORY_LEVELS", "MIN_ROWS_PER_CLASS_FOR_VALIDATION", "apply_samplers", "balanced_class_weight",
           "column_kinds", "is_numeric", "make_transformer", "metric_or_nan", "metric_values", "plain_text_columns",
           "predict_labels", "prior_bias", "split_rows"]

MAX_CATEGORY_LEVELS = 20  # a text column adds at most this many one-hot columns
MIN_ROWS_PER_CLASS_FOR_VALIDATION = 5


def split_rows(y: np.ndarray, *, test_size: float, validation_size: float, seed: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, seeded ``(fit, validation, test)`` row positions, each sorted.

    The validation rows are carved from the training split, never from the test split; there are
    none when a class has too few training rows to spare them.
    """
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed)
    if validation_size > 0 and np.unique(y[train], return_counts=True)[1].min() >= MIN_ROWS_PER_CLASS_FOR_VALIDATION:
        fit, val = train_test_split(train, test_size=validation_size, stratify=y[train], random_state=seed + 1)
    else:
        fit, val = train, np.array([], dtype=int)
    return np.sort(fit), np.sort(val), np.sort(test)


def is_numeric(column: pd.Series) -> bool:
    """A column the network reads as a number (scaled); anything else (text, booleans) is a category (one-hot)."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def column_kinds(frame: pd.DataFrame) -> tuple[list, list]:
    """``(numeric, categorical)`` column names (:func:`is_numeric` decides)."""
    numeric = [c for c in frame.columns if is_numeric(frame[c])]
    return numeric, [c for c in frame.columns if c not in numeric]


def plain_text_columns(frame: pd.DataFrame, columns: Sequence) -> pd.DataFrame:
    """A copy with ``columns`` in one plain representation (text or missing), whatever pandas inferred."""
    out = frame.copy()
    for column in columns:
        series = out[column]
        out[column] = series.astype(str).astype(object).where(series.notna(), np.nan)
    return out


def make_transformer(numeric: Sequence, categorical: Sequence):
    """Median imputation + standard scaling for numbers; most-frequent imputation + one-hot for text (unfitted)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    steps = []
    if numeric:
        steps.append(("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), list(numeric)))
    if categorical:
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORY_LEVELS,
                                sparse_output=False)
        steps.append(("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"), encoder),
                      list(categorical)))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def apply_samplers(samplers: Sequence, X: np.ndarray, y: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Apply imblearn samplers in order, tracing every output row back to the input rows.

    Returns ``X, y, source, parents``: ``source[i]`` is the input row that output row ``i`` is (or
    copies), ``-1`` for a new (synthetic) row; ``parents[i]`` holds the two input rows a synthetic row
    was interpolated between, when the sampler says (``parents_``), else ``-1``. A sampler that selects
    rows says which (``sample_indices_``); imblearn's over-samplers keep their input first and append.
    """
    source = np.arange(len(y))
    parents = np.full((len(y), 2), -1)
    for sampler in samplers:
        X_new, y_new = sampler.fit_resample(X, y)
        if hasattr(sampler, "sample_indices_"):
            kept = np.asarray(sampler.sample_indices_)
            source, parents = source[kept], parents[kept]
        else:
            n_new = len(y_new) - len(y)
            new_parents = np.full((n_new, 2), -1)
            known = getattr(sampler, "parents_", None)
            if known is not None and len(known) == n_new:
                new_parents = np.where(known >= 0, source[known], -1)
            source = np.concatenate([source, np.full(n_new, -1)])
            parents = np.vstack([parents, new_parents])
        X, y = np.asarray(X_new), np.asarray(y_new)
    return np.asarray(X, dtype=np.float32), y, source, parents


def balanced_class_weight(y: np.ndarray, n_classes: int) -> tuple[float, ...]:
    """scikit-learn's "balanced" weights (inverse frequency) per class; 1.0 for a class ``y`` lacks."""
    from sklearn.utils.class_weight import compute_class_weight

    present = np.unique(y)
    found = dict(zip(present.tolist(), compute_class_weight("balanced", classes=present, y=y).tolist()))
    return tuple(float(found.get(c, 1.0)) for c in range(n_classes))


def prior_bias(y: np.ndarray, n_classes: int) -> tuple[float, ...]:
    """Output bias that makes an untrained network predict the class shares of ``y``.

    Sigmoid: log(p / (1 - p)) of the positive share; softmax: log of each class share.
    """
    shares = np.clip(np.bincount(y, minlength=n_classes) / max(1, len(y)), 1e-6, 1.0)
    if n_classes == 2:
        return (float(np.float32(np.log(shares[1] / shares[0]))),)
    return tuple(float(v) for v in np.log(shares).astype(np.float32))


def metric_or_nan(fn, *args, **kwargs) -> float:
    """A metric, or NaN where it is undefined on these rows (e.g. a class missing)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(fn(*args, **kwargs))
    except ValueError:
        return float("nan")


def predict_labels(proba: np.ndarray, *, threshold: float = 0.5, positive_index: int = 1) -> np.ndarray:
    """Two classes: the positive one where its probability is at least ``threshold``; more: the most probable."""
    if proba.shape[1] == 2:
        return np.where(proba[:, positive_index] >= threshold, positive_index, 1 - positive_index).astype(np.int64)
    return np.argmax(proba, axis=1).astype(np.int64)


def metric_values(y_true: np.ndarray, proba: np.ndarray, *, positive_index: int = 1, threshold: float = 0.5
                  ) -> tuple[dict[str, float], np.ndarray]:
    """The nine metrics that matter under imbalance, and the predicted labels.

    Two classes: the positive class is predicted when its probability is at least ``threshold``;
    precision / recall / F1 are about it; ROC AUC and PR AUC (average precision) rank by it.
    More classes: the most probable class; macro averages; one-vs-rest ROC AUC.
    """
    from imblearn.metrics import geometric_mean_score
    from sklearn import metrics as skm
    from sklearn.preprocessing import label_binarize

    n_classes = proba.shape[1]
    labels = list(range(n_classes))
    y_pred = predict_labels(proba, threshold=threshold, positive_index=positive_index)
    if n_classes == 2:
        score = proba[:, positive_index]
        is_positive = (y_true == positive_index).astype(int)
        roc_auc = metric_or_nan(skm.roc_auc_score, is_positive, score)
        pr_auc = metric_or_nan(skm.average_precision_score, is_positive, score) if is_positive.any() else float("nan")
        averaging = {"average": "binary", "pos_label": positive_index}
    else:
        roc_auc = metric_or_nan(skm.roc_auc_score, y_true, proba, multi_class="ovr", average="macro", labels=labels)
        pr_auc = metric_or_nan(skm.average_precision_score, label_binarize(y_true, classes=labels), proba, average="macro")
        averaging = {"average": "macro"}
    try:  # one call for the three (precision_score, recall_score and f1_score each make this same call)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            precision, recall, f1, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                                            zero_division=0, **averaging)
    except ValueError:
        precision = recall = f1 = float("nan")
    values = {
        "accuracy": metric_or_nan(skm.accuracy_score, y_true, y_pred),
        "balanced_accuracy": metric_or_nan(skm.balanced_accuracy_score, y_true, y_pred),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "roc_auc": roc_auc,
        "pr_auc": pr_auc,
        "g_mean": metric_or_nan(geometric_mean_score, y_true, y_pred, labels=labels, average="multiclass"),
        "mcc": metric_or_nan(skm.matthews_corrcoef, y_true, y_pred),
    }
    return values, y_pred
