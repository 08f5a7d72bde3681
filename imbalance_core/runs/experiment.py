"""A run in steps: prepare -> plan (resample) -> train -> evaluate; its pictures are drawn only when asked for.

``run_experiment(dataset, config)`` is the one path the lab, the leakage demo and the CLI take; the
compare page takes the same steps for several strategies and trains them together
(:mod:`imbalance_core.runs.compare`). Training happens in :mod:`imbalance_core.portable.kernel`,
imported only inside the functions that train (on a worker): importing this module never loads TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..data.dataset import Dataset, count_classes
from ..data.preprocessing import PreparedData, prepare
from ..errors import ConfigError
from ..portable.steps import balanced_class_weight, prior_bias
from ..training.network import EPOCHS, NetworkConfig
from ..training.resampling import Resampled, resample
from ..training.strategies import Strategy, get_strategy
from .config import ExperimentConfig
from .evaluation import evaluate
from .progress import Progress
from .replay import replay_epochs
from .result import ExperimentResult, RunViews, kept_epochs

if TYPE_CHECKING:
    from ..portable.kernel import Network

__all__ = ["Plan", "PlanTrained", "RunEnd", "finish", "plan_run", "prepare_run", "run_experiment", "train_on",
           "train_plans"]

def prepare_run(dataset: Dataset, config: ExperimentConfig) -> PreparedData:
    """The run's split, with the preprocessing fitted on its training rows."""
    return prepare(dataset, test_size=config.test_size, validation_size=config.validation_size, seed=config.seed)


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


@dataclass
class PlanTrained:
    """What one plan's networks learned: weights, history, the seconds their group trained, the weights at the
    replay's epochs (``(epoch, [networks, parameters])``; empty unless asked for) and where training ended (the
    fields of the kernel's ``Resume`` as plain arrays: a result that reaches the web server must not need the
    kernel, and so TensorFlow, to be unpickled)."""

    weights: list[list[np.ndarray]]
    history: list[dict[str, list[float]]]
    seconds: float
    frames: list[tuple[int, np.ndarray]]
    resume: dict[str, Any]


def plan_run(dataset: Dataset, prepared: PreparedData, config: ExperimentConfig) -> Plan:
    """Resolve the strategy against the training rows and resample them (once per network of an ensemble).

    Raises ``ConfigError`` for settings or data the strategy cannot use.
    """
    strategy = get_strategy(config.strategy)
    n_classes = len(dataset.classes)
    params = strategy.resolve(config.params, count_classes(prepared.y_fit, n_classes))
    names = dict(enumerate(dataset.classes))
    resampled = [resample(strategy, params, prepared.X_fit, prepared.y_fit, seed=config.seed + m, class_names=names)
                 for m in range(strategy.n_members(params))]
    notes = list(dataset.notes) + list(prepared.notes) + list(resampled[0].notes)
    focal = []
    for m, data in enumerate(resampled):  # losses and weights follow the rows each network is trained on
        focal.append(strategy.make_loss(params, count_classes(data.y, n_classes), n_classes, notes if m == 0 else [])
                     if strategy.make_loss is not None else None)
    class_weights = [balanced_class_weight(r.y, n_classes) if strategy.uses_class_weight else None for r in resampled]
    return Plan(
        config=config, strategy=strategy, params=params, resampled=resampled,
        seeds=[config.seed * 1000 + m for m in range(len(resampled))],
        class_weights=class_weights,
        focal=focal,
        output_bias=[prior_bias(r.y, n_classes) if config.network.prior_bias else None for r in resampled],
        notes=notes + _no_effect_notes(strategy, class_weights, focal),
    )


def _no_effect_notes(strategy, class_weights: list, focal: list) -> list[str]:
    """Settings that change nothing in this run, said so (a learner would otherwise read a difference into them)."""
    notes = []
    if strategy.uses_class_weight and all(np.allclose(w, 1.0) for w in class_weights):
        notes.append("Class weights are all 1: the classes are equal in the rows each network trains on"
                     + (f" ({strategy.label.split(' + ')[0]} balanced them)" if strategy.changes_data else "")
                     + ", so class weighting changes nothing in this run.")
    settings = {f for f in focal if f is not None}
    if settings and all(gamma == 0 and np.allclose(alpha, 0.5) for gamma, alpha in settings):
        notes.append("Focal loss with gamma 0 and alpha 0.5 is half the cross-entropy, and Adam's steps do not "
                     "depend on the loss's scale: it trains nearly as plain cross-entropy does. Raise gamma to "
                     "down-weight easy rows, or move alpha away from 0.5 to weigh a class more.")
    return notes


