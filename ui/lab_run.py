"""The lab's run, from Train to its result: one object in the session, with explicit states, that the page drives.

::

    idle --Train--> queued --first epoch--> running --result--> finished
                      |                        |--error-----> failed
                      '--Stop, a new Train, a changed setting--> stopped

A Streamlit rerun (any widget) ends the script run that waits for the job, but not the job: the next
script run finds the run still in flight and either follows it again (a view-only change such as
presentation mode) or stops it (Stop, a new Train, a changed setting) and says so once.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from imbalance_core import UserError, estimate_cost
from imbalance_core.compute.jobs import Cancelled, JobFailed, attach
from imbalance_core.outputs.figures import live_figures

from . import jobs
from .keys import LAB
from .results import sized

if TYPE_CHECKING:
    from imbalance_core import Dataset, ExperimentConfig, ExperimentResult, Progress, RunCost
    from imbalance_core.compute.executor import Handle
    from imbalance_core.data.spec import DataSpec

    from .links import LabSetup


class RunState(str, Enum):
    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    STOPPED = "stopped"
    FINISHED = "finished"
    FAILED = "failed"


@dataclass
class LabRun:
    """The lab's current (or last) run and the last result it produced.

    Attributes
    ----------
    state : RunState
    setup : LabSetup, optional
        What the run in flight (or the last one) trains.
    epoch, epochs : int
        How far it got.
    result, result_setup, result_spec
        The last finished run, what it was trained with and on (its training rows are rebuilt from these).
    held_back : RunCost, optional
        A link's run too large to start by itself: shown until the user presses Train.
    """

    state: RunState = RunState.IDLE
    setup: LabSetup | None = None
    handle: Handle | None = None
    epoch: int = 0
    epochs: int = 0
    stop_asked: bool = False
    notice: str | None = None  # why the last run ended early, said once
    held_back: RunCost | None = None
    result: ExperimentResult | None = None
    result_setup: LabSetup | None = None
    result_spec: DataSpec | None = None
    before_more: tuple | None = None  # while training a result further: that result, its setup and spec

    @classmethod
    def of_session(cls) -> LabRun:
        return st.session_state.setdefault(LAB.run, cls())

    @classmethod
    def reset(cls) -> None:
        """Forget the session's run and result (a link or preset opens the lab afresh); a run in flight stops."""
        run = st.session_state.pop(LAB.run, None)
        if run is not None and run.in_flight:
            run.handle.cancel()

    @property
    def in_flight(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING)

    def ask_to_stop(self) -> None:
        """The Stop button's callback: the next script run cancels the job on its worker."""
        self.stop_asked = True

    def arrives(self, dataset: Dataset, config: ExperimentConfig | None) -> bool:
        """A link or preset asks for a run on arrival: it trains by itself only within the budget (a setup that
        cannot be used trains, to explain itself); a larger one waits for Train and says why."""
        try:
            cost = estimate_cost(dataset, config) if config is not None else None
        except UserError:
            cost = None
        if cost is None or cost.within():
            return True
        self.held_back = cost
        return False

    def reconcile(self, setup: LabSetup, *, train: bool) -> bool:
        """At the top of a script run: a run left in flight by a rerun goes on (returns True) unless Stop, a new
        Train or a changed setting ends it."""
        if train:
            self.held_back = None
        if not self.in_flight:
            self.stop_asked = False
            return False
        if train or self.stop_asked or not setup.trains_like(self.setup):
            self.handle.cancel()
            where = f" at epoch {self.epoch} of {self.epochs}" if self.epoch else " before its first epoch"
            self.notice = (f"Training stopped{where}, as asked." if self.stop_asked else
                           f"Training stopped{where} because a setting changed before it finished.")
            self.state, self.handle, self.stop_asked = RunState.STOPPED, None, False
            epochs = self._bring_back()
            if epochs is not None:  # training on stopped
                self.notice += f" The result of its first {epochs} epochs is back, and the Epochs setting with it."
                st.rerun()  # the settings are drawn again with the result's epochs
            return False
        return True

    def _bring_back(self) -> int | None:
        """A "Train N more epochs" that ended without its result: the result it went on from is the result again,
        and the Epochs setting follows it at the next script run. Its epochs, or None when there was none."""
        if self.before_more is None:
            return None
        self.result, self.result_setup, self.result_spec = self.before_more
        self.before_more = None
        epochs = self.result.config.network.epochs
        st.session_state[LAB.epochs_back] = epochs
        return epochs

    def show_notices(self) -> bool:
        """Why the last run ended early (once), and a link's run that was too large to start by itself; whether it
        said that a run stopped."""
        stopped = self.notice is not None
        if stopped:
            text, self.notice = self.notice, None
            if text.endswith("as asked."):
                st.info(f"{text} Press **Train** to start again.", icon=":material/stop_circle:")
            else:
                st.warning(f"{text} Press **Train** to start again.")
        cost = self.held_back
        if cost is not None:
            st.warning(f"This link asks for a large run: about {cost.steps:,} gradient steps over {cost.rows:,} rows "
                       f"per network, {cost.times_budget():.0f} times what a link may start by itself. It was not "
                       "started. Check the setup (epochs, batch size, networks), then press **Train**.",
                       icon=":material/hourglass_empty:")
        return stopped

    def more_epochs(self) -> tuple[Any, int]:
        """The job "Train N more epochs" asked for in the last script run (the request is used up), and N; or
        ``(None, 0)``."""
        more = int(st.session_state.pop(LAB.train_on, 0) or 0)
        if not more or self.result is None:
            return None, 0
        from imbalance_core.compute.jobs import TrainOnJob
        from imbalance_core.runs.experiment import RunEnd

        return TrainOnJob(RunEnd.of(self.result), more), more

    def follow(self, setup: LabSetup, spec: DataSpec, dataset: Dataset, *, label: str, present: bool,
               picture: Any = None, job: Any = None) -> None:
        """Start the run (or follow the one in flight) in a status box with Stop and the live view, until it
        finishes, fails or stops. A rerun ends this call with the run still in flight. ``job``: another job than
        the setup's own (training the last result further)."""
        resumed = self.in_flight
        if not resumed:
            self.before_more = (self.result, self.result_setup, self.result_spec) if job is not None else None
            self.state, self.setup, self.result, self.epoch = RunState.QUEUED, setup, None, 0
        with st.status(label, expanded=True) as status:
            stop = st.empty()  # the Stop button goes away when the run ends (it would hide in the folded box)
            stop.button("Stop", key=LAB.stop, icon=":material/stop_circle:", on_click=self.ask_to_stop,
                        help="Stop this run on its worker. The settings stay as they are.")
            live = LiveView(present=present, resumed=resumed, picture=picture)
            try:
                config = setup.config()  # a setup that cannot be used explains itself here
                self.epochs = config.network.epochs
                if not resumed:
                    self.handle = jobs.submit(job or setup.job(), spec, dataset, kind="lab")
                result = attach(jobs.wait(self.handle, on_queue=live.queued, on_progress=lambda p: self._on(p, live),
                                          keep_on_rerun=True), dataset)
            except (UserError, JobFailed, Cancelled) as exc:
                self.state = RunState.STOPPED if isinstance(exc, Cancelled) else RunState.FAILED
                jobs.show_failure(status, exc, "Training")
                self._bring_back()  # training on failed: the result it went on from stays
            else:
                live.clear()
                status.update(label=f"Trained in {result.train_seconds:.1f} s", state="complete", expanded=False)
                self.state, self.result, self.result_setup, self.result_spec = RunState.FINISHED, result, setup, spec
                self.before_more = None
                st.session_state.pop(LAB.replay, None)  # a new result's replay starts at its end
                st.session_state.pop(LAB.playing, None)
            self.handle = None
            stop.empty()

    def _on(self, progress: Progress, live: LiveView) -> None:
        self.state, self.epoch, self.epochs = RunState.RUNNING, progress.epoch, progress.epochs
        live.update(progress)


