"""Jobs: what leaves the web server to train, and what comes back.

A job is a plain, picklable description (frozen dataclasses of settings); it runs on a worker with
the data set it names, and returns results made of arrays only (no Keras object, no TensorFlow type):
probabilities, history, weights, counts, and the pictures the app draws (projection, boundary grids,
each ensemble network's panel), computed on the worker so the web server never imports TensorFlow.

While it runs, a job reports :class:`Snapshot` s and asks whether to stop through a *channel* (a
Dask variable on a cluster, a thread-safe box in-process): see :mod:`imbalance_core.executor`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Protocol, Sequence

from .datasets import Dataset
from .experiment import ExperimentConfig, ExperimentResult
from .projection import Boundary, PointsView

__all__ = ["Cancelled", "CompareJob", "Job", "JobFailed", "LeakageJob", "ModelJob", "RowsJob", "Snapshot", "TrainJob",
           "attach", "execute", "seed_jobs"]


class Cancelled(Exception):
    """The job was stopped before it finished."""


class JobFailed(RuntimeError):
    """A job failed for a reason that is not the user's input: its type and message, as text.

    Exceptions cross process boundaries by pickle, and unpickling, say, a TensorFlow error would import
    TensorFlow in the web server; a job's unexpected failure travels as this plain one instead, with the
    original traceback as text in ``details`` (for logs and ``IMBALANCE_LAB_DEBUG``).
    """

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.details = details

    def __reduce__(self):
        return type(self), (str(self), self.details)


@dataclass(frozen=True)
class TrainJob:
    """One lab run. ``views``: also compute the pictures (the lab wants them, the CLI does not)."""

    config: ExperimentConfig
    views: bool = True
    live: bool = True  # report the live boundary while training



@dataclass(frozen=True)
class CompareJob:
    """One seed of a comparison: every strategy on one split, trained together."""

    strategies: tuple[str, ...]
    base: ExperimentConfig
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    views: bool = True  # the first seed's boundaries are drawn; later seeds need only their scores



@dataclass(frozen=True)
class LeakageJob:
    """The leakage demo: the same sampler after and before the split."""

    config: ExperimentConfig



@dataclass(frozen=True)
class ModelJob:
    """A finished run's networks as a ``.keras`` file (Keras lives on the workers)."""

    config: ExperimentConfig
    n_features: int
    n_classes: int
    weights: tuple  # per network: [W1, b1, ...]

    @classmethod
    def of(cls, result: ExperimentResult) -> "ModelJob":
        """The job that turns ``result``'s trained weights into a ``.keras`` file."""
        return cls(result.config, result.prepared.n_features, len(result.classes),
                   tuple(tuple(w) for w in result.weights))



@dataclass(frozen=True)
class RowsJob:
    """A run's training rows (after its strategy) as CSV text, rebuilt on a worker from the data set and the
    run's settings: results do not carry the rows back to the web server."""

    config: ExperimentConfig



Job = TrainJob | CompareJob | LeakageJob | ModelJob | RowsJob


@dataclass
class Snapshot:
    """Progress of a running job: epochs done, each network's history, and (for the lab) the boundary now."""

    epoch: int
    epochs: int
    n_members: int
    history: list[dict[str, list[float]]]
    boundary: Boundary | None = None
    view: PointsView | None = None

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs if self.epochs else 0.0


class Channel(Protocol):
    """How a running job talks to whoever waits for it."""

    def report(self, snapshot: Snapshot) -> None: ...

    def should_stop(self) -> bool: ...


def _detached(result: ExperimentResult, *, views: bool) -> ExperimentResult:
    """The result to send back: pictures computed here (if asked) and kept in it, without the data set (the
    caller has it) and without the feature rows (prepared and resampled: on a large table, hundreds of MB
    that the web server never uses; labels, row positions and where each row came from stay). The worker's
    own object is changed: nothing here uses it afterwards."""
    if views:
        result.boundary  # noqa: B018  (computed now, on the worker, and kept in the result)
        result.views.view = result.views.view.thinned()  # the points the charts draw, not every training row
        result.__dict__["member_panels"] = [(boundary, view.thinned()) for boundary, view in result.member_panels]
    result.dataset = None
    result.views.detach()
    result.prepared = result.prepared.without_features()
    result.resampled = [r.without_features() for r in result.resampled]
    return result


