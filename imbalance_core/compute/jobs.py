"""Jobs: what leaves the web server to train, and what comes back.

A job is a plain, picklable description (a frozen dataclass of settings) with one method,
``run(dataset, channel)``, that does the work where the job lands: on a Dask worker, or in a thread of
this process (the same code). It returns results made of arrays only (no Keras object, no TensorFlow
type): probabilities, history, weights, counts, and the pictures the app draws (projection, boundary
grids, each ensemble network's panel), computed on the worker so the web server never imports TensorFlow.

While it runs, a job reports :class:`~imbalance_core.runs.progress.Progress` and asks whether to stop
through a *channel* (a Dask variable on a cluster, a thread-safe box in-process): see
:mod:`imbalance_core.compute.engines`. This module imports what a job describes (its settings and
results), never what trains it: ``run`` imports that when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

from ..data.dataset import Dataset
from ..errors import UserError
from ..runs.benchmark import BenchmarkTask
from ..runs.compare import seed_configs
from ..runs.config import ExperimentConfig
from ..runs.progress import Progress
from ..runs.result import ExperimentResult

__all__ = ["BenchmarkJob", "Cancelled", "Channel", "CompareJob", "Job", "JobFailed", "LeakageJob", "ModelJob",
           "RoomJob", "RowsJob", "ROOM_LIMIT", "TrainJob", "TrainOnJob", "attach", "execute", "guarded", "seed_jobs"]

ROOM_LIMIT = 32  # a room's runs at most (one kernel group)


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


class Channel(Protocol):
    """How a running job talks to whoever waits for it."""

    def report(self, progress: Progress) -> None: ...

    def should_stop(self) -> bool: ...


class Job(Protocol):
    """Anything the executor can run: picklable settings, and the work they describe."""

    def run(self, dataset: Dataset | None, channel: Channel) -> Any: ...


def _detached(result: ExperimentResult, *, views: bool) -> ExperimentResult:
    """The result to send back: pictures computed here (if asked) and kept in it, without the data set (the
    caller has it) and without the feature rows (prepared and resampled: on a large table, hundreds of MB
    that the web server never uses; labels, row positions and where each row came from stay). The worker's
    own object is changed: nothing here uses it afterwards."""
    if views:
        result.boundary  # noqa: B018  (computed now, on the worker, and kept in the result)
        result.replay  # noqa: B018  (its frames' pictures, likewise; the weights they came from stay here)
        result.views.view = result.views.view.thinned()  # the points the charts draw, not every training row
        result.__dict__["member_panels"] = [(boundary, view.thinned()) for boundary, view in result.member_panels]
    result.frames = []
    result.dataset = None
    result.views.detach()
    result.prepared = result.prepared.without_features()
    result.resampled = [r.without_features() for r in result.resampled]
    return result


@dataclass(frozen=True)
class TrainJob:
    """One lab run. ``views``: also compute the pictures (the lab wants them, the CLI does not); ``live``: report
    the boundary while training."""

    config: ExperimentConfig
    views: bool = True
    live: bool = True

    def run(self, dataset: Dataset, channel: Channel) -> ExperimentResult:
        from ..runs.experiment import run_experiment

        result = run_experiment(dataset, self.config, on_update=channel.report, should_stop=channel.should_stop,
                                update_interval=0.4, live=self.live, replay=self.views)
        return _detached(result, views=self.views)

    @property
    def room_key(self) -> tuple:
        """Lab runs with the same key (and the same data) can train as one :class:`RoomJob`."""
        return (self.views, self.config.group_key)


@dataclass(frozen=True)
class BenchmarkJob:
    """One table of a benchmark: it reads its table where it runs (no data travels) and returns plain rows of
    scores (a table that cannot be read or trained: one row with its reason)."""

    task: BenchmarkTask

    def run(self, dataset: Dataset | None, channel: Channel) -> list[dict[str, Any]]:
        from ..runs.benchmark import benchmark_table

        seeds = len(self.task.seeds)
        channel.report(Progress(0, seeds, 1, []))
        return benchmark_table(self.task, should_stop=channel.should_stop,
                               on_seed=lambda seed: channel.report(
                                   Progress(self.task.seeds.index(seed) + 1, seeds, 1, [])))


@dataclass(frozen=True, eq=False)
class TrainOnJob:
    """A finished lab run trained ``more`` epochs further, from where it ended (``previous``: a ``RunEnd``)."""

    previous: Any
    more: int

    def run(self, dataset: Dataset, channel: Channel) -> ExperimentResult:
        from ..runs.experiment import train_on

        result = train_on(dataset, self.previous, self.more, on_update=channel.report,
                          should_stop=channel.should_stop, update_interval=0.4)
        return _detached(result, views=True)


@dataclass(frozen=True)
class RoomJob:
    """Several sessions' lab runs that share their data, split, seed and network (a class on one lesson), trained
    as one kernel group: one result per run, each equal to the run alone. The executor makes these from runs
    that wait for a worker at the same time."""

    configs: tuple[ExperimentConfig, ...]
    views: bool = True

    def run(self, dataset: Dataset, channel: Channel) -> list[ExperimentResult | UserError]:
        """One result per run; a run whose settings cannot be used gets its own error (the others train on)."""
        trained = self.train(dataset, channel)
        return [self.finish(trained, index) for index in range(len(self.configs))]

    def train(self, dataset: Dataset, channel: Channel) -> Any:
        """The runs trained together, each not yet evaluated (what :meth:`finish` takes, one run at a time: an
        engine hands each student's result back as soon as it is ready). If one run's settings cannot be used,
        nothing is trained here: :meth:`finish` trains each run alone, so only that one fails."""
        from ..runs.compare import TrainedTogether

        try:
            return TrainedTogether.train(dataset, self.configs, on_progress=channel.report,
                                         should_stop=channel.should_stop, power_of_two=True, replay=self.views)
        except UserError:
            return _Alone(dataset)

    def finish(self, trained: Any, index: int) -> ExperimentResult | UserError:
        """Run ``index``'s result, ready to send back (or the error its own settings gave)."""
        if isinstance(trained, _Alone):
            result = self._alone(trained.dataset, self.configs[index])
            return result if isinstance(result, UserError) else _detached(result, views=self.views)
        return _detached(trained.result(index), views=self.views)

    @staticmethod
    def _alone(dataset: Dataset, config: ExperimentConfig) -> ExperimentResult | UserError:
        from ..runs.experiment import run_experiment

        try:
            return run_experiment(dataset, config, replay=True)
        except UserError as exc:
            exc.__cause__ = exc.__context__ = None
            return exc.with_traceback(None)


@dataclass(frozen=True)
class _Alone:
    """A room whose runs could not train together: each trains alone when it is finished."""

    dataset: Dataset


@dataclass(frozen=True)
class CompareJob:
    """One seed of a comparison: every strategy on one split, trained together."""

    strategies: tuple[str, ...]
    config: ExperimentConfig
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    views: bool = True  # the first seed's boundaries are drawn; later seeds need only their scores

    def run(self, dataset: Dataset, channel: Channel) -> list[ExperimentResult]:
        from ..runs.compare import compare_seed

        results = compare_seed(dataset, self.strategies, self.config, params=self.params,
                               on_progress=channel.report, should_stop=channel.should_stop, replay=self.views)
        return [_detached(result, views=self.views) for result in results]


@dataclass(frozen=True)
class LeakageJob:
    """The leakage demo: the same sampler after and before the split."""

    config: ExperimentConfig

    def run(self, dataset: Dataset, channel: Channel):
        from ..runs.leakage import leakage_demo

        demo = leakage_demo(dataset, self.config)
        _detached(demo.right, views=True)
        _detached(demo.wrong, views=True)  # its own, leaky table stays here too: the page draws and counts only
        return demo


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

    def run(self, dataset: None, channel: Channel) -> bytes:
        from ..outputs.files import keras_file

        network = self.config.network.kernel_network(self.n_features, self.n_classes)
        return keras_file(network, [list(w) for w in self.weights])


@dataclass(frozen=True)
class RowsJob:
    """A run's training rows (after its strategy) as CSV text, rebuilt on a worker from the data set and the
    run's settings: results do not carry the rows back to the web server."""

    config: ExperimentConfig

    def run(self, dataset: Dataset, channel: Channel) -> str:
        from ..outputs.files import csv_text, training_rows

        return csv_text(training_rows(dataset, self.config))


def execute(job: Job, dataset: Dataset | None, channel: Channel) -> Any:
    """Run ``job`` here (on a worker, or in-process) and return its arrays-only result.

    Raises the user's errors as they are (``UserError``: a message for the user), ``Cancelled`` when
    the channel asked to stop, and ``JobFailed`` for anything else.
    """
    return guarded(job.run, dataset, channel)


def guarded(work: Callable[..., Any], *args: Any) -> Any:
    """``work(*args)``, with what it raises made fit to cross a process (see :func:`execute`)."""
    try:
        return work(*args)
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
    return [CompareJob(tuple(strategies), config, dict(params or {}), views=views and r == 0)
            for r, config in enumerate(seed_configs(base, repeats))]
