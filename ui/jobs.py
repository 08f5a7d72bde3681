"""The web server's side of training: hand a job to the executor, wait for it while drawing its progress.

Training never runs in the web server (see :mod:`imbalance_core.compute.executor`): a page submits a job
named after its session, and the wait below redraws the page's progress (its place in the queue,
the epoch, the live boundary) until the result comes back. A rerun of the page (a setting changed,
Stop pressed) or a closed tab ends the wait, and the job is cancelled on its worker.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .keys import SHARED

if TYPE_CHECKING:
    from imbalance_core.compute.executor import Executor, Handle
    from imbalance_core.compute.jobs import Job
    from imbalance_core.data.spec import DataSpec
    from imbalance_core.runs.progress import Progress

DEFAULT_ENGINE = "local"  # the app's default: a pool of worker processes (tests may set IMBALANCE_LAB_ENGINE)


def _is_alive(session: str) -> bool:
    """A session is alive while its browser tab is connected (always, when there is no server: AppTest)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(session)


def executor() -> Executor:
    from imbalance_core.compute.executor import get_executor

    return get_executor(is_alive=_is_alive, default=DEFAULT_ENGINE)


def spawn_workers() -> None:
    """Start the worker processes (before the first page is drawn: they import TensorFlow meanwhile)."""
    executor().spawn()


def start_workers() -> None:
    """Start the worker pool in the background (called once the first page is drawn)."""
    executor().start()


def session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else f"process-{os.getpid()}"


def submit(job: Job, spec: DataSpec | None = None, dataset: Any = None, *, kind: str,
           replace: bool = True, session: str | None = None) -> Handle:
    """Queue ``job`` for this session (or ``session``, when called outside a script run), its data set sent
    to the workers once (named by the spec's identity: the same for everyone who loads the same data); with
    ``replace``, an earlier job of the same kind from the session is cancelled. Raises ``Busy`` when too much
    work is waiting."""
    run = executor()
    session = session or session_id()
    key = None
    if spec is not None:
        key = spec.identity
        run.put_data(key, dataset, session=session)
    return run.submit(job, session=session, data_key=key, kind=kind, replace=replace)


def _yield_point() -> None:
    """Reading session state is one of Streamlit's yield points: a rerun or a stop requested meanwhile (a setting
    changed, Stop pressed, the tab closed) interrupts a wait here."""
    _ = SHARED.adopted in st.session_state


def queue_text(handle: Handle) -> str | None:
    """Where a waiting job stands, in words (None once it runs)."""
    if handle.done():
        return None
    if executor().starting:
        return "Starting the training workers (the first run on a server that has just started waits a few seconds)..."
    ahead = handle.ahead()
    if ahead is None:
        return None
    if ahead == 0:
        return "Next in line: waiting for a worker to finish its current run..."
    return f"{ahead} run{'s' if ahead != 1 else ''} ahead of yours; yours starts when a worker is free..."


def wait(handle: Handle, *, on_queue: Callable[[str], None], on_progress: Callable[[Progress], None],
         poll: float = 0.25, keep_on_rerun: bool = False) -> Any:
    """Wait for ``handle``'s result, calling ``on_queue(text)`` while it waits for a worker and
    ``on_progress(progress)`` for each new progress it reports. Whatever ends the wait early (a rerun, the tab
    closing) cancels the job. Raises what the job raised (``Cancelled`` if it was stopped).

    With ``keep_on_rerun``, an interrupted wait leaves the job running for :data:`RESUME_GRACE` seconds,
    for the next script run to wait on it again (or cancel it): Streamlit's fast reruns end the old run
    with the same ``StopException`` as a stop, so a rerun is told apart only by a new wait starting. If
    none does (the header's Stop, a closed tab), the job is cancelled then.
    """
    from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

    shown_queue, last_epoch = None, None
    kept = False
    with _WAITS_LOCK:
        _WAITS[handle.id] = turn = _WAITS.get(handle.id, 0) + 1
    try:
        while not handle.done():
            text = queue_text(handle)
            if text is None and shown_queue is not None and last_epoch is None:
                text = "On a worker: preparing the data..."  # left the queue; its first epochs are coming
            if text is not None and text != shown_queue:
                on_queue(text)
                shown_queue = text
            progress = handle.progress()
            if progress is not None and progress.epoch != last_epoch:
                on_progress(progress)
                last_epoch = progress.epoch
            handle.wait(poll)  # back at once when it ends
            _yield_point()
        return handle.result()
    except ScriptControlException:  # a rerun or a stop of the script run
        kept = keep_on_rerun
        raise
    finally:
        if kept and not handle.done():
            timer = threading.Timer(RESUME_GRACE, _cancel_unless_resumed, args=(handle, turn))
            timer.daemon = True
            timer.start()
        else:
            if not handle.done():
                handle.cancel()
            with _WAITS_LOCK:
                if _WAITS.get(handle.id) == turn:  # no later wait on it (that one forgets it when it ends)
                    _WAITS.pop(handle.id, None)


