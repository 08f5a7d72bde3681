"""The standalone script a run is handed on as: it repeats the run without the app and prints its metrics.

It carries the portable modules' source verbatim (:mod:`imbalance_core.portable`: the steps around
training and the training kernel), so the app and the script run the same code. Every string from
outside is written into it with ``repr()``.
"""

from __future__ import annotations

import base64
import gzip
import inspect
import re
from typing import TYPE_CHECKING, Any

from ..portable.steps import column_kinds
from ..settings import THRESHOLD
from ..training.strategies import get_strategy

if TYPE_CHECKING:
    from ..data.dataset import Dataset
    from ..runs.result import ExperimentResult

__all__ = ["script_source"]

# data larger than this (gzip-compressed) is not embedded in the script; it reads the CSV given on the command line
MAX_EMBEDDED_BYTES = 8_000_000


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
    from ..training.samplers import ClusterOversampler, LineageSMOTE

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
resampling, the same networks, seeds and training kernel; prints the test-split metrics as JSON.
The code below the settings is Imbalance Lab's own: its portable data helpers and its training
kernel, copied verbatim, so this script computes exactly what the app computed.

Needs:  pip install {requirements}
Run:    python {filename}{argument}
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import sys

import numpy as np
import pandas as pd
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
NETWORK = {network!r}
CLASS_WEIGHTS = {class_weight!r}  # balanced weights from the rows each network trains on
PRIOR_BIAS = {prior_bias!r}  # start the output bias at the class priors of those rows
FOCAL = {focal!r}  # per network: (gamma, alpha) of its focal loss, or None for cross-entropy
THRESHOLD = {threshold!r}
{classes_source}

def samplers(member):
    """The resampling applied, in order, to the training rows of network ``member``."""
    return {samplers}[member]


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
    return plain_text_columns(frame[NUMERIC + CATEGORICAL], CATEGORICAL), y


{library}


def main():
    features, y = load()
    fit_rows, val_rows, test_rows = split_rows(y, test_size=TEST_SIZE, validation_size=VALIDATION_SIZE, seed=SEED)
    transformer = make_transformer(NUMERIC, CATEGORICAL).fit(features.iloc[fit_rows])
    X_fit, X_val, X_test = (np.asarray(transformer.transform(features.iloc[rows]), dtype=np.float32)
                            if len(rows) else np.empty((0, len(transformer.get_feature_names_out())), np.float32)
                            for rows in (fit_rows, val_rows, test_rows))
    y_fit, y_val, y_test = y[fit_rows], y[val_rows], y[test_rows]
    n_classes = len(CLASSES)
    parts = [apply_samplers(samplers(m), X_fit, y_fit)[:3] for m in range(len(FOCAL))]  # training rows only
    X_pool, y_pool, rows = pool(X_fit, y_fit, parts)
    members = [Member(rows=rows[m], seed=SEED * 1000 + m, focal=FOCAL[m],
                      class_weight=balanced_class_weight(y_m, n_classes) if CLASS_WEIGHTS else None,
                      output_bias=prior_bias(y_m, n_classes) if PRIOR_BIAS else None)
               for m, (_, y_m, _) in enumerate(parts)]
    network = Network(n_features=X_fit.shape[1], n_classes=n_classes, **NETWORK)
    trained = train(network, X_pool, y_pool, members, X_val=X_val, y_val=y_val)
    probabilities = predict_proba(network, trained.weights, X_test).mean(axis=0)
    scores, _ = metric_values(y_test, probabilities, positive_index=POSITIVE_INDEX, threshold=THRESHOLD)
    print(json.dumps({{"test_rows": int(len(y_test)), "metrics": {{k: round(float(v), 6) for k, v in scores.items()}}}},
                     indent=2))


if __name__ == "__main__":
    main()
'''


def _library_source() -> str:
    """The portable helpers and the training kernel, verbatim (without their ``__future__`` lines).

    Read as files, not imported: building a script must not import TensorFlow (the web server never does).
    """
    from importlib.util import find_spec

    parts = []
    for name in ("steps", "kernel"):
        with open(find_spec(f"imbalance_core.portable.{name}").origin, encoding="utf-8") as handle:
            source = handle.read().replace("from __future__ import annotations\n", "")
        parts.append(f"# {'-' * 75} imbalance_core/portable/{name}.py\n\n{source.strip()}\n")
    return "\n\n".join(parts)


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


def script_source(result: ExperimentResult, *, threshold: float = THRESHOLD.default,
                  filename: str = "reproduce.py") -> str:
    """A standalone Python script (no Imbalance Lab import) that repeats the run and prints its metrics.

    It carries the portable data helpers' and the training kernel's source, so the app and the script
    run the same code. Every string that came from outside (the data set's name, column names, class
    labels) is written into the code with ``repr()``, never into its docstring or comments; ``filename``
    is reduced to safe characters. The script pins the package versions the run was made with.
    """
    filename = _safe_filename(filename)
    dataset = result.dataset
    strategy = get_strategy(result.strategy)
    names = dict(enumerate(result.classes))
    imports: set[str] = set()
    classes: dict[str, str] = {}
    sampler_lists = []
    y_fit = result.prepared.y_fit
    for member in range(result.n_members):
        made = strategy.make_sampler(result.params, y_fit, result.config.seed + member, [], names) \
            if strategy.make_sampler else []
        made = made if isinstance(made, (list, tuple)) else [made]
        sampler_lists.append("[" + ", ".join(_constructor(s, imports, classes) for s in made) + "]")
    numeric, categorical = column_kinds(dataset.features)
    network = result.config.network
    data_block, data_note = _data_block(dataset)
    samplers_code = "[\n        " + ",\n        ".join(sampler_lists) + ",\n    ]"
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
        network={"hidden": tuple(network.hidden_layers), "activation": network.activation,
                 "learning_rate": network.learning_rate, "epochs": network.epochs, "batch_size": network.batch_size,
                 "patience": network.patience, "l2": network.l2, "dropout": network.dropout},
        class_weight=strategy.uses_class_weight,
        prior_bias=result.config.network.prior_bias,
        focal=list(result.focal),
        threshold=float(threshold),
        classes_source="\n\n" + "\n\n".join(classes.values()) if classes else "",
        samplers=samplers_code,
        data_block=data_block,
        library=_library_source(),
    )
