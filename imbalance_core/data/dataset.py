"""The data set every run starts from: raw feature columns and class labels, ready to be split.

Nothing is fitted here; imputation, encoding and scaling are fitted on the training split in
:mod:`imbalance_core.data.preprocessing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..portable.steps import MAX_CATEGORY_LEVELS, is_numeric

__all__ = ["Dataset", "count_classes"]


def count_classes(y: np.ndarray, n_classes: int) -> dict[int, int]:
    """Rows per class code (``0 .. n_classes - 1``, zeros included) of encoded labels ``y``."""
    return {i: int(n) for i, n in enumerate(np.bincount(np.asarray(y, dtype=np.int64), minlength=n_classes))}


@dataclass
class Dataset:
    """Raw features plus class labels, ready to be split.

    Attributes
    ----------
    name : str
    features : pandas.DataFrame
        Raw feature columns (numeric and/or categorical, may hold missing values).
    labels : numpy.ndarray of str
        The class label of each row.
    classes : list of str
        Class order used for encoding. For binary data the positive class is last,
        so that ``y == 1`` means "positive".
    positive_class : str
        The class binary metrics are about (default: the rarest class).
    source_rows : numpy.ndarray of int
        0-based position of each row in the source (file data rows or generated set).
    notes : list of str
        Things done to the data that the user should know about.
    """

    name: str
    features: pd.DataFrame
    labels: np.ndarray
    classes: list[str]
    positive_class: str
    target: str = "target"
    source_rows: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    description: str = ""

    def __post_init__(self) -> None:
        if self.source_rows is None:
            self.source_rows = np.arange(len(self.labels))
        self.features = self.features.reset_index(drop=True)

    # A data set is not changed once made (the app shares one object per table between sessions), so what is
    # derived from its labels is computed once: on a large table each is a pass over every row.
    @cached_property
    def y(self) -> np.ndarray:
        """Labels encoded as integers in ``classes`` order (read-only)."""
        codes = pd.Categorical(self.labels, categories=self.classes).codes.astype(np.int64)
        codes.setflags(write=False)
        return codes

    @cached_property
    def encoded_width(self) -> int:
        """Columns after preprocessing: one per number, up to ``MAX_CATEGORY_LEVELS`` per text column."""
        width = 0
        for column in self.features.columns:
            series = self.features[column]
            width += 1 if is_numeric(series) else min(int(series.nunique(dropna=True)), MAX_CATEGORY_LEVELS)
        return max(1, width)

    @property
    def is_binary(self) -> bool:
        return len(self.classes) == 2

    @property
    def positive_index(self) -> int:
        return self.classes.index(self.positive_class)

    @cached_property
    def _class_counts(self) -> dict[str, int]:
        values, counts = np.unique(self.labels, return_counts=True)
        found = dict(zip(values.tolist(), counts.tolist()))
        return {c: int(found.get(c, 0)) for c in self.classes}

    @property
    def class_counts(self) -> dict[str, int]:
        return dict(self._class_counts)

    @property
    def imbalance_ratio(self) -> float:
        counts = list(self.class_counts.values())
        return max(counts) / max(1, min(counts))

    @property
    def n_features(self) -> int:
        return self.features.shape[1]

