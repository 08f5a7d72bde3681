"""Files a finished run can be handed on as: model, resampled data, a standalone script, an HTML report."""

from __future__ import annotations

import base64
import gzip
import html
import inspect
import math
import os
import re
import tempfile
from typing import TYPE_CHECKING, Any

import numpy as np

from .evaluation import METRIC_LABELS
from .preprocessing import MAX_CATEGORY_LEVELS, MIN_ROWS_PER_CLASS_FOR_VALIDATION, _column_kinds

if TYPE_CHECKING:
    import pandas as pd

    from .datasets import Dataset
    from .experiment import ExperimentResult

__all__ = ["csv_text", "model_bytes", "report_html", "resampled_table", "script_source", "setup_rows"]

# data larger than this (gzip-compressed) is not embedded in the script; it reads the CSV given on the command line
MAX_EMBEDDED_BYTES = 8_000_000


# --------------------------------------------------------------------------- the model

def model_bytes(result: ExperimentResult) -> bytes:
    """The trained network as a ``.keras`` file; an ensemble becomes one model averaging its members.

    The model takes the preprocessed features (standardised numbers, one-hot text columns, in
    ``result.prepared.feature_names`` order) and returns class probabilities (sigmoid for two classes).
    """
    import keras

    model = result.models[0]
    if len(result.models) > 1:
        inputs = keras.Input(shape=(result.prepared.n_features,), name="features")
        outputs = keras.layers.Average(name="ensemble_average")([m(inputs) for m in result.models])
        model = keras.Model(inputs, outputs, name="balanced_ensemble")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as handle:
            return handle.read()


# --------------------------------------------------------------------------- the resampled training rows

def resampled_table(result: ExperimentResult) -> pd.DataFrame:
    """The rows the network(s) were trained on, in the network's input space, with where each came from.

    Columns: the preprocessed features, the class, ``is_synthetic``, ``source_row`` (the row of the
    original data a real row is; empty for synthetic rows) and, for an ensemble, ``network``.
    """
    import pandas as pd

    frames = []
    for member, data in enumerate(result.resampled):
        frame = pd.DataFrame(data.X, columns=result.prepared.feature_names)
        if len(result.resampled) > 1:
            frame.insert(0, "network", member + 1)
        frame["class"] = [result.classes[i] for i in data.y]
        frame["is_synthetic"] = data.is_synthetic
        real = data.source >= 0
        rows = pd.array([pd.NA] * len(data.y), dtype="Int64")
        rows[real] = result.source_rows_fit[data.source[real]]
        frame["source_row"] = rows
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV for people to open: cells a spreadsheet would run as formulas are neutralised.

    Text cells and column names starting with ``= + - @`` (or a tab / carriage return) get a leading
    ``'``, as OWASP advises against CSV injection; numbers and plain numeric text are left as they are.
    """
    from .text import spreadsheet_safe_frame

    return spreadsheet_safe_frame(frame).to_csv(index=False)


# --------------------------------------------------------------------------- setup and metrics as rows

def setup_rows(result: ExperimentResult, threshold: float | None = None) -> list[tuple[str, str]]:
    """The whole setup of a run as (what, value) pairs, for the report and captions."""
    network = result.config.network
    counts = result.counts
    rows = [
        ("Data set", result.dataset_name),
        ("Classes (training rows)", ", ".join(f"{k}: {v}" for k, v in counts["train"].items())),
        ("Positive class", result.positive_class if len(result.classes) == 2 else "multi-class (macro averages)"),
        ("Strategy", result.strategy_label),
        ("Strategy settings", ", ".join(f"{k} = {v}" for k, v in result.params.items()) or "none"),
        ("Network", f"hidden layers {', '.join(map(str, network.hidden_layers))}; {network.activation}; "
                    f"learning rate {network.learning_rate}; {network.epochs} epochs; batch {network.batch_size}"
                    + ("; output bias from class priors" if network.prior_bias else "")),
        ("Seed", str(result.config.seed)),
        ("Split", f"{len(result.prepared.y_fit)} training, {len(result.prepared.y_val)} validation, "
                  f"{len(result.prepared.y_test)} test rows (stratified; test split untouched)"),
    ]
    if threshold is not None and len(result.classes) == 2:
        rows.append(("Decision threshold", f"{threshold:.2f}"))
    return rows


# --------------------------------------------------------------------------- the HTML report

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1f2328; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.8rem 0; } td, th { border: 1px solid #ddd; padding: 0.35rem 0.7rem; }
th { background: #f4f6f8; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { background: #eef5ff; border-left: 4px solid #4a90d9; padding: 0.5rem 0.8rem; margin: 0.4rem 0; }
.muted { color: #666; font-size: 0.9rem; }
"""


