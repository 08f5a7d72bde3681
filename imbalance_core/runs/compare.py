"""Several strategies on the same split, the same initial weights and the same seed, trained together.

All strategies of one seed are one kernel group: their networks (an ensemble's included) train at
once, stacked on the kernel's member axis. Each network does exactly the steps it would do alone, so
a strategy's numbers here equal the lab's for the same setup.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..data.dataset import Dataset
from ..params import Param
from ..settings import SEED, THRESHOLD
from .evaluation import (
    IMBALANCE_METRICS, METRIC_LABELS, Calibration, Evaluation, calibration, choose_cost_threshold, evaluate,
)
from .config import ExperimentConfig
from .experiment import PlanTrained, finish, plan_run, prepare_run, train_plans
from .progress import Progress
from .result import ExperimentResult

if TYPE_CHECKING:
    from ..data.preprocessing import PreparedData
    from ..portable.kernel import Network
    from .experiment import Plan

__all__ = ["FIRST_SEED", "REPEATS", "Comparison", "TrainedTogether", "compare_seed", "compare_strategies",
           "seed_configs", "train_together"]

# how many seeds a comparison trains each strategy with (the compare page, its links, the CLI's --seeds)
REPEATS = Param("repeats", "int", 1, "Seeds per strategy", "More seeds show how much of a difference is luck.",
                low=1, high=10, step=1, flag="--seeds")
# a comparison's first seed: repeats use the next ones, so it leaves room for them below SEED's top
FIRST_SEED = replace(SEED, help="The first seed; repeats use the following ones.", high=SEED.high - REPEATS.high)
LOWER_IS_BETTER = ("Brier", "Gradient steps")


@dataclass(frozen=True)
class Run:
    """What one seed of one strategy left behind: enough to re-cut it at any threshold without retraining."""

    y_test: np.ndarray
    proba_test: np.ndarray
    y_val: np.ndarray
    proba_val: np.ndarray
    steps: int
    brier: float


@dataclass
class Comparison:
    """Results per strategy (the first seed's run is kept whole for the charts) and every seed's scores.

    ``scores`` are at the default threshold (``THRESHOLD``: 0.5); :meth:`scores_at` re-cuts every seed's test
    probabilities at another threshold, or at the cheapest threshold for given costs chosen on
    each run's validation split.
    """

    results: dict[str, ExperimentResult] = field(default_factory=dict)
    scores: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    calibrations: dict[str, Calibration] = field(default_factory=dict)  # of the kept (first-seed) result
    runs: dict[str, list[Run]] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)  # training time of each seed's group

    def add(self, key: str, result: ExperimentResult) -> None:
        cal = calibration(result.prepared.y_test, result.proba_test, positive_index=result.positive_index)
        self.results.setdefault(key, result)
        self.calibrations.setdefault(key, cal)
        row = {name: result.metrics[name] for name in IMBALANCE_METRICS}
        row["brier"] = cal.brier
        row["steps"] = result.gradient_steps
        row["threshold"] = result.evaluation.threshold
        self.scores.setdefault(key, []).append(row)
        self.runs.setdefault(key, []).append(Run(result.prepared.y_test, result.proba_test, result.prepared.y_val,
                                                 result.proba_val, result.gradient_steps, cal.brier))

    def add_seed(self, strategies: Sequence[str], results: Sequence[ExperimentResult]) -> None:
        """One seed's results, one per strategy in ``strategies`` order (seeds are added in order: the
        first seed's results are the ones kept whole for the charts)."""
        for key, result in zip(strategies, results):
            self.add(key, result)
        self.seconds.append(results[0].train_seconds)

    @property
    def binary(self) -> bool:
        return all(len(r.classes) == 2 for r in self.results.values())

    def _threshold(self, key: str, run: Run, threshold: float, costs: tuple[float, float] | None) -> float:
        if costs is None or len(run.y_val) == 0:
            return threshold
        result = self.results[key]
        return choose_cost_threshold(run.y_val, run.proba_val, cost_fn=costs[0], cost_fp=costs[1],
                                     positive_index=result.positive_index).threshold

    def evaluation_at(self, key: str, threshold: float = THRESHOLD.default, costs: tuple[float, float] | None = None) -> Evaluation:
        """The kept (first-seed) result of ``key`` cut at ``threshold`` or at its cost-chosen threshold."""
        result = self.results[key]
        return result.evaluate_at(self._threshold(key, self.runs[key][0], threshold, costs))

    def scores_at(self, threshold: float = THRESHOLD.default, costs: tuple[float, float] | None = None
                  ) -> dict[str, list[dict[str, float]]]:
        """Every seed's scores at ``threshold`` or, with ``costs=(cost_fn, cost_fp)``, at the threshold that
        is cheapest on that run's validation split (the test split never chooses)."""
        if (threshold == THRESHOLD.default and costs is None) or not self.binary:
            return self.scores
        out: dict[str, list[dict[str, float]]] = {}
        for key, runs in self.runs.items():
            result = self.results[key]
            out[key] = []
            for run in runs:
                cut = self._threshold(key, run, threshold, costs)
                metrics = evaluate(run.y_test, run.proba_test, classes=result.classes,
                                   positive_index=result.positive_index, threshold=cut).metrics
                row = {name: metrics[name] for name in IMBALANCE_METRICS}
                row.update(brier=run.brier, steps=run.steps, threshold=cut)
                out[key].append(row)
        return out

    @property
    def repeats(self) -> int:
        return max((len(v) for v in self.scores.values()), default=0)

    def leaderboard(self, scores: Mapping[str, list[dict[str, float]]] | None = None, *,
                    threshold_column: bool | None = None) -> pd.DataFrame:
        """One row per strategy; with several seeds, the mean (and a ``± std`` column per metric).

        Pass ``scores`` from :meth:`scores_at` for another threshold. A Threshold column says which was
        used: always with ``threshold_column=True`` (thresholds chosen per strategy, even if all are
        the default), never with ``False``, and by default when any threshold is not the default.
        """
        scores = self.scores if scores is None else scores
        if threshold_column is None:
            threshold_column = any(r.get("threshold", THRESHOLD.default) != THRESHOLD.default
                                   for runs in scores.values() for r in runs)
        extra = ("threshold",) if threshold_column else ()
        rows = []
        for key, runs in scores.items():
            frame = pd.DataFrame(runs)
            row: dict[str, Any] = {"Strategy": self.results[key].strategy_label}
            for name in (*IMBALANCE_METRICS, "brier", "steps", *extra):
                label = METRIC_LABELS.get(name, {"brier": "Brier", "steps": "Gradient steps",
                                                 "threshold": "Threshold"}.get(name))
                row[label] = float(frame[name].mean())
                if len(runs) > 1:
                    row[f"{label} ±"] = float(frame[name].std(ddof=1))
            rows.append(row)
        return pd.DataFrame(rows)

    def within_spread(self, metric: str = "pr_auc", scores: Mapping[str, list[dict[str, float]]] | None = None
                      ) -> list[tuple[str, str]]:
        """Pairs of strategies whose mean ``metric`` differs by less than the larger seed-to-seed std."""
        if self.repeats < 2:
            return []
        scores = self.scores if scores is None else scores
        stats = {k: (np.mean([r[metric] for r in runs]), np.std([r[metric] for r in runs], ddof=1))
                 for k, runs in scores.items() if len(runs) > 1}
        keys = list(stats)
        return [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]
                if abs(stats[a][0] - stats[b][0]) < max(stats[a][1], stats[b][1])]

    def ranks(self, metric: str = "pr_auc", scores: Mapping[str, list[dict[str, float]]] | None = None
              ) -> dict[str, str]:
        """Each strategy's place by mean ``metric`` (1 = best), ``=`` marking a tie: a strategy within the
        seed-to-seed spread of the best of the places above it shares that place (see :meth:`within_spread`);
        ties do not chain, so a place holds only strategies close to its leader."""
        scores = self.scores if scores is None else scores
        means = {k: float(np.mean([r[metric] for r in runs])) for k, runs in scores.items()}
        close = {frozenset(pair) for pair in self.within_spread(metric, scores)}
        order = sorted(means, key=lambda k: -means[k] if not np.isnan(means[k]) else np.inf)
        place: dict[str, int] = {}
        shared: set[str] = set()
        leader = None
        for i, key in enumerate(order):
            if leader is not None and frozenset((leader, key)) in close:
                place[key] = place[leader]
                shared |= {key, leader}
            else:
                place[key], leader = i + 1, key
        return {k: f"{place[k]}{'=' if k in shared else ''}" for k in scores}


