"""Split first (stratified, seeded), then fit imputation / encoding / scaling on the training rows only."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import DataError
from ..portable.steps import MAX_CATEGORY_LEVELS, column_kinds, make_transformer, plain_text_columns, split_rows
from ..settings import SEED, TEST_SIZE, VALIDATION_SIZE
from ..text import shorten
from .dataset import Dataset, count_classes

__all__ = ["MAX_CATEGORY_LEVELS", "PreparedData", "build_transformer", "prepare", "split_indices",
           "training_class_counts"]


def split_indices(
    y: np.ndarray, *, test_size: float = TEST_SIZE.default, validation_size: float = VALIDATION_SIZE.default,
    seed: int = SEED.default
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Stratified train / validation / test positions.

    The validation rows are carved from the training split (never from the test split); they
    are used for the live validation curve. When a class is too small to spare rows, there is
    no validation split and a note says so.

    Returns
    -------
    fit_rows, val_rows, test_rows : numpy.ndarray of int
    notes : list of str
    """
    test_size, validation_size = TEST_SIZE.check(test_size), VALIDATION_SIZE.check(validation_size)
    n_classes = np.unique(y).size
    n_test = int(np.ceil(test_size * len(y)))
    if n_test < n_classes or len(y) - n_test < n_classes:
        raise DataError(
            f"With {len(y)} rows and {n_classes} classes, a {test_size:.0%} test split cannot hold "
            "every class in both parts. Add rows or change the test size."
        )
    fit_rows, val_rows, test_rows = split_rows(y, test_size=test_size, validation_size=validation_size, seed=seed)
    notes: list[str] = []
    if validation_size > 0 and len(val_rows) == 0:
        notes.append("The smallest class has too few training rows to spare a validation split, "
                     "so the live chart shows training loss only.")
    return fit_rows, val_rows, test_rows, notes


def training_class_counts(
    y: np.ndarray, n_classes: int, *, test_size: float = TEST_SIZE.default,
    validation_size: float = VALIDATION_SIZE.default, seed: int = SEED.default
) -> dict[int, int]:
    """Rows per class (by code) that a network trains on before any strategy: the split's fitting rows.

    Settings whose default depends on the data (e.g. focal alpha) are resolved from these counts,
    by the core and by the app's widgets alike, so both give the same value for the same setup.
    """
    fit_rows, _, _, _ = split_indices(y, test_size=test_size, validation_size=validation_size, seed=seed)
    return count_classes(y[fit_rows], n_classes)


@dataclass
class PreparedData:
    """Numeric float32 arrays for the network, plus where each row came from."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    fit_rows: np.ndarray
    val_rows: np.ndarray
    test_rows: np.ndarray
    feature_names: list[str]
    transformer: object
    notes: list[str] = field(default_factory=list)

    @property
    def n_features(self) -> int:
        return self.X_fit.shape[1]

    def without_features(self) -> "PreparedData":
        """A copy with no feature rows (``X_*`` of shape ``(0, n_features)``): labels, row positions, names and
        the fitted preprocessing only. What a result carries back from a worker: the rows stay there."""
        empty = np.empty((0, self.n_features), np.float32)
        return replace(self, X_fit=empty, X_val=empty, X_test=empty)


def build_transformer(dataset: Dataset):
    """The (unfitted) imputation / encoding / scaling for ``dataset``'s columns, and the frame it expects.

    Returns
    -------
    transformer : sklearn.compose.ColumnTransformer
    frame : pandas.DataFrame
        The features with text-like columns in one plain representation.
    numeric, categorical : list of str
    """
    numeric, categorical = column_kinds(dataset.features)
    frame = plain_text_columns(dataset.features, categorical)
    return make_transformer(numeric, categorical), frame, numeric, categorical


def prepare(
    dataset: Dataset, *, test_size: float = TEST_SIZE.default, validation_size: float = VALIDATION_SIZE.default,
    seed: int = SEED.default
) -> PreparedData:
    """Split ``dataset`` and fit the preprocessing on the training rows only."""
    y = dataset.y
    fit_rows, val_rows, test_rows, notes = split_indices(
        y, test_size=test_size, validation_size=validation_size, seed=seed
    )
    transformer, frame, numeric, categorical = build_transformer(dataset)
    fit_frame = frame.iloc[fit_rows]
    all_missing = [c for c in numeric if fit_frame[c].isna().all()]
    if all_missing:
        raise DataError(
            f"Column {', '.join(repr(shorten(c)) for c in all_missing)} has no values in the training rows. "
            "Leave it out of the features."
        )
    with np.errstate(over="ignore", invalid="ignore"):  # overflowing columns are reported below, by name
        transformer.fit(fit_frame)
    missing = int(frame.isna().sum().sum())
    if missing:
        notes.append(f"{missing} missing values were filled in (median for numbers, most frequent level for text), learned from the training rows.")
    for column in categorical:
        levels = fit_frame[column].nunique(dropna=True)
        if levels > MAX_CATEGORY_LEVELS:
            notes.append(
                f"Column {shorten(column)!r} has {levels} levels; the rarest were grouped so it adds at most "
                f"{MAX_CATEGORY_LEVELS} columns."
            )

    def transform(rows: np.ndarray) -> np.ndarray:
        if rows.size == 0:
            return np.empty((0, len(transformer.get_feature_names_out())), dtype=np.float32)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.asarray(transformer.transform(frame.iloc[rows]), dtype=np.float32)

    X_fit, X_val, X_test = transform(fit_rows), transform(val_rows), transform(test_rows)
    names = [str(n) for n in transformer.get_feature_names_out()]
    for part in (X_fit, X_val, X_test):
        broken = ~np.isfinite(part).all(axis=0)
        if broken.any():  # e.g. 1e308 and -1e308 in one column: its spread overflows
            shown = ", ".join(repr(shorten(n)) for n, bad in zip(names, broken) if bad)
            raise DataError(f"Column {shown} holds numbers too large to scale (near the limit of a float). "
                            "Rescale that column (e.g. to thousands or millions) or leave it out.")
    return PreparedData(
        X_fit=X_fit,
        y_fit=y[fit_rows],
        X_val=X_val,
        y_val=y[val_rows],
        X_test=X_test,
        y_test=y[test_rows],
        fit_rows=fit_rows,
        val_rows=val_rows,
        test_rows=test_rows,
        feature_names=names,
        transformer=transformer,
        notes=notes,
    )
