"""A run in steps: prepare -> plan (resample) -> train -> evaluate -> views (drawn only when asked for).

``run_experiment(dataset, config)`` is the one path the lab, the leakage demo and the CLI take; the
compare page takes the same steps for several strategies and trains them together. Training happens
in :mod:`imbalance_core.kernel`; a result holds arrays only (weights, probabilities, history), so it
pickles, and its pictures (projection, boundary grids, each ensemble network's panel) are computed
the first time a view asks, never for the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from .datasets import Dataset
from .evaluation import CostChoice, Evaluation, choose_cost_threshold, evaluate
from .models import NetworkConfig
from .params import Param
from .portable import balanced_class_weight, prior_bias
from .preprocessing import PreparedData, prepare
from .projection import Boundary, PointsView, Projection, decision_grid
from .strategies import Resampled, Strategy, get_strategy, resample

if TYPE_CHECKING:
    from .kernel import Network

__all__ = ["SEED", "TEST_SIZE", "ExperimentConfig", "ExperimentResult", "LiveUpdate", "Plan", "RunViews", "finish",
           "kernel_network", "live_reporter", "network_of", "plan_run", "run_experiment", "train_plans"]


# a run's own settings besides the strategy and the network, declared once for the app, its links and the CLI
SEED = Param("seed", "int", 0, "Seed", "Same seed, data and settings give the same numbers.",
             low=0, high=1_000_000, step=1)
TEST_SIZE = Param("test_size", "float", 0.25, "Test split", "Share of rows held out, untouched, for the metrics.",
                  low=0.05, high=0.5, step=0.05)


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that defines a run; same config + same data => same numbers.

    The seed and the test split are checked against ``SEED`` and ``TEST_SIZE`` when the config is made.
    """

    strategy: str = "none"
    params: Mapping[str, Any] = field(default_factory=dict)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    test_size: float = 0.25
    validation_size: float = 0.2
    seed: int = 0
    grid_resolution: int = 80

    def __post_init__(self) -> None:
        object.__setattr__(self, "seed", SEED.check(self.seed))
        object.__setattr__(self, "test_size", TEST_SIZE.check(self.test_size))


class RunViews:
    """A run's pictures: the 2-D (or 1-D) view of its training rows and its decision boundaries.

    Computed on first use and kept: nothing here runs for the CLI.
    """

    def __init__(self, prepared: PreparedData, resampled: Sequence[Resampled], classes: list[str],
                 positive_index: int, seed: int, resolution: int):
        self.prepared, self.resampled, self.classes = prepared, list(resampled), classes
        self.positive_index, self.seed, self.resolution = positive_index, seed, resolution

    @cached_property
    def projection(self) -> Projection:
        return Projection(self.prepared.feature_names).fit(self.prepared.X_fit, seed=self.seed)

    @cached_property
    def view(self) -> PointsView:
        return _points_view(self.projection, self.prepared, self.resampled, self.classes, self.positive_index)

    @cached_property
    def member_views(self) -> list[PointsView]:
        return [_points_view(self.projection, self.prepared, [r], self.classes, self.positive_index)
                for r in self.resampled]

    @cached_property
    def span(self) -> np.ndarray:
        """Every point any view draws: the grid covers them all."""
        view = self.view
        return np.vstack([view.points, view.synthetic_points, view.removed_points])

    def detach(self) -> None:
        """Let go of the training rows: what was computed stays (view, grids' extent), nothing new can be."""
        self.prepared = self.resampled = None

    def boundary(self, network: Network, weights: Sequence[Sequence[np.ndarray]]) -> Boundary:
        """The averaged probability of ``weights``' networks on a grid over the view (one batched call)."""
        from . import kernel

        return decision_grid(self.projection, lambda X: kernel.predict_proba(network, weights, X).mean(axis=0),
                             self.span, resolution=self.resolution)


@dataclass
class LiveUpdate:
    """What a live view needs while training: progress, history so far, and the boundary now."""

    epoch: int  # epochs done
    epochs: int
    n_members: int
    history: list[dict[str, list[float]]]
    view: PointsView
    _boundary: Callable[[], Boundary]

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs

    def boundary(self) -> Boundary:
        """The decision boundary of the network(s) as they are now (one batched call)."""
        return self._boundary()