def _train(job: TrainJob, dataset: Dataset, channel: Channel) -> ExperimentResult:
    from .experiment import run_experiment

    shown: dict[int, Any] = {}  # the live view, thinned once (the same view every update)

    def on_update(update) -> None:
        if job.live and id(update.view) not in shown:
            shown[id(update.view)] = update.view.thinned()
        channel.report(Snapshot(update.epoch, update.epochs, update.n_members, update.history,
                                update.boundary() if job.live else None, shown.get(id(update.view))))

    result = run_experiment(dataset, job.config, on_update=on_update, should_stop=channel.should_stop,
                            update_interval=0.4)
    return _detached(result, views=job.views)


def _compare(job: CompareJob, dataset: Dataset, channel: Channel) -> list[ExperimentResult]:
    from .compare import Comparison, compare_strategies

    def on_progress(_seed: int, epoch: int, epochs: int) -> None:
        channel.report(Snapshot(epoch, epochs, len(job.strategies), []))

    comparison = compare_strategies(dataset, job.strategies, job.base, params=job.params, on_progress=on_progress,
                                    should_stop=channel.should_stop, comparison=Comparison())
    return [_detached(result, views=job.views) for result in comparison.results.values()]


def _leakage(job: LeakageJob, dataset: Dataset, channel: Channel):
    from .leakage import leakage_demo

    demo = leakage_demo(dataset, job.config)
    _detached(demo.right, views=True)
    _detached(demo.wrong, views=True)  # its own, leaky table stays here too: the page draws and counts only
    return demo


def _rows(job: RowsJob, dataset: Dataset, channel: Channel) -> str:
    from .experiment import training_rows
    from .export import csv_text

    return csv_text(training_rows(dataset, job.config))


def _model(job: ModelJob) -> bytes:
    from .export import keras_file
    from .experiment import kernel_network

    return keras_file(kernel_network(job.n_features, job.n_classes, job.config.network), [list(w) for w in job.weights])


def execute(job: Job, dataset: Dataset | None, channel: Channel) -> Any:
    """Run ``job`` here (on a worker, or in-process) and return its arrays-only result.

    Raises the user's errors as they are (``UserError``: a message for the user), ``Cancelled`` when
    the channel asked to stop, and ``JobFailed`` for anything else.
    """
    from .errors import UserError

    runners = {TrainJob: _train, CompareJob: _compare, LeakageJob: _leakage, RowsJob: _rows}
    try:
        if isinstance(job, ModelJob):
            return _model(job)
        return runners[type(job)](job, dataset, channel)
    except UserError as exc:
        error: BaseException = exc
    except Exception as exc:
        if type(exc).__name__ == "Stopped":  # the kernel's, raised between compiled calls
            error = Cancelled(str(exc))
        else:
            import traceback

            error = JobFailed(f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))
    # raised outside the handler, with no chained exceptions: Dask pickles an error with its context,
    # and unpickling the kernel's own exception would import TensorFlow in the web server
    error.__cause__ = error.__context__ = None
    raise error.with_traceback(None)


def attach(result: Any, dataset: Dataset) -> Any:
    """Give a returned result (or list of results, or leakage demo) its data set back, on the caller's side."""
    if isinstance(result, ExperimentResult):
        result.dataset = dataset
    elif isinstance(result, list):
        for item in result:
            attach(item, dataset)
    elif hasattr(result, "right"):  # a leakage demo: the wrong way trained on its own, leaky table
        attach(result.right, dataset)
    return result


def seed_jobs(strategies: Sequence[str], base: ExperimentConfig, repeats: int,
              params: Mapping[str, Mapping[str, Any]] | None = None, *, views: bool = True) -> list[CompareJob]:
    """A comparison as jobs, one per seed (they may run on several workers at once). With ``views``, the
    first seed's pictures are drawn on its worker (the compare page shows them); scores need none."""
    return [CompareJob(tuple(strategies), replace(base, seed=base.seed + r), dict(params or {}), views=views and r == 0)
            for r in range(repeats)]

