"""A finished run's files: the trained model (``.keras``), and the rows it was trained on (CSV).

Both are built where they are cheap: the model on a worker (Keras lives there), the training rows
rebuilt on a worker from the data and the run's settings (a result does not carry its rows back).
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..runs.config import ExperimentConfig
from ..runs.experiment import plan_run, prepare_run
from ..text import spreadsheet_safe_frame

if TYPE_CHECKING:
    import pandas as pd

    from ..data.dataset import Dataset
    from ..training.resampling import Resampled

__all__ = ["csv_text", "keras_file", "resampled_table", "training_rows"]


def keras_file(network, weights) -> bytes:
    """``.keras`` bytes for trained kernel networks (one, or several averaged as an ensemble)."""
    import keras

    from ..portable.kernel import keras_model

    models = [keras_model(network, w) for w in weights]
    model = models[0]
    if len(models) > 1:
        inputs = keras.Input(shape=(network.n_features,), name="features")
        outputs = keras.layers.Average(name="ensemble_average")([m(inputs) for m in models])
        model = keras.Model(inputs, outputs, name="balanced_ensemble")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as handle:
            return handle.read()


def resampled_table(resampled: Sequence[Resampled], feature_names: Sequence[str], classes: Sequence[str],
                    source_rows_fit: np.ndarray) -> pd.DataFrame:
    """The rows the network(s) were trained on, in the network's input space, with where each came from.

    Columns: the preprocessed features, the class, ``is_synthetic``, ``source_row`` (the row of the
    original data a real row is; empty for synthetic rows) and, for an ensemble, ``network``.
    ``source_rows_fit``: the source row of each original training row.
    """
    import pandas as pd

    frames = []
    for member, data in enumerate(resampled):
        frame = pd.DataFrame(data.X, columns=list(feature_names))
        if len(resampled) > 1:
            frame.insert(0, "network", member + 1)
        frame["class"] = np.asarray(classes, dtype=object)[data.y]
        frame["is_synthetic"] = data.is_synthetic
        real = data.source >= 0
        rows = pd.array([pd.NA] * len(data.y), dtype="Int64")
        rows[real] = source_rows_fit[data.source[real]]
        frame["source_row"] = rows
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def training_rows(dataset: Dataset, config: ExperimentConfig) -> pd.DataFrame:
    """The rows a run with ``config`` trains on, after its strategy, as a table (see :func:`resampled_table`).

    Split, preprocessing and resampling are seeded, so this rebuilds exactly the rows the run used, without
    training: a result does not carry them from the worker that trained it.
    """
    prepared = prepare_run(dataset, config)
    plan = plan_run(dataset, prepared, config)
    return resampled_table(plan.resampled, prepared.feature_names, dataset.classes,
                           np.asarray(dataset.source_rows)[prepared.fit_rows])


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV for people to open: cells a spreadsheet would run as formulas are neutralised.

    Text cells and column names starting with ``= + - @`` (or a tab / carriage return) get a leading
    ``'``, as OWASP advises against CSV injection; numbers and plain numeric text are left as they are.
    """
    return spreadsheet_safe_frame(frame).to_csv(index=False)
