"""The leakage demo: the same strategy with resampling before the split (wrong) and after it (right)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .datasets import Dataset
from .errors import ConfigError
from .experiment import ExperimentConfig, ExperimentResult, run_experiment
from .preprocessing import build_transformer
from .strategies import COMBINE, get_strategy, resample

__all__ = ["LeakageDemo", "leakage_demo"]


@dataclass
class LeakageDemo:
    """Two runs of one strategy that differ only in *when* the data was resampled.

    Attributes
    ----------
    right : ExperimentResult
        Split first; preprocessing and resampling fitted on the training rows; scored on untouched rows.
    wrong : ExperimentResult
        Preprocessing and resampling applied to *all* rows, then split: its test split holds synthetic
        rows made from training rows, and copies of training rows.
    leaked_test_rows : int
        Rows of the wrong way's test split that are synthetic, or copies of a row that is also in its training split.
    wrong_test_rows : int
    """

    right: ExperimentResult
    wrong: ExperimentResult
    leaked_test_rows: int
    wrong_test_rows: int

    @property
    def leaked_share(self) -> float:
        return self.leaked_test_rows / max(1, self.wrong_test_rows)

    def table(self, metrics: tuple[str, ...] = ("precision", "recall", "f1", "roc_auc", "pr_auc",
                                                   "balanced_accuracy", "g_mean", "mcc")) -> pd.DataFrame:
        from .evaluation import METRIC_LABELS

        right, wrong = self.right.metrics, self.wrong.metrics
        return pd.DataFrame({
            "Metric": [METRIC_LABELS[m] for m in metrics],
            "Right: resample after the split": [right[m] for m in metrics],
            "Wrong: resample before the split": [wrong[m] for m in metrics],
            "Inflation": [wrong[m] - right[m] for m in metrics],
        })


def leakage_demo(dataset: Dataset, config: ExperimentConfig) -> LeakageDemo:
    """Run ``config``'s strategy the right way and the wrong way on ``dataset``.

    The wrong way fits the preprocessing on every row and resamples every row *before* the
    stratified split, then trains the same network (any loss or weights of a combination are kept).

    Raises
    ------
    ConfigError
        If the strategy does not resample (nothing could leak) or is an ensemble.
    """
    strategy = get_strategy(config.strategy)
    if strategy.make_sampler is None:
        raise ConfigError(f"{strategy.label} does not resample the data, so resampling before the split cannot "
                          "leak anything. Pick a sampler such as SMOTE or random oversampling.")
    if strategy.members_param:
        raise ConfigError("The ensemble resamples once per network; pick a single sampler for the leakage demo.")
    right = run_experiment(dataset, config)

    transformer, frame, _, _ = build_transformer(dataset)
    X_all = np.asarray(transformer.fit_transform(frame), dtype=np.float32)  # wrong: fitted on the test rows too
    y_all = dataset.y
    names = dict(enumerate(dataset.classes))
    counts = {i: int(n) for i, n in enumerate(np.bincount(y_all, minlength=len(dataset.classes)))}
    params = strategy.resolve(config.params, counts)
    everything = resample(strategy, params, X_all, y_all, seed=config.seed, class_names=names)  # wrong: every row
    source = everything.source
    leaky = Dataset(
        name=dataset.name,
        features=pd.DataFrame(everything.X, columns=[str(n) for n in transformer.get_feature_names_out()]),
        labels=np.asarray(dataset.classes, dtype=object)[everything.y],
        classes=list(dataset.classes),
        positive_class=dataset.positive_class,
        target=dataset.target,
        source_rows=np.where(source >= 0, np.asarray(dataset.source_rows)[np.maximum(source, 0)], -1),
    )
    training_part = config.strategy.partition(COMBINE)[2] or "none"
    wrong = run_experiment(leaky, replace(config, strategy=training_part, params={
        k: v for k, v in params.items() if k in {p.name for p in get_strategy(training_part).params}}))
    wrong = replace(wrong, strategy=strategy.key, strategy_label=f"{strategy.label}, resampled before the split",
                    params=params)

    # rows of the wrong test split that are not new to the model: synthetic, or a copy of a training row
    test_source = source[wrong.prepared.test_rows]
    train_source = set(source[np.concatenate([wrong.prepared.fit_rows, wrong.prepared.val_rows])].tolist())
    leaked = int(sum(s < 0 or s in train_source for s in test_source.tolist()))
    return LeakageDemo(right=right, wrong=wrong, leaked_test_rows=leaked, wrong_test_rows=len(test_source))
