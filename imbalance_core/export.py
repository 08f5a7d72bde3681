"""Files a finished run can be handed on as: model, resampled data, a standalone script, an HTML report."""

from __future__ import annotations

import base64
import functools
import gzip
import html
import inspect
import math
import os
import re
import tempfile
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .evaluation import METRIC_LABELS

if TYPE_CHECKING:
    import pandas as pd

    from .datasets import Dataset
    from .experiment import ExperimentResult
    from .strategies import Resampled

__all__ = ["csv_text", "keras_file", "model_bytes", "report_html", "resampled_table", "script_source", "setup_rows"]

# data larger than this (gzip-compressed) is not embedded in the script; it reads the CSV given on the command line
MAX_EMBEDDED_BYTES = 8_000_000


# --------------------------------------------------------------------------- the model

def model_bytes(result: ExperimentResult) -> bytes:
    """The trained network as a ``.keras`` file; an ensemble becomes one model averaging its members.

    The model takes the preprocessed features (standardised numbers, one-hot text columns, in
    ``result.prepared.feature_names`` order) and returns class probabilities (sigmoid for two classes).
    Imports Keras: the app builds it on a worker (a ``ModelJob``), the CLI and tests call it directly.
    """
    return keras_file(result.network(), result.weights)


def keras_file(network, weights) -> bytes:
    """``.keras`` bytes for trained kernel networks (one, or several averaged as an ensemble)."""
    import keras

    from .kernel import keras_model

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


# --------------------------------------------------------------------------- the resampled training rows

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
        if name in figures:  # each figure as JSON ("</" escaped so no text can close the script element)
            spec = figures[name].to_json().replace("</", "<\\/")
            charts.append(f'<div id="chart-{name}" class="chart"></div>'
                          f'<script type="application/json" class="figure" data-target="chart-{name}">{spec}</script>')
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
<noscript>The figures need JavaScript; everything above is plain text.</noscript>
<script type="application/octet-stream" id="plotly-gz">{_plotly_gz()}</script>
<script>{_LOADER}</script>
</body></html>
"""


# plotly.js (about 4.8 MB) travels gzip-compressed and base64-encoded (about 2 MB), so a report fits in an e-mail;
# the browser unpacks it with its own DecompressionStream (no network needed) and then draws every figure
_LOADER = """
(async () => {
  const packed = Uint8Array.from(atob(document.getElementById('plotly-gz').textContent.trim()), c => c.charCodeAt(0));
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream('gzip'));
  const library = document.createElement('script');
  library.textContent = await new Response(stream).text();
  document.head.appendChild(library);
  for (const spec of document.querySelectorAll('script.figure')) {
    const figure = JSON.parse(spec.textContent);
    Plotly.newPlot(spec.dataset.target, figure.data, figure.layout, {displaylogo: false, responsive: true});
  }
})();
"""


@functools.lru_cache(maxsize=1)
def _plotly_gz() -> str:
    """The plotly.js bundled with plotly.py, gzip-compressed and base64-encoded (computed once per process)."""
    from plotly.offline import get_plotlyjs

    return base64.b64encode(gzip.compress(get_plotlyjs().encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


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
    for name in ("portable", "kernel"):
        with open(find_spec(f"imbalance_core.{name}").origin, encoding="utf-8") as handle:
            source = handle.read().replace("from __future__ import annotations\n", "")
        parts.append(f"# {'-' * 75} imbalance_core/{name}.py\n\n{source.strip()}\n")
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


def script_source(result: ExperimentResult, *, threshold: float = 0.5, filename: str = "reproduce.py") -> str:
    """A standalone Python script (no Imbalance Lab import) that repeats the run and prints its metrics.

    It carries the portable data helpers' and the training kernel's source, so the app and the script
    run the same code. Every string that came from outside (the data set's name, column names, class
    labels) is written into the code with ``repr()``, never into its docstring or comments; ``filename``
    is reduced to safe characters. The script pins the package versions the run was made with.
    """
    from .portable import column_kinds
    from .strategies import get_strategy

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
                 "patience": network.patience},
        class_weight=strategy.uses_class_weight,
        prior_bias=result.config.network.prior_bias,
        focal=list(result.focal),
        threshold=float(threshold),
        classes_source="\n\n" + "\n\n".join(classes.values()) if classes else "",
        samplers=samplers_code,
        data_block=data_block,
        library=_library_source(),
    )