def _table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f'<td class="num">{"n/a" if math.isnan(value) else f"{value:.3f}"}</td>'
        if isinstance(value, int) and not isinstance(value, bool):
            return f'<td class="num">{value}</td>'
        return f"<td>{html.escape(str(value))}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(result: ExperimentResult, *, threshold: float = 0.5) -> str:
    """A self-contained HTML page (Plotly inlined, no network needed): setup, metrics, interactive figures."""
    from .report import result_figures

    evaluation = result.evaluate_at(threshold)
    figures = result_figures(result, threshold=threshold, evaluation=evaluation)
    charts = []
    for name in ["boundary", "members", "confusion", "roc", "pr", "balance", "history"]:
        if name in figures:
            charts.append(figures[name].to_html(full_html=False, include_plotlyjs=not charts, div_id=f"chart-{name}",
                                                config={"displaylogo": False}))
    metrics = [[METRIC_LABELS[k], float(v)] for k, v in evaluation.metrics.items()]
    per_class = evaluation.per_class
    per_class_rows = [[v.item() if isinstance(v, np.generic) else v for v in row]
                      for row in per_class.itertuples(index=False)]
    notes = "".join(f'<div class="note">{html.escape(n)}</div>' for n in result.notes)
    title = f"{result.strategy_label} on {result.dataset_name}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Imbalance Lab report - {html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="muted">Imbalance Lab report. Every number is measured on the test split, which no resampling,
preprocessing or threshold choice ever saw.</p>
<h2>Setup</h2>
{_table(["What", "Value"], [list(r) for r in setup_rows(result, threshold)])}
<h2>Metrics (test split, {len(result.prepared.y_test)} rows)</h2>
{_table(["Metric", "Value"], metrics)}
<h3>Per class</h3>
{_table([str(c) for c in per_class.columns], per_class_rows)}
{notes}
<h2>Figures</h2>
<p class="muted">Interactive: hover for values, drag to zoom, double-click to reset.</p>
{"".join(charts)}
</body></html>
"""


# --------------------------------------------------------------------------- the standalone script

def _public_import(cls: type) -> str:
    """``from <public module> import <name>`` for an imblearn / sklearn class."""
    import importlib

    parts = cls.__module__.split(".")
    for end in range(1, len(parts) + 1):
        module = ".".join(parts[:end])
        if not any(p.startswith("_") for p in parts[1:end]) and hasattr(importlib.import_module(module), cls.__name__):
            return f"from {module} import {cls.__name__}"
    return f"from {cls.__module__} import {cls.__name__}"


def _constructor(obj: Any, imports: set[str], classes: dict[str, str]) -> str:
    """Python source that rebuilds an sklearn-style estimator from its parameters."""
    from .samplers import ClusterOversampler, LineageSMOTE

    cls = type(obj)
    if cls is LineageSMOTE:  # the same points as imblearn's SMOTE; the lineage is only for the app's chart
        from imblearn.over_sampling import SMOTE

        cls = SMOTE
    if cls is ClusterOversampler:
        classes[cls.__name__] = inspect.getsource(cls)
        imports.update({"import numbers", "from imblearn.over_sampling.base import BaseOverSampler", "from scipy import sparse",
                        "from sklearn.utils import check_random_state",
                        "from sklearn.utils._param_validation import Interval"})
    else:
        imports.add(_public_import(cls))
    args = []
    for name, value in obj.get_params(deep=False).items():
        text = _constructor(value, imports, classes) if hasattr(value, "get_params") else repr(value)
        args.append(f"{name}={text}")
    return f"{cls.__name__}({', '.join(args)})"


def _loss_source(loss: Any) -> str:
    if loss is None:
        return "None"
    config = {k: v for k, v in loss.get_config().items() if k not in ("reduction", "dtype")}
    return f"keras.losses.{type(loss).__name__}(**{config!r})"


def _data_block(dataset: Dataset) -> tuple[str, str]:
    """The data as an embedded, compressed CSV (or a note to pass the file), and how it is read."""
    frame = dataset.features.copy()
    frame[dataset.target] = dataset.labels
    text = frame.to_csv(index=False).encode()
    packed = base64.b64encode(gzip.compress(text, mtime=0)).decode()
    if len(packed) > MAX_EMBEDDED_BYTES:
        return "DATA = None  # too large to embed: pass the CSV file as the first argument\n", "too large to embed"
    lines = [packed[i:i + 100] for i in range(0, len(packed), 100)]
    return "DATA = (\n" + "".join(f'    "{line}"\n' for line in lines) + ")\n", "embedded below"


_SCRIPT = '''#!/usr/bin/env python
"""Reproduce an Imbalance Lab run without the app (RUN below says which run).

