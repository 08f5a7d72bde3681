"""The leakage demo: the same strategy with resampling before the split (wrong) and after it (right)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..data.dataset import Dataset, count_classes
from ..data.preprocessing import build_transformer
from ..errors import ConfigError
from ..training.resampling import resample
from ..training.strategies import COMBINE, get_strategy
from .evaluation import IMBALANCE_METRICS, METRIC_LABELS
from .config import ExperimentConfig
from .experiment import run_experiment
from .result import ExperimentResult

__all__ = ["LEAKAGE_NETWORK", "LeakageDemo", "Move", "leakage_demo"]

# scores that change with how common the positive class is among the test rows, for the same model
PREVALENCE_DEPENDENT = ("precision", "f1", "pr_auc", "mcc")
# the demo's default network: large enough to memorise its training rows, as real models do, so that the copies
# in the wrong way's test split pay off (a small smooth network barely gains from them, and the lesson blurs)
LEAKAGE_NETWORK = {"hidden_layers": "64,64,32", "epochs": 200}
MOVED = 0.005  # a change smaller than this (half the third decimal place shown) counts as unchanged


@dataclass(frozen=True)
class Move:
    """How one metric differs between the wrong way and the right way."""

    metric: str
    label: str
    right: float
    wrong: float

    @property
    def change(self) -> float:
        return self.wrong - self.right

    def text(self) -> str:
        return f"{self.label} {self.change:+.3f}"



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

    def moves(self, metrics: tuple[str, ...] = IMBALANCE_METRICS) -> dict[str, list[Move]]:
        """The metrics that rose, fell and stayed (within 0.005) the wrong way, largest change first."""
        out: dict[str, list[Move]] = {"rose": [], "fell": [], "same": []}
        for m in metrics:
            right, wrong = self.right.metrics[m], self.wrong.metrics[m]
            if np.isnan(right) or np.isnan(wrong):
                continue
            move = Move(m, METRIC_LABELS[m], float(right), float(wrong))
            out["rose" if move.change >= MOVED else "fell" if move.change <= -MOVED else "same"].append(move)
        for moves in out.values():
            moves.sort(key=lambda move: -abs(move.change))
        return out

    def positive_shares(self) -> tuple[float, float]:
        """The positive class's share of the test rows: the right way's (the real one) and the wrong way's."""
        def share(result: ExperimentResult) -> float:
            counts = result.counts["test"]
            return counts.get(result.positive_class, 0) / max(1, sum(counts.values()))

        return share(self.right), share(self.wrong)

    def explanation(self) -> list[str]:
        """Why the two columns differ, in plain sentences built from this run's own numbers (Markdown-free text)."""
        moves = self.moves()
        rose, fell = moves["rose"], moves["fell"]
        lines = []
        if rose or fell:
            lines.append("The wrong way scored higher on " + (", ".join(m.text() for m in rose) or "nothing")
                         + "; lower on " + (", ".join(m.text() for m in fell) or "nothing") + ".")
        else:
            lines.append("Every score is within 0.005 of the right way's here.")
        real, wrong = self.positive_shares()
        binary = len(self.right.classes) == 2
        if binary:
            free = [m.label for m in rose if m.metric in PREVALENCE_DEPENDENT]
            lines.append(
                f"Its test split is {wrong:.0%} positive ({self.right.positive_class!r}) where the real data is "
                f"{real:.0%}: "
                "precision, F1, PR AUC and MCC depend on how common the positive class is among the rows scored, so "
                "the same model earns more of them on a balanced test split"
                + (f": part of why {', '.join(free)} rose." if free else
                   " (here that gain was outweighed by the other effects).")
            )
        lines.append(
            f"{self.leaked_test_rows} of its {self.wrong_test_rows} test rows ({self.leaked_share:.0%}) are copies of "
            "rows it trained on or synthetic rows made from them: a network that memorises its training rows "
            "scores well on those for free. A small, smooth network memorises little, so this adds less."
        )
        blind = [m.label for m in fell if m.metric not in PREVALENCE_DEPENDENT]
        if blind:
            lines.append(
                f"{', '.join(blind)} ignore how common each class is, so the balanced test split does not lift them; "
                "and the wrong test split counts each rare training row's copies many times over, so the few rare "
                "rows the model gets wrong weigh many times over too. Such scores can move either way with which rows "
                "were copied; here they fell."
            )
        lines.append(
            "Either way the wrong column does not estimate how the model will do on new data: its test split is "
            "neither new nor drawn like the real world. Only the right column does."
        )
        return lines

    def table(self, metrics: tuple[str, ...] = IMBALANCE_METRICS) -> pd.DataFrame:
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
    params = strategy.resolve(config.params, count_classes(y_all, len(dataset.classes)))
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