def seed_configs(base: ExperimentConfig, repeats: int) -> list[ExperimentConfig]:
    """A comparison's seeds: ``base`` and the ``repeats - 1`` seeds after it (``REPEATS`` bounds how many)."""
    return [replace(base, seed=base.seed + r) for r in range(REPEATS.check(repeats))]


def compare_seed(
    dataset: Dataset,
    strategies: Sequence[str],
    config: ExperimentConfig,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    replay: bool = False,
) -> list[ExperimentResult]:
    """Every strategy with ``config``'s split, network and seed, trained together as one kernel group (``replay``:
    each keeps its training for a replay).

    Returns one result per strategy, in ``strategies`` order (all or none). ``params`` holds each strategy's
    settings by key; ``on_progress`` is told the epochs done between compiled calls.
    """
    params = params or {}
    configs = [replace(config, strategy=key, params=dict(params.get(key, {}))) for key in strategies]
    return train_together(dataset, configs, on_progress=on_progress, should_stop=should_stop, replay=replay)


def train_together(
    dataset: Dataset,
    configs: Sequence[ExperimentConfig],
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    replay: bool = False,
) -> list[ExperimentResult]:
    """Several runs that share a split, a seed and a network (one :attr:`~ExperimentConfig.group_key`), trained as
    one kernel group: one result per config, in order, each equal to the run alone (a comparison's strategies, or
    a class's runs that reach the workers together)."""
    together = TrainedTogether.train(dataset, configs, on_progress=on_progress, should_stop=should_stop,
                                     replay=replay)
    return [together.result(i) for i in range(len(configs))]