def _early_stopping_notes(network: NetworkConfig, history: list[dict[str, list[float]]],
                          offset: int = 0) -> list[str]:
    """What early stopping did, from the history (of the epochs after ``offset``, for a run trained on): the epochs
    run and the best epoch kept."""
    if not network.patience:
        return []
    if not history or "val_pr_auc" not in history[0]:
        return ["Early stopping was off: there is no validation split to watch."]
    ran = [offset + len(h["loss"]) for h in history]
    best = [offset + e for e in kept_epochs(history)]
    if len(history) == 1:
        how = (f"stopped after epoch {ran[0]} of {network.epochs}" if ran[0] < network.epochs
               else f"ran all {network.epochs} epochs")
        return [f"Early stopping (patience {network.patience}): {how}; the weights of epoch {best[0]}, the best "
                "validation PR AUC, are kept."]
    return [f"Early stopping (patience {network.patience}): the {len(history)} networks ran {min(ran)} to {max(ran)} "
            f"of {network.epochs} epochs; each keeps the weights of its best validation PR AUC (epochs {min(best)} to "
            f"{max(best)})."]


def train_plans(
    network: Network,
    prepared: PreparedData,
    plans: Sequence[Plan],
    *,
    on_progress: Callable | None = None,
    should_stop: Callable[[], bool] | None = None,
    interval: float = 0.5,
    power_of_two: bool = False,
    replay: bool = False,
    resume: dict[str, Any] | None = None,
) -> list[PlanTrained]:
    """Train every network of every plan together (one kernel group); what each plan's networks learned.

    The plans share the prepared split (and so the validation rows) and the network's shape. ``power_of_two``:
    the group's size in the kernel (:func:`~imbalance_core.portable.kernel.group_slots`); ``replay``: keep the
    weights at the replay's epochs (:func:`~imbalance_core.runs.replay.replay_epochs`).
    """
    from ..portable import kernel

    parts = [(r.new, r.y, r.source) for p in plans for r in p.resampled]  # new rows only: originals are shared
    X_pool, y_pool, rows = kernel.pool(prepared.X_fit, prepared.y_fit, parts)
    members = [kernel.Member(rows=r, seed=seed, class_weight=weights, focal=focal, output_bias=bias)
               for r, (seed, weights, focal, bias) in zip(rows, [
                   item for p in plans for item in zip(p.seeds, p.class_weights, p.focal, p.output_bias)])]
    trained = kernel.train(network, X_pool, y_pool, members, X_val=prepared.X_val, y_val=prepared.y_val,
                           on_progress=on_progress, should_stop=should_stop, interval=interval,
                           power_of_two=power_of_two, frames=replay_epochs(network.epochs) if replay else (),
                           resume=kernel.Resume(**resume) if resume is not None else None)
    out, start = [], 0
    for p in plans:
        end = start + len(p.resampled)
        resume = {"epoch": trained.resume.epoch, **{name: getattr(trained.resume, name)[start:end]
                                                     for name in ("flat", "m1", "m2", "steps")}}
        out.append(PlanTrained(trained.weights[start:end], trained.history[start:end], trained.seconds,
                               [(epoch, flat[start:end]) for epoch, flat in trained.frames], resume))
        start = end
    return out


def finish(dataset: Dataset, prepared: PreparedData, plan_: Plan, network: Network, trained: PlanTrained,
           views: RunViews | None = None) -> ExperimentResult:
    """Evaluate trained networks on the untouched test split and keep everything the views need."""
    from ..portable import kernel

    weights, history, seconds = trained.weights, trained.history, trained.seconds
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
        frames=trained.frames,
        resume=trained.resume,
    )


def _reporter(views: RunViews, network: Network, on_update: Callable[[Progress], None], *,
              live: bool) -> Callable:
    """Turn the kernel's checkpoints into ``Progress`` for one run; ``live``: with the boundary drawn now over the
    training rows (thinned once, at the first report, to what a chart draws)."""
    thinned: list = []

    def report(checkpoint) -> None:
        boundary = view = None
        if live:
            thinned[:] = thinned or [views.view.thinned()]
            boundary, view = views.boundary(network, checkpoint.weights()), thinned[0]
        on_update(Progress(checkpoint.epoch, checkpoint.epochs, len(checkpoint.history), checkpoint.history,
                           boundary, view))

    return report


