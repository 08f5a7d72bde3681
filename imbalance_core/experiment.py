"""run_experiment(dataset, config) -> ExperimentResult: the one orchestration path.

Used by the pages and the CLI alike: split, fit preprocessing on the training rows, resample
the training rows only, train (live), evaluate on the untouched test split, draw the boundary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from .datasets import Dataset
from .evaluation import CostChoice, Evaluation, choose_cost_threshold, evaluate
from .models import NetworkConfig
from .params import Param
from .preprocessing import PreparedData, prepare
from .projection import Boundary, PointsView, Projection, decision_grid
from .strategies import Resampled, class_weights, get_strategy, resample

__all__ = ["SEED", "TEST_SIZE", "ExperimentConfig", "ExperimentResult", "LiveUpdate", "run_experiment"]


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


@dataclass
class LiveUpdate:
    """What a live view needs while training: progress, history so far, and the boundary now."""

    member: int
    n_members: int
    epoch: int
    epochs: int
    history: list[dict[str, list[float]]]
    view: PointsView
    _boundary: Callable[[], Boundary]

    @property
    def fraction(self) -> float:
        return (self.member * self.epochs + self.epoch + 1) / (self.n_members * self.epochs)

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
    view: PointsView
    models: list[Any]
    history: list[dict[str, list[float]]]
    proba_test: np.ndarray
    proba_val: np.ndarray
    evaluation: Evaluation
    boundary: Boundary
    member_panels: list[tuple[Boundary, PointsView]]
    class_weights: dict[int, float] | None
    initial_loss: dict[str, float]
    source_rows_fit: np.ndarray
    source_rows_test: np.ndarray
    train_seconds: float
    notes: list[str]

    @property
    def metrics(self) -> dict[str, float]:
        return self.evaluation.metrics

    def cost_threshold(self, cost_fn: float, cost_fp: float) -> CostChoice | None:
        """The cheapest threshold on the validation split (never the test split); None without one."""
        if len(self.classes) != 2 or len(self.prepared.y_val) == 0:
            return None
        return choose_cost_threshold(self.prepared.y_val, self.proba_val, cost_fn=cost_fn, cost_fp=cost_fp,
                                     positive_index=self.positive_index)

    def evaluate_at(self, threshold: float) -> Evaluation:
        """The test-split evaluation at another decision threshold (binary); no retraining."""
        if threshold == self.evaluation.threshold:
            return self.evaluation
        return evaluate(self.prepared.y_test, self.proba_test, classes=self.classes,
                        positive_index=self.positive_index, threshold=threshold)

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


def run_experiment(
    dataset: Dataset,
    config: ExperimentConfig,
    *,
    on_update: Callable[[LiveUpdate], None] | None = None,
    update_interval: float = 0.5,
) -> ExperimentResult:
    """Train one strategy on one data set and evaluate it honestly.

    Parameters
    ----------
    dataset : Dataset
    config : ExperimentConfig
    on_update : callable, optional
        Called with a :class:`LiveUpdate` at most every ``update_interval`` seconds while
        training (and after the last epoch of each network). Anything it raises stops
        training and propagates; no result is returned then.

    Raises
    ------
    DataError, ConfigError
        With a message for the user.
    """
    from . import training  # imports TensorFlow: only when something is trained
    from .models import build_model, prior_bias

    strategy = get_strategy(config.strategy)
    prepared = prepare(dataset, test_size=config.test_size, validation_size=config.validation_size, seed=config.seed)
    n_classes = len(dataset.classes)
    fit_counts = {i: int(n) for i, n in enumerate(np.bincount(prepared.y_fit, minlength=n_classes))}
    params = strategy.resolve(config.params, fit_counts)
    names = dict(enumerate(dataset.classes))
    n_members = strategy.n_members(params)
    resampled = [
        resample(strategy, params, prepared.X_fit, prepared.y_fit, seed=config.seed + m, class_names=names)
        for m in range(n_members)
    ]
    notes = list(dataset.notes) + list(prepared.notes) + [n for r in resampled[:1] for n in r.notes]
    # weights from the rows each network is trained on (after a sampler in a combination: the resampled rows)
    member_weights = [class_weights(r.y) if strategy.uses_class_weight else None for r in resampled]
    weights = member_weights[0]
    projection = Projection(prepared.feature_names).fit(prepared.X_fit, seed=config.seed)
    view = _points_view(projection, prepared, resampled, list(dataset.classes), dataset.positive_index)
    view_points = np.vstack([view.points, view.synthetic_points, view.removed_points])
    network = config.network
    models: list[Any] = []
    history: list[dict[str, list[float]]] = []

    def boundary_now() -> Boundary:
        return decision_grid(
            projection, lambda X: training.predict_proba(models, X, n_classes), view_points,
            resolution=config.grid_resolution,
        )

    start = time.perf_counter()
    for member, data in enumerate(resampled):
        steps = int(np.ceil(len(data.y) / network.batch_size))
        loss = None
        if strategy.make_loss is not None:
            member_counts = {i: int(n) for i, n in enumerate(np.bincount(data.y, minlength=n_classes))}
            loss = strategy.make_loss(params, member_counts, n_classes, notes if member == 0 else [])
        bias = prior_bias(data.y, n_classes)
        model = build_model(
            prepared.n_features, n_classes, network, seed=config.seed * 1000 + member, loss=loss,
            steps_per_execution=steps, output_bias=bias if network.prior_bias else None,
        )
        if member == 0:  # the epoch-0 loss, with and without the bias from the class priors
            zero = np.zeros_like(bias)
            initial = {
                "zero_bias": training.initial_loss(model, data.X, data.y, n_classes=n_classes, output_bias=zero),
                "prior_bias": training.initial_loss(model, data.X, data.y, n_classes=n_classes, output_bias=bias),
            }
        models.append(model)
        callbacks = []
        if on_update is not None:

            def report(epoch: int, live: dict[str, list[float]], _member: int = member) -> None:
                on_update(LiveUpdate(_member, n_members, epoch, network.epochs, history + [live], view, boundary_now))

            callbacks.append(training.LiveProgress(report, epochs=network.epochs, interval=update_interval))
        history.append(training.fit_network(
            model, data.X, data.y, n_classes=n_classes, epochs=network.epochs, batch_size=network.batch_size,
            seed=config.seed * 1000 + member, X_val=prepared.X_val, y_val=prepared.y_val,
            class_weight=member_weights[member], callbacks=callbacks,
        ))
    train_seconds = time.perf_counter() - start

    proba_test = training.predict_proba(models, prepared.X_test, n_classes)
    proba_val = training.predict_proba(models, prepared.X_val, n_classes)
    member_panels = []
    if n_members > 1:  # each network of an ensemble on its own, with the rows it was trained on
        for member, data in enumerate(resampled):
            member_view = _points_view(projection, prepared, [data], list(dataset.classes), dataset.positive_index)
            member_boundary = decision_grid(
                projection, lambda X, _m=models[member]: training.predict_proba([_m], X, n_classes), view_points,
                resolution=config.grid_resolution,
            )
            member_panels.append((member_boundary, member_view))
    evaluation = evaluate(
        prepared.y_test, proba_test, classes=list(dataset.classes), positive_index=dataset.positive_index
    )
    notes.extend(evaluation.notes)
    return ExperimentResult(
        dataset=dataset,
        dataset_name=dataset.name,
        classes=list(dataset.classes),
        positive_class=dataset.positive_class,
        positive_index=dataset.positive_index,
        strategy=strategy.key,
        strategy_label=strategy.label,
        params=params,
        config=config,
        prepared=prepared,
        resampled=resampled,
        view=view,
        models=models,
        history=history,
        proba_test=proba_test,
        proba_val=proba_val,
        evaluation=evaluation,
        boundary=boundary_now(),
        member_panels=member_panels,
        class_weights=weights,
        initial_loss=initial,
        source_rows_fit=np.asarray(dataset.source_rows)[prepared.fit_rows],
        source_rows_test=np.asarray(dataset.source_rows)[prepared.test_rows],
        train_seconds=train_seconds,
        notes=notes,
    )



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
        synthetic_points=projection.transform(first.X[first.is_synthetic]),
        synthetic_labels=first.y[first.is_synthetic],
        removed_points=projection.transform(prepared.X_fit[removed]),
        classes=classes,
        positive_index=positive_index,
        lineage=lineage,
    )