Same data, same stratified split, preprocessing fitted on the training rows only, the same
resampling, the same network and seeds; prints the test-split metrics as JSON.

Needs:  pip install {requirements}
Run:    python {filename}{argument}
"""

import base64
import gzip
import io
import json
import math
import sys

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from imblearn.metrics import geometric_mean_score
from sklearn import metrics as skm
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, label_binarize
from sklearn.utils.class_weight import compute_class_weight
{imports}

RUN = {title!r}
DATA_SOURCE = {data_note!r}
TARGET = {target!r}
NUMERIC = {numeric!r}
CATEGORICAL = {categorical!r}
CLASSES = {classes!r}  # the last class of two is the positive one
POSITIVE_INDEX = {positive_index!r}
SEED = {seed!r}
TEST_SIZE = {test_size!r}
VALIDATION_SIZE = {validation_size!r}
HIDDEN_LAYERS = {hidden!r}
ACTIVATION = {activation!r}
LEARNING_RATE = {learning_rate!r}
EPOCHS = {epochs!r}
BATCH_SIZE = {batch_size!r}
PRIOR_BIAS = {prior_bias!r}
CLASS_WEIGHTS = {class_weight!r}  # inverse-frequency weights on the rows each network trains on
THRESHOLD = {threshold!r}
N_MEMBERS = {n_members!r}  # networks averaged (a balanced ensemble has several)
{classes_source}

def samplers(member):
    """The resampling applied, in order, to the training rows of network ``member``."""
    return {samplers}[member]


def loss(member):
    return {losses}[member]


{data_block}

def load():
    if len(sys.argv) > 1:
        source = sys.argv[1]
    elif DATA is None:
        sys.exit(f"usage: python {{sys.argv[0]}} data.csv (the data was too large to embed)")
    else:
        source = io.BytesIO(gzip.decompress(base64.b64decode("".join(DATA))))
    text = {{c: str for c in CATEGORICAL + [TARGET]}}
    frame = pd.read_csv(source, dtype=text, keep_default_na=False, na_values=[""])
    y = pd.Categorical(frame[TARGET], categories=CLASSES).codes.astype(np.int64)
    return frame[NUMERIC + CATEGORICAL], y


def split(y):
    train, test = train_test_split(np.arange(len(y)), test_size=TEST_SIZE, stratify=y, random_state=SEED)
    if VALIDATION_SIZE > 0 and np.bincount(y[train]).min() >= {min_rows_for_validation}:
        fit, val = train_test_split(train, test_size=VALIDATION_SIZE, stratify=y[train], random_state=SEED + 1)
    else:
        fit, val = train, np.array([], dtype=int)
    return np.sort(fit), np.sort(val), np.sort(test)


def preprocessing():
    steps = []
    if NUMERIC:
        steps.append(("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC))
    if CATEGORICAL:
        encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories={max_levels}, sparse_output=False)
        steps.append(("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"), encoder), CATEGORICAL))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def targets(y):
    if len(CLASSES) == 2:
        return y.astype(np.float32).reshape(-1, 1)
    return keras.utils.to_categorical(y, len(CLASSES)).astype(np.float32)


def build(n_features, seed, y_train):
    binary = len(CLASSES) == 2
    layers = [keras.Input(shape=(n_features,))]
    for i, units in enumerate(HIDDEN_LAYERS):
        layers.append(keras.layers.Dense(units, activation=ACTIVATION,
                                         kernel_initializer=keras.initializers.GlorotUniform(seed=seed * 100 + i)))
    bias = "zeros"
    if PRIOR_BIAS:
        shares = np.clip(np.bincount(y_train, minlength=len(CLASSES)) / len(y_train), 1e-6, 1.0)
        prior = [np.log(shares[1] / shares[0])] if binary else np.log(shares)
        bias = keras.initializers.Constant(np.asarray(prior, dtype=np.float32))
    layers.append(keras.layers.Dense(1 if binary else len(CLASSES), activation="sigmoid" if binary else "softmax",
                                     kernel_initializer=keras.initializers.GlorotUniform(seed=seed * 100 + 99),
                                     bias_initializer=bias))
    return keras.Sequential(layers)


def main():
    features, y = load()
    fit_rows, val_rows, test_rows = split(y)
    for column in CATEGORICAL:  # one plain representation: text or missing
        features[column] = features[column].astype(str).astype(object).where(features[column].notna(), np.nan)
    transformer = preprocessing().fit(features.iloc[fit_rows])
    X_fit, X_val, X_test = (np.asarray(transformer.transform(features.iloc[rows]), dtype=np.float32)
                            if len(rows) else np.empty((0, len(transformer.get_feature_names_out())), np.float32)
                            for rows in (fit_rows, val_rows, test_rows))
    y_fit, y_val, y_test = y[fit_rows], y[val_rows], y[test_rows]
    binary = len(CLASSES) == 2
    probabilities = np.zeros((len(y_test), len(CLASSES)))
    for member in range(N_MEMBERS):
        X_train, y_train = X_fit, y_fit
        for sampler in samplers(member):  # resampling sees the training rows only
            X_train, y_train = sampler.fit_resample(X_train, y_train)
        X_train = np.asarray(X_train, dtype=np.float32)
        seed = SEED * 1000 + member
        model = build(X_fit.shape[1], seed, y_train)
        chosen_loss = loss(member)
        if chosen_loss is None:
            chosen_loss = keras.losses.BinaryCrossentropy() if binary else keras.losses.CategoricalCrossentropy()
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss=chosen_loss,
                      steps_per_execution=max(1, math.ceil(len(y_train) / BATCH_SIZE)))
        weights = None
        if CLASS_WEIGHTS:
            present = np.unique(y_train)
            weights = dict(zip(present.tolist(), compute_class_weight("balanced", classes=present, y=y_train)))
        data = tf.data.Dataset.from_tensor_slices((X_train, targets(y_train)))
        data = data.shuffle(len(X_train), seed=seed, reshuffle_each_iteration=True).batch(BATCH_SIZE)
        validation = None
        if len(y_val):
            validation = tf.data.Dataset.from_tensor_slices((X_val, targets(y_val))).batch(4096)
        model.fit(data, epochs=EPOCHS, validation_data=validation, class_weight=weights, shuffle=False, verbose=0)
        out = np.asarray(model(X_test, training=False))
        probabilities += np.column_stack([1 - out[:, 0], out[:, 0]]) if binary else out
    probabilities /= N_MEMBERS

    labels = list(range(len(CLASSES)))
    if binary:
        y_pred = np.where(probabilities[:, POSITIVE_INDEX] >= THRESHOLD, POSITIVE_INDEX, 1 - POSITIVE_INDEX)
        is_positive = (y_test == POSITIVE_INDEX).astype(int)
        roc_auc = skm.roc_auc_score(is_positive, probabilities[:, POSITIVE_INDEX])
        pr_auc = skm.average_precision_score(is_positive, probabilities[:, POSITIVE_INDEX])
        averaging = dict(average="binary", pos_label=POSITIVE_INDEX)
    else:
        y_pred = np.argmax(probabilities, axis=1)
        roc_auc = skm.roc_auc_score(y_test, probabilities, multi_class="ovr", average="macro", labels=labels)
        pr_auc = skm.average_precision_score(label_binarize(y_test, classes=labels), probabilities, average="macro")
        averaging = dict(average="macro")
    scores = {{
        "accuracy": skm.accuracy_score(y_test, y_pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y_test, y_pred),
        "precision": skm.precision_score(y_test, y_pred, labels=labels, zero_division=0, **averaging),
        "recall": skm.recall_score(y_test, y_pred, labels=labels, zero_division=0, **averaging),
        "f1": skm.f1_score(y_test, y_pred, labels=labels, zero_division=0, **averaging),
        "roc_auc": roc_auc,
        "pr_auc": pr_auc,
        "g_mean": geometric_mean_score(y_test, y_pred, labels=labels, average="multiclass"),
        "mcc": skm.matthews_corrcoef(y_test, y_pred),
    }}
    print(json.dumps({{"test_rows": int(len(y_test)), "metrics": {{k: round(float(v), 6) for k, v in scores.items()}}}},
                     indent=2))


if __name__ == "__main__":
    main()
'''


def _requirements() -> str:
    """The exact versions this run was made with: what reproduces it (the script pins them)."""
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for package in ("tensorflow", "keras", "scikit-learn", "imbalanced-learn", "pandas", "numpy"):
        try:
            pins.append(f'"{package}=={version(package)}"')
        except PackageNotFoundError:  # pragma: no cover - a stripped install
            pins.append(package)
    return " ".join(pins)


def _safe_filename(filename: str) -> str:
    """A file name fit for the script's own docstring: letters, digits, ``. _ -`` only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-.")[:100]
    return cleaned or "reproduce.py"