RESUME_GRACE = 8.0  # seconds a job left by an interrupted wait keeps running for the next run to resume it
_WAITS: dict[str, int] = {}  # job id -> how many waits on it have started
_WAITS_LOCK = threading.Lock()


def _cancel_unless_resumed(handle: Handle, turn: int) -> None:
    with _WAITS_LOCK:
        resumed = _WAITS.get(handle.id, 0) > turn
        if not resumed:
            _WAITS.pop(handle.id, None)
    if not resumed and not handle.done():
        handle.cancel()


def wait_all(handles: list[Handle], *, on_queue: Callable[[str], None],
             on_progress: Callable[[int, Progress], None], on_done: Callable[[int, Any], None]) -> None:
    """Wait for a comparison's seeds, drawing where they wait: ``on_done(i, result)`` in seed order.
    Raises the first failure; a rerun (or anything else that ends the wait) cancels what still runs."""
    from imbalance_core.compute.executor import wait_all as wait_for

    shown = [None]

    def tick(pending: list[Handle]) -> None:
        waiting = [queue_text(h) for h in pending]
        text = next((t for t in waiting if t), None)
        if text is not None and len(waiting) > 1 and all(waiting):
            text = f"{len(waiting)} seeds waiting. {text}"
        if text is not None and text != shown[0]:
            on_queue(text)
        shown[0] = text
        _yield_point()

    wait_for(handles, on_done=on_done, on_progress=on_progress, on_tick=tick, in_order=True, poll=0.25)


def run_many(jobs: list[Job], *, kind: str, on_done: Callable[[int, Any], None],
             on_tick: Callable[[int], None]) -> None:
    """Many jobs of this session (a benchmark's tables), a few on the workers at a time (fair to the other
    sessions): ``on_done(i, result)`` as each finishes. A rerun (Stop, a setting changed, the tab closed) ends the
    wait and cancels what still runs."""
    from imbalance_core.compute.executor import run_many as run_them

    def tick(running: int) -> None:
        on_tick(running)
        _yield_point()

    run_them(executor(), jobs, session=session_id(), kind=kind, on_done=on_done, on_tick=tick, poll=0.25)


def show_failure(status, exc: BaseException, what: str) -> None:
    """Say in ``status`` (an ``st.status``) and below it why a job gave no result: the user's input
    (``UserError``: its message), a failure on the worker (``JobFailed``), or a stop (``Cancelled``)."""
    from imbalance_core.compute.jobs import Cancelled, JobFailed

    from .text import md_code, md_escape

    if isinstance(exc, Cancelled):
        status.update(label=f"{what} was stopped", state="error", expanded=False)
    elif isinstance(exc, JobFailed):
        status.update(label=f"{what} failed", state="error", expanded=True)
        st.error("It failed on its worker. Try again; if it fails again, change the setup. What went wrong: "
                 + md_code(str(exc)))
    else:
        status.update(label=f"{what} could not start", state="error", expanded=True)
        st.error(md_escape(str(exc), limit=None))