class LiveView:
    """A progress bar plus the boundary and history redrawn in place while a job trains on a worker.

    :meth:`queued` says where the job waits; :meth:`update` draws each progress the worker reports:
    the progress bar every time, the two charts once training has gone on for a second, then twice a
    second (a short run shows its result straight away; a redrawn boundary costs a browser about 0.3 s
    of CPU, which a room of browsers on one machine feels). Until then the boundary's place shows
    ``picture`` (the data): the browser loads its chart code while the network trains, so the result's
    charts appear with the result.
    """

    CHART_EVERY = 0.5  # seconds: two redraws a second...
    CHARTS_AFTER = 1.0  # ...once a run has trained for a second (a shorter one goes straight to its result)...
    SLOWING = 0.1  # ...and never more often than a tenth of the time trained so far: a long run on a large table
    # redraws every few seconds, so what the browser receives grows with the log of the training time (~50
    # redraws in five minutes), not with it

    def __init__(self, present: bool = False, resumed: bool = False, picture: Any = None) -> None:
        self.present = present
        self.progress = st.progress(0.0, text="Still training on its worker..." if resumed else
                                    "Sending the run to a worker...")
        self.boundary = st.empty()
        self.history = st.empty()
        if picture is not None:
            self.boundary.plotly_chart(sized(picture, present))
        self._started: float | None = None
        self._drawn = 0.0

    def queued(self, text: str) -> None:
        self.progress.progress(0.0, text=text)

    def update(self, progress: Progress) -> None:
        loss = (float(np.mean([h["loss"][-1] for h in progress.history]))
                if progress.history and progress.history[0].get("loss") else math.nan)
        who = f"{progress.n_members} networks at once, " if progress.n_members > 1 else ""
        said = "" if math.isnan(loss) else f" - loss {loss:.4f}"  # a run trained in a room reports its epochs only
        self.progress.progress(progress.fraction, text=f"{who}epoch {progress.epoch}/{progress.epochs}{said}")
        now = time.monotonic()
        self._started = self._started or now
        gap = max(self.CHART_EVERY, self.SLOWING * (now - self._started))
        if progress.epoch == progress.epochs or now - self._started < self.CHARTS_AFTER or now - self._drawn < gap:
            return  # done (the result's charts replace the live ones at once), just started, or drawn lately
        if not progress.history and progress.boundary is None:
            return  # a run trained in a room reports its epochs only: no chart to draw (the data stays shown)
        self._drawn = now
        figures = live_figures(progress)
        # no keys: each redraw replaces the chart in place (the figures differ, so no duplicate ids)
        if "boundary" in figures:
            self.boundary.plotly_chart(sized(figures["boundary"], self.present))
        self.history.plotly_chart(sized(figures["history"], self.present))

    def clear(self) -> None:
        """Drop the live charts; the final ones replace them."""
        self.boundary.empty()
        self.history.empty()