def script_source(result: ExperimentResult, *, threshold: float = 0.5, filename: str = "reproduce.py") -> str:
    """A standalone Python/Keras script (no Imbalance Lab import) that repeats the run and prints its metrics.

    Every string that came from outside (the data set's name, column names, class labels) is written
    into the code with ``repr()``, never into its docstring or comments; ``filename`` is reduced to
    safe characters. The script pins the package versions the run was made with.
    """
    from .strategies import get_strategy

    filename = _safe_filename(filename)
    dataset = result.dataset
    strategy = get_strategy(result.strategy)
    names = dict(enumerate(result.classes))
    imports: set[str] = set()
    classes: dict[str, str] = {}
    sampler_lists, losses = [], []
    y_fit = result.prepared.y_fit
    for member, data in enumerate(result.resampled):
        made = strategy.make_sampler(result.params, y_fit, result.config.seed + member, [], names) \
            if strategy.make_sampler else []
        made = made if isinstance(made, (list, tuple)) else [made]
        sampler_lists.append("[" + ", ".join(_constructor(s, imports, classes) for s in made) + "]")
        member_loss = None
        if strategy.make_loss is not None:
            counts = {i: int(n) for i, n in enumerate(np.bincount(data.y, minlength=len(result.classes)))}
            member_loss = strategy.make_loss(result.params, counts, len(result.classes), [])
        losses.append(_loss_source(member_loss))
    numeric, categorical = _column_kinds(dataset.features)
    network = result.config.network
    data_block, data_note = _data_block(dataset)
    samplers_code = "[\n        " + ",\n        ".join(sampler_lists) + ",\n    ]"
    losses_code = "[\n        " + ",\n        ".join(losses) + ",\n    ]"
    return _SCRIPT.format(
        title=f"{result.strategy_label} on {result.dataset_name}",
        requirements=_requirements(),
        filename=filename,
        argument=" [data.csv]" if data_note == "embedded below" else " data.csv",
        data_note=f"{result.dataset_name} ({len(dataset.labels)} rows), {data_note}",
        imports="\n".join(sorted(imports)),
        target=dataset.target,
        numeric=[str(c) for c in numeric],
        categorical=[str(c) for c in categorical],
        classes=list(result.classes),
        positive_index=result.positive_index,
        seed=result.config.seed,
        test_size=result.config.test_size,
        validation_size=result.config.validation_size,
        hidden=list(network.hidden_layers),
        activation=network.activation,
        learning_rate=network.learning_rate,
        epochs=network.epochs,
        batch_size=network.batch_size,
        prior_bias=network.prior_bias,
        class_weight=strategy.uses_class_weight,
        threshold=float(threshold),
        classes_source="\n\n" + "\n\n".join(classes.values()) if classes else "",
        samplers=samplers_code,
        losses=losses_code,
        data_block=data_block,
        min_rows_for_validation=MIN_ROWS_PER_CLASS_FOR_VALIDATION,
        max_levels=MAX_CATEGORY_LEVELS,
        n_members=len(result.resampled),
    )