@dataclass
class ExperimentResult:
    """A finished run: what went in, what the network learned, how it did on the test split."""

    dataset: Dataset
    dataset_name: str
    classes: list[str]
    positive_class: str
    positive_index: int
    strategy: str
    strategy_label: str
    params: dict[str, Any]
    config: ExperimentConfig
    prepared: PreparedData
    resampled: list[Resampled]
    weights: list[list[np.ndarray]]  # per network: [W1, b1, W2, b2, ...]
    focal: list[tuple | None]  # per network: its focal loss (gamma, alpha), or None for cross-entropy
    history: list[dict[str, list[float]]]
    proba_test: np.ndarray
    proba_val: np.ndarray
    evaluation: Evaluation
    class_weights: dict[int, float] | None
    initial_loss: dict[str, float]
    source_rows_fit: np.ndarray
    source_rows_test: np.ndarray
    train_seconds: float
    gradient_steps: int
    notes: list[str]
    views: RunViews

    @property
    def metrics(self) -> dict[str, float]:
        return self.evaluation.metrics

    @property
    def n_members(self) -> int:
        return len(self.weights)

    @property
    def best_epochs(self) -> list[int] | None:
        """With early stopping: each network's epoch whose weights it kept (best validation PR AUC); else None."""
        if not self.config.network.patience or not self.history or "val_pr_auc" not in self.history[0]:
            return None
        return _best_epochs(self.history)

    @property
    def view(self) -> PointsView:
        """The training rows in the 2-D (or 1-D) view, with synthetic and removed rows apart."""
        return self.views.view

    def network(self) -> Network:
        """The kernel's description of the trained networks (importing the kernel: on a worker)."""
        return kernel_network(self.prepared.n_features, len(self.classes), self.config.network)

    @cached_property
    def boundary(self) -> Boundary:
        """The (averaged) predicted probability on a grid over the view, computed when first drawn."""
        return self.views.boundary(self.network(), self.weights)

    @cached_property
    def member_panels(self) -> list[tuple[Boundary, PointsView]]:
        """An ensemble's networks one by one, each with the rows it was trained on (empty for one network)."""
        if self.n_members < 2:
            return []
        network = self.network()
        return [(self.views.boundary(network, [w]), view) for w, view in zip(self.weights, self.views.member_views)]

    def cost_threshold(self, cost_fn: float, cost_fp: float) -> CostChoice | None:
        """The cheapest threshold on the validation split (never the test split); None without one."""
        if len(self.classes) != 2 or len(self.prepared.y_val) == 0:
            return None
        return choose_cost_threshold(self.prepared.y_val, self.proba_val, cost_fn=cost_fn, cost_fp=cost_fp,
                                     positive_index=self.positive_index)

    def evaluate_at(self, threshold: float) -> Evaluation:
        """The test-split evaluation at another decision threshold (binary); no retraining.

        Kept per threshold: a view that reruns at the same threshold does not evaluate again.
        """
        if threshold == self.evaluation.threshold:
            return self.evaluation
        kept = self.__dict__.setdefault("_evaluations", {})
        if threshold not in kept:
            if len(kept) >= 32:
                kept.clear()
            kept[threshold] = evaluate(self.prepared.y_test, self.proba_test, classes=self.classes,
                                       positive_index=self.positive_index, threshold=threshold)
        return kept[threshold]

    def class_counts(self, y: np.ndarray) -> dict[str, int]:
        counts = np.bincount(y, minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts)}

    @property
    def counts(self) -> dict[str, Any]:
        first = self.resampled[0]
        return {
            "train": self.class_counts(self.prepared.y_fit),
            "train_resampled": self.class_counts(first.y),
            "synthetic": int(sum(r.n_synthetic for r in self.resampled)),
            "dropped": int(len(first.dropped)),
            "validation": self.class_counts(self.prepared.y_val),
            "test": self.class_counts(self.prepared.y_test),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI's ``--json`` output)."""
        return {
            "dataset": self.dataset_name,
            "strategy": self.strategy,
            "params": self.params,
            "network": self.config.network.to_dict(),
            "seed": self.config.seed,
            "test_size": self.config.test_size,
            "classes": self.classes,
            "positive_class": self.positive_class,
            "metrics": {k: (None if np.isnan(v) else round(float(v), 6)) for k, v in self.metrics.items()},
            "counts": self.counts,
            "class_weights": (
                {self.classes[k]: round(v, 6) for k, v in self.class_weights.items()} if self.class_weights else None
            ),
            "train_seconds": round(self.train_seconds, 3),
            "notes": self.notes,
        }

    def predictions_table(self):
        """One row per test row: its position in the source, true and predicted class, probabilities."""
        import pandas as pd

        table = pd.DataFrame({
            "row": self.source_rows_test.astype(int),
            "y_true": [self.classes[i] for i in self.prepared.y_test],
            "y_pred": [self.classes[i] for i in self.evaluation.y_pred],
        })
        for i, name in enumerate(self.classes):
            table[f"proba_{name}"] = self.proba_test[:, i]
        return table.sort_values("row").reset_index(drop=True)


@dataclass
class Plan:
    """What one run trains, before training: its strategy resolved, and each network's rows and settings."""

    config: ExperimentConfig
    strategy: Strategy
    params: dict[str, Any]
    resampled: list[Resampled]
    seeds: list[int]
    class_weights: list[tuple[float, ...] | None]
    focal: list[tuple | None]
    output_bias: list[tuple[float, ...] | None]
    notes: list[str]

    def gradient_steps(self, epochs_run: Sequence[int] | None = None) -> int:
        """Adam steps in all its networks together (rows per network / batch, times epochs: the epochs each ran,
        when given, else every epoch)."""
        network = self.config.network
        epochs_run = epochs_run or [network.epochs] * len(self.resampled)
        return sum(-(-len(r.y) // network.batch_size) * e for r, e in zip(self.resampled, epochs_run))


def plan_run(dataset: Dataset, prepared: PreparedData, config: ExperimentConfig) -> Plan:
    """Resolve the strategy against the training rows and resample them (once per network of an ensemble).

    Raises ``ConfigError`` for settings or data the strategy cannot use.
    """
    strategy = get_strategy(config.strategy)
    n_classes = len(dataset.classes)
    params = strategy.resolve(config.params, _class_counts(prepared.y_fit, n_classes))
    names = dict(enumerate(dataset.classes))
    resampled = [resample(strategy, params, prepared.X_fit, prepared.y_fit, seed=config.seed + m, class_names=names)
                 for m in range(strategy.n_members(params))]
    notes = list(dataset.notes) + list(prepared.notes) + list(resampled[0].notes)
    focal = []
    for m, data in enumerate(resampled):  # losses and weights follow the rows each network is trained on
        focal.append(strategy.make_loss(params, _class_counts(data.y, n_classes), n_classes, notes if m == 0 else [])
                     if strategy.make_loss is not None else None)
    return Plan(
        config=config, strategy=strategy, params=params, resampled=resampled,
        seeds=[config.seed * 1000 + m for m in range(len(resampled))],
        class_weights=[balanced_class_weight(r.y, n_classes) if strategy.uses_class_weight else None
                       for r in resampled],
        focal=focal,
        output_bias=[prior_bias(r.y, n_classes) if config.network.prior_bias else None for r in resampled],
        notes=notes,
    )


def _best_epochs(history: list[dict[str, list[float]]]) -> list[int]:
    """Each network's epoch with the best validation PR AUC (the first, on a tie: the one early stopping keeps)."""
    return [int(np.nanargmax(h["val_pr_auc"])) + 1 if np.isfinite(h["val_pr_auc"]).any() else len(h["loss"])
            for h in history]


def _early_stopping_notes(network: NetworkConfig, history: list[dict[str, list[float]]]) -> list[str]:
    """What early stopping did, from the history: the epochs run and the best epoch kept."""
    if not network.patience:
        return []
    if not history or "val_pr_auc" not in history[0]:
        return ["Early stopping was off: there is no validation split to watch."]
    ran = [len(h["loss"]) for h in history]
    best = _best_epochs(history)
    if len(history) == 1:
        how = (f"stopped after epoch {ran[0]} of {network.epochs}" if ran[0] < network.epochs
               else f"ran all {network.epochs} epochs")
        return [f"Early stopping (patience {network.patience}): {how}; the weights of epoch {best[0]}, the best "
                "validation PR AUC, are kept."]
    return [f"Early stopping (patience {network.patience}): the {len(history)} networks ran {min(ran)} to {max(ran)} "
            f"of {network.epochs} epochs; each keeps the weights of its best validation PR AUC (epochs {min(best)} to "
            f"{max(best)})."]


def kernel_network(n_features: int, n_classes: int, config: NetworkConfig) -> Network:
    """The kernel's ``Network`` for these settings (imports the kernel, and so TensorFlow)."""
    from .kernel import Network

    return Network(n_features=n_features, n_classes=n_classes, hidden=tuple(config.hidden_layers),
                   activation=config.activation, learning_rate=config.learning_rate, epochs=config.epochs,
                   batch_size=config.batch_size, patience=config.patience)


def network_of(prepared: PreparedData, n_classes: int, config: NetworkConfig) -> Network:
    return kernel_network(prepared.n_features, n_classes, config)


def train_plans(
    network: Network,
    prepared: PreparedData,
    plans: Sequence[Plan],
    *,
    on_progress: Callable | None = None,
    should_stop: Callable[[], bool] | None = None,
    interval: float = 0.5,
) -> list[tuple[list[list[np.ndarray]], list[dict[str, list[float]]], float]]:
    """Train every network of every plan together (one kernel group); ``(weights, history, seconds)`` per plan.

    The plans share the prepared split (and so the validation rows) and the network's shape.
    """
    from . import kernel

    parts = [(r.new, r.y, r.source) for p in plans for r in p.resampled]  # new rows only: originals are shared
    X_pool, y_pool, rows = kernel.pool(prepared.X_fit, prepared.y_fit, parts)
    members = [kernel.Member(rows=r, seed=seed, class_weight=weights, focal=focal, output_bias=bias)
               for r, (seed, weights, focal, bias) in zip(rows, [
                   item for p in plans for item in zip(p.seeds, p.class_weights, p.focal, p.output_bias)])]
    trained = kernel.train(network, X_pool, y_pool, members, X_val=prepared.X_val, y_val=prepared.y_val,
                           on_progress=on_progress, should_stop=should_stop, interval=interval)
    out, start = [], 0
    for p in plans:
        end = start + len(p.resampled)
        out.append((trained.weights[start:end], trained.history[start:end], trained.seconds))
        start = end
    return out


def finish(dataset: Dataset, prepared: PreparedData, plan_: Plan, network: Network,
           weights: list[list[np.ndarray]], history: list[dict[str, list[float]]], seconds: float,
           views: RunViews | None = None) -> ExperimentResult:
    """Evaluate trained networks on the untouched test split and keep everything the views need."""
    from . import kernel

    config, n_classes = plan_.config, len(dataset.classes)
    proba_test = kernel.predict_proba(network, weights, prepared.X_test).mean(axis=0)
    proba_val = kernel.predict_proba(network, weights, prepared.X_val).mean(axis=0)
    evaluation = evaluate(prepared.y_test, proba_test, classes=list(dataset.classes),
                          positive_index=dataset.positive_index)
    first = plan_.resampled[0]  # the epoch-0 loss of the first network, with and without the prior bias
    start_member = kernel.Member(rows=np.arange(len(first.y)), seed=plan_.seeds[0], focal=plan_.focal[0])
    first_rows = first.X
    initial_loss = {
        name: kernel.member_loss(network, kernel.initial_weights(network, plan_.seeds[0], bias), start_member,
                                 first_rows, first.y)
        for name, bias in (("zero_bias", None), ("prior_bias", prior_bias(first.y, n_classes)))
    }
    weights_used = plan_.class_weights[0]
    return ExperimentResult(
        dataset=dataset,
        dataset_name=dataset.name,
        classes=list(dataset.classes),
        positive_class=dataset.positive_class,
        positive_index=dataset.positive_index,
        strategy=plan_.strategy.key,
        strategy_label=plan_.strategy.label,
        params=plan_.params,
        config=config,
        prepared=prepared,
        resampled=plan_.resampled,
        weights=weights,
        focal=plan_.focal,
        history=history,
        proba_test=proba_test,
        proba_val=proba_val,
        evaluation=evaluation,
        class_weights=({c: weights_used[c] for c in np.unique(first.y).tolist()} if weights_used else None),
        initial_loss=initial_loss,
        source_rows_fit=np.asarray(dataset.source_rows)[prepared.fit_rows],
        source_rows_test=np.asarray(dataset.source_rows)[prepared.test_rows],
        train_seconds=seconds,
        gradient_steps=plan_.gradient_steps([len(h["loss"]) for h in history]),
        notes=plan_.notes + _early_stopping_notes(config.network, history) + evaluation.notes,
        views=views or RunViews(prepared, plan_.resampled, list(dataset.classes), dataset.positive_index,
                                config.seed, config.grid_resolution),
    )


def live_reporter(views: RunViews, network: Network, on_update: Callable[[LiveUpdate], None],
                  members: slice | None = None) -> Callable:
    """Turn the kernel's progress into ``LiveUpdate``s for one run (its networks: ``members`` of the group)."""
    members = members or slice(None)

    def report(progress) -> None:
        history = progress.history[members]
        on_update(LiveUpdate(progress.epoch, progress.epochs, len(history), history, views.view,
                             lambda: views.boundary(network, progress.weights()[members])))

    return report


def run_experiment(
    dataset: Dataset,
    config: ExperimentConfig,
    *,
    on_update: Callable[[LiveUpdate], None] | None = None,
    update_interval: float = 0.5,
    should_stop: Callable[[], bool] | None = None,
) -> ExperimentResult:
    """Train one strategy on one data set and evaluate it honestly.

    Parameters
    ----------
    dataset : Dataset
    config : ExperimentConfig
    on_update : callable, optional
        Called with a :class:`LiveUpdate` at most every ``update_interval`` seconds while
        training (and after the last epoch). Anything it raises stops training and propagates;
        no result is returned then.
    should_stop : callable, optional
        Asked between compiled calls; ``kernel.Stopped`` is raised when it answers yes.

    Raises
    ------
    DataError, ConfigError
        With a message for the user.
    """
    prepared = prepare(dataset, test_size=config.test_size, validation_size=config.validation_size, seed=config.seed)
    plan_ = plan_run(dataset, prepared, config)
    network = network_of(prepared, len(dataset.classes), config.network)
    views = RunViews(prepared, plan_.resampled, list(dataset.classes), dataset.positive_index, config.seed,
                     config.grid_resolution)
    reporter = live_reporter(views, network, on_update) if on_update is not None else None
    (weights, history, seconds), = train_plans(network, prepared, [plan_], on_progress=reporter,
                                               should_stop=should_stop, interval=update_interval)
    return finish(dataset, prepared, plan_, network, weights, history, seconds, views)


def training_rows(dataset: Dataset, config: ExperimentConfig):
    """The rows a run with ``config`` trains on, after its strategy, as a table (see ``export.resampled_table``).

    Split, preprocessing and resampling are seeded, so this rebuilds exactly the rows the run used, without
    training: a result does not carry them from the worker that trained it.
    """
    from .export import resampled_table

    prepared = prepare(dataset, test_size=config.test_size, validation_size=config.validation_size, seed=config.seed)
    plan_ = plan_run(dataset, prepared, config)
    return resampled_table(plan_.resampled, prepared.feature_names, dataset.classes,
                           np.asarray(dataset.source_rows)[prepared.fit_rows])


def _class_counts(y: np.ndarray, n_classes: int) -> dict[int, int]:
    return {i: int(n) for i, n in enumerate(np.bincount(y, minlength=n_classes))}


def _points_view(
    projection: Projection, prepared: PreparedData, resampled: list[Resampled], classes: list[str], positive_index: int
) -> PointsView:
    removed = resampled[0].dropped
    for other in resampled[1:]:
        removed = np.intersect1d(removed, other.dropped)
    kept = np.setdiff1d(np.arange(len(prepared.y_fit)), removed)
    first = resampled[0]
    lineage = None
    if first.parents is not None:
        lineage = np.stack([projection.transform(prepared.X_fit[first.parents[:, 0]]),
                            projection.transform(prepared.X_fit[first.parents[:, 1]])], axis=1)
    return PointsView(
        points=projection.transform(prepared.X_fit[kept]),
        labels=prepared.y_fit[kept],
        synthetic_points=projection.transform(first.new),
        synthetic_labels=first.y[first.is_synthetic],
        removed_points=projection.transform(prepared.X_fit[removed]),
        classes=classes,
        positive_index=positive_index,
        lineage=lineage,
        copies=np.bincount(first.source[first.source >= 0], minlength=len(prepared.y_fit))[kept].astype(np.int32),
    )