def run_experiment(
    dataset: Dataset,
    config: ExperimentConfig,
    *,
    on_update: Callable[[Progress], None] | None = None,
    update_interval: float = 0.5,
    should_stop: Callable[[], bool] | None = None,
    live: bool = True,
    replay: bool = False,
) -> ExperimentResult:
    """Train one strategy on one data set and evaluate it honestly (``replay``: keep its training for a replay).

    Parameters
    ----------
    dataset : Dataset
    config : ExperimentConfig
    on_update : callable, optional
        Called with a :class:`~imbalance_core.runs.progress.Progress` at most every ``update_interval`` seconds
        while training (and after the last epoch); with ``live``, each carries the decision boundary as it is
        then. Anything it raises stops training and propagates; no result is returned then.
    should_stop : callable, optional
        Asked between compiled calls; ``kernel.Stopped`` is raised when it answers yes.

    Raises
    ------
    DataError, ConfigError
        With a message for the user.
    """
    prepared, plan_, network, views, reporter = _one_run(dataset, config, on_update, live)
    trained, = train_plans(network, prepared, [plan_], on_progress=reporter, should_stop=should_stop,
                           interval=update_interval, replay=replay)
    return finish(dataset, prepared, plan_, network, trained, views)


def _one_run(dataset: Dataset, config: ExperimentConfig, on_update: Callable | None, live: bool) -> tuple:
    """One run's split, plan, network, pictures and progress reporter, before it trains."""
    prepared = prepare_run(dataset, config)
    plan_ = plan_run(dataset, prepared, config)
    network = config.network.kernel_network(prepared.n_features, len(dataset.classes))
    views = RunViews(prepared, plan_.resampled, list(dataset.classes), dataset.positive_index, config.seed,
                     config.grid_resolution)
    reporter = _reporter(views, network, on_update, live=live) if on_update is not None else None
    return prepared, plan_, network, views, reporter


@dataclass
class RunEnd:
    """What training a finished run further needs of it (small: no data set, no rows, no figures but its replay)."""

    config: ExperimentConfig
    resume: dict[str, Any] | None
    history: list[dict[str, list[float]]]
    replay: Any
    train_seconds: float

    @classmethod
    def of(cls, result: ExperimentResult) -> RunEnd:
        return cls(result.config, result.resume, result.history, result.replay, result.train_seconds)


def train_on(
    dataset: Dataset,
    previous: ExperimentResult | RunEnd,
    more: int,
    *,
    on_update: Callable[[Progress], None] | None = None,
    update_interval: float = 0.5,
    should_stop: Callable[[], bool] | None = None,
    live: bool = True,
) -> ExperimentResult:
    """``previous``'s run trained ``more`` epochs further, from where it ended: its weights, Adam's moments and
    steps, and the shuffles and dropout a longer run would have had (both are seeded by the epoch), so the
    numbers are those of one run of the total length. The history and the replay go on past the first part;
    early stopping, where on, watches the new epochs only.

    Raises ``ConfigError`` when the total would pass the epochs' limit or the result cannot be trained on.
    """
    if previous.resume is None:
        raise ConfigError("This result does not say where its training ended, so it cannot be trained further. "
                          "Press Train to run it again.")
    first = int(previous.resume["epoch"])
    total = first + int(more)
    limit = int(EPOCHS.high)
    if not 1 <= more or total > limit:
        raise ConfigError(f"Train on by 1 to {limit - first} epochs: the run has {first} and may have {limit} "
                          f"in all; got {more}.")
    config = replace(previous.config, network=replace(previous.config.network, epochs=total))
    prepared, plan_, network, views, reporter = _one_run(dataset, config, on_update, live)
    trained, = train_plans(network, prepared, [plan_], on_progress=reporter, should_stop=should_stop,
                           interval=update_interval, replay=previous.replay is not None, resume=previous.resume)
    trained.history = [{name: list(before.get(name, [])) + list(after[name]) for name in after}
                       for before, after in zip(previous.history, trained.history)]
    result = finish(dataset, prepared, plan_, network, trained, views)
    result.continued_from = first
    result.notes = [n for n in result.notes if not n.startswith("Early stopping")] + _early_stopping_notes(
        config.network, [{k: v[first:] for k, v in h.items()} for h in trained.history], offset=first)
    same = ("early stopping watched the new epochs only" if config.network.patience else
            f"the numbers of one run of {total} epochs: the same weights, optimiser state, shuffles and dropout")
    result.notes.insert(0, f"Trained on from epoch {first} for {more} more ({same}).")
    if previous.replay is not None and result.replay is not None:
        result.__dict__["replay"] = previous.replay.then(result.replay)
    result.train_seconds += previous.train_seconds
    return result
