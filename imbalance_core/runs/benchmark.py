"""A benchmark: the strategies of a comparison over many tables of a corpus, one row of scores per table x strategy
x seed, with two baselines that keep the reading honest.

- ``logistic_regression``: scikit-learn's logistic regression on the same split (fitted on the same fitting rows,
  the same preprocessing), the reference a reader needs to judge whether the network is competitive on that table;
- ``none_tuned``: no treatment with its decision threshold chosen on the validation split (the F1-optimal one), the
  remedy the literature says resampling has to beat.

A table that cannot be read or trained gives one row with its reason (``error``) and the rest go on.
:mod:`imbalance_core.runs.statistics` reads the rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..data.corpus import CorpusTable, load_table, subsample
from ..data.preprocessing import training_class_counts
from ..errors import UserError
from ..settings import TEST_SIZE
from ..text import shorten
from ..training.network import NetworkConfig
from .compare import compare_seed
from .config import ExperimentConfig
from .evaluation import IMBALANCE_METRICS, choose_f1_threshold, evaluate

__all__ = ["BASELINES", "BENCHMARK_COLUMNS", "TEXT_COLUMNS", "BenchmarkTask", "benchmark_table"]

BASELINES = {
    "none_tuned": "No treatment, threshold tuned on validation (F1)",
    "logistic_regression": "Logistic regression (same split)",
}
# one CSV row per table x strategy x seed: sweep's columns, then the table's own
BENCHMARK_COLUMNS = ("data", "strategy", "seed", *IMBALANCE_METRICS, "gradient_steps", "threshold", "corpus", "rows",
                     "features", "imbalance_ratio", "seconds", "error")
TEXT_COLUMNS = ("data", "strategy", "corpus", "error")  # the rest are numbers


@dataclass(frozen=True)
class BenchmarkTask:
    """One table's share of a benchmark: its strategies (``none`` always among them: the reference), seeds and
    network settings (the batch size, when not given, follows the table's training rows as in the lab)."""

    table: CorpusTable
    strategies: tuple[str, ...]
    seeds: tuple[int, ...]
    network: Mapping[str, Any] = field(default_factory=dict)
    test_size: float = TEST_SIZE.default
    max_rows: int | None = None
    target: str | None = None

    def __post_init__(self) -> None:
        if "none" not in self.strategies:
            object.__setattr__(self, "strategies", ("none", *self.strategies))


def benchmark_table(task: BenchmarkTask, *, should_stop: Callable[[], bool] | None = None,
                    on_seed: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Every strategy and baseline on one table for each seed: rows in ``BENCHMARK_COLUMNS`` order."""
    table = task.table
    about = {"data": table.name, "corpus": table.corpus, "rows": table.rows, "features": table.features,
             "imbalance_ratio": table.imbalance_ratio}
    start = time.perf_counter()
    try:
        dataset = subsample(load_table(table, target=task.target), task.max_rows, seed=task.seeds[0])
    except UserError as exc:
        return [_row(about, error=f"not read: {exc}")]
    except Exception as exc:  # noqa: BLE001 - a reader's own failure: the table's row says it, the rest go on
        return [_row(about, error=f"not read: {type(exc).__name__}: {exc}")]
    about.update(rows=len(dataset.labels), features=dataset.encoded_width,
                 imbalance_ratio=round(dataset.imbalance_ratio, 3))
    rows = []
    for seed in task.seeds:
        try:
            seed_rows = _one_seed(dataset, task, seed, about, should_stop)
            for row in seed_rows:  # the table's wall time for this seed (its reading counted in the first)
                row["seconds"] = round(time.perf_counter() - start, 3)
            start = time.perf_counter()
            rows.extend(seed_rows)
        except UserError as exc:
            rows.append(_row(about, seed=seed, error=f"not trained: {exc}"))
        except Exception as exc:  # noqa: BLE001 - one table's failure is a row of the results; the rest go on
            if type(exc).__name__ == "Stopped":  # the kernel's: the benchmark was stopped
                raise
            rows.append(_row(about, seed=seed, error=f"failed: {type(exc).__name__}: {exc}"))
        if on_seed is not None:
            on_seed(seed)
    return rows


def _one_seed(dataset, task: BenchmarkTask, seed: int, about: dict, should_stop) -> list[dict[str, Any]]:
    training_rows = sum(training_class_counts(dataset.y, 2, test_size=task.test_size, seed=seed).values())
    network = NetworkConfig.from_values(task.network, training_rows=training_rows)
    config = ExperimentConfig(network=network, test_size=task.test_size, seed=seed)
    results = compare_seed(dataset, task.strategies, config, should_stop=should_stop)
    rows = [_row(about, strategy=key, seed=seed, metrics=r.metrics, steps=r.gradient_steps, threshold=0.5)
            for key, r in zip(task.strategies, results)]
    none = results[task.strategies.index("none")]
    positive = none.positive_index
    if len(none.prepared.y_val):
        tuned = choose_f1_threshold(none.prepared.y_val, none.proba_val, positive_index=positive)
        rows.append(_row(about, strategy="none_tuned", seed=seed, metrics=none.evaluate_at(tuned).metrics,
                         steps=none.gradient_steps, threshold=tuned))
    else:
        rows.append(_row(about, strategy="none_tuned", seed=seed, error="no validation split to tune on"))
    rows.append(_logistic(none.prepared, dataset, about, seed))
    return rows


def _logistic(prepared, dataset, about: dict, seed: int) -> dict[str, Any]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=1000, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(prepared.X_fit, prepared.y_fit)
    proba = model.predict_proba(prepared.X_test)
    metrics = evaluate(prepared.y_test, proba, classes=dataset.classes, positive_index=dataset.positive_index).metrics
    return _row(about, strategy="logistic_regression", seed=seed, metrics=metrics, steps=int(model.n_iter_[0]),
                threshold=0.5)


def _row(about: Mapping[str, Any], *, strategy: str | None = None, seed: int | None = None,
         metrics: Mapping[str, float] | None = None, steps: int | None = None, threshold: float | None = None,
         error: str | None = None) -> dict[str, Any]:
    row = dict.fromkeys(BENCHMARK_COLUMNS)
    row.update(about, strategy=strategy, seed=seed, gradient_steps=steps, threshold=threshold,
               error=None if error is None else shorten(" ".join(error.split()), 300))
    row.update({m: float(metrics[m]) for m in IMBALANCE_METRICS} if metrics else {})
    return row


def tasks_for(tables: Sequence[CorpusTable], strategies: Sequence[str], seeds: Sequence[int], **settings: Any
              ) -> list[BenchmarkTask]:
    """One task per table, the same strategies, seeds and settings for each."""
    return [BenchmarkTask(table, tuple(strategies), tuple(seeds), **settings) for table in tables]