@dataclass
class TrainedTogether:
    """Runs trained as one kernel group, each not yet evaluated: :meth:`result` evaluates one of them (a class's
    room hands each student's result back as soon as it is evaluated, not when the last one is)."""

    dataset: Dataset
    prepared: PreparedData
    plans: list[Plan]
    network: Network
    trained: list[PlanTrained]  # per run, as train_plans

    @classmethod
    def train(cls, dataset: Dataset, configs: Sequence[ExperimentConfig], *,
              on_progress: Callable[[Progress], None] | None = None,
              should_stop: Callable[[], bool] | None = None, power_of_two: bool = False,
              replay: bool = False) -> TrainedTogether:
        """Train ``configs`` as one kernel group (``power_of_two``: its size in the kernel, see
        :func:`~imbalance_core.portable.kernel.group_slots`; ``replay``: keep each run's training to replay)."""
        if len({c.group_key for c in configs}) != 1:
            raise ValueError("runs trained together share their split, seed and network")
        prepared = prepare_run(dataset, configs[0])
        plans = [plan_run(dataset, prepared, config) for config in configs]
        network = configs[0].network.kernel_network(prepared.n_features, len(dataset.classes))
        report = None
        if on_progress is not None:
            def report(checkpoint) -> None:
                on_progress(Progress(checkpoint.epoch, checkpoint.epochs, len(configs), []))
        trained = train_plans(network, prepared, plans, on_progress=report, should_stop=should_stop,
                              power_of_two=power_of_two, replay=replay)
        return cls(dataset, prepared, plans, network, trained)

    def result(self, index: int) -> ExperimentResult:
        """The ``index``-th run's result, evaluated on the untouched test split."""
        return finish(self.dataset, self.prepared, self.plans[index], self.network, self.trained[index])


def compare_strategies(dataset: Dataset, strategies: Sequence[str], base: ExperimentConfig, *,
                       params: Mapping[str, Mapping[str, Any]] | None = None, repeats: int = 1) -> Comparison:
    """Train every strategy with ``base``'s split, network and seed, for ``repeats`` seeds, in this process.

    The app and the CLI run the same seeds as jobs on the training workers (:func:`seed_configs`, then
    :func:`compare_seed` on a worker per seed).
    """
    comparison = Comparison()
    for config in seed_configs(base, repeats):
        comparison.add_seed(strategies, compare_seed(dataset, strategies, config, params=params))
    return comparison
