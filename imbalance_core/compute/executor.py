"""The executor: one fair queue in front of the engines, which one chosen by configuration.

The code that submits a job never asks where it runs:

- ``DASK_SCHEDULER_ADDRESS`` set (Dask's own setting): an existing Dask cluster. Start it as Dask
  documents (``dask scheduler``, then ``dask worker <address>`` on each machine, with this project
  importable by the workers) and point the app or the CLI at it.
- otherwise, in the app: an embedded pool: one ``dask worker`` process on 127.0.0.1 with a thread per
  core, spawned when the first page starts (:meth:`Executor.spawn`: it imports TensorFlow meanwhile), and
  a Dask scheduler inside the web server, started in the background once that page is drawn
  (:meth:`Executor.start`; the same code path as a cluster). One process, not one per core: TensorFlow
  costs a process about 1 GB before any data arrives, and the kernel's compiled calls release the GIL, so
  threads train side by side. The worker compiles the kernel for the lab's default setup before its first
  job and the other common setups afterwards; the web server never imports TensorFlow.
- ``IMBALANCE_LAB_ENGINE=inprocess`` (the CLI's default, and the unit tests'): jobs run in a thread of
  this process.

The executor keeps the queue fair for a room: first come, first served across sessions; a session
runs one job at a time (several, up to the whole pool, when nobody else is waiting: a comparison's
seeds); every job can say how many runs are ahead of it; queued jobs are capped per session and in
all. Lab runs of different sessions that wait at the same time and share their data, split, seed and
network (a class on one lesson) leave together as one *room* (:class:`~imbalance_core.compute.jobs.RoomJob`,
one kernel group of up to :data:`ROOM_LIMIT` runs, each equal to the run alone): a class costs the workers
about what a few runs cost, not thirty. A class's runs reach the server over a few tenths of a second (each
session's page runs up to its Train first), so while such runs keep arriving, one that could ride with them
waits for them (:data:`GATHER_QUIET`, at most :data:`GATHER_MAX`); a run with nothing like it on the workers or
in the queue leaves at once. A job reports progress and honours a stop request between compiled calls; stopping, a newer job
of the same kind, or the session's end cancel it on the worker. A session's data goes to the workers
once (keyed by its content) and is released when the session ends.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import threading
import time
import uuid
from typing import Any, Callable, Sequence

from ..errors import UserError
from ..runs.progress import Progress
from .engines import DaskEngine, InProcessEngine, Record
from .jobs import ROOM_LIMIT, Cancelled, Job, JobFailed, RoomJob

__all__ = ["Busy", "Cancelled", "DASK_ENV", "ENGINE_ENV", "Executor", "Handle", "get_executor", "reset_executor",
           "wait_all"]

_LOG = logging.getLogger("imbalance_core.executor")
GATHER_QUIET = 0.06  # s: a run that could ride with others waits while such runs keep arriving this close together
GATHER_MAX = 0.3  # s: ... but never longer than this after it arrived
DASK_ENV = "DASK_SCHEDULER_ADDRESS"
ENGINE_ENV = "IMBALANCE_LAB_ENGINE"


class Busy(UserError):
    """Too much work is waiting: the message says how much and what to do."""


class Handle:
    """A submitted job, as its submitter sees it."""

    def __init__(self, executor: Executor, record: Record):
        self._executor, self._record = executor, record

    @property
    def id(self) -> str:
        return self._record.id

    def done(self) -> bool:
        return self._record.finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the job ends, at most ``timeout`` seconds; whether it has."""
        return self._record.finished.wait(timeout)

    def ahead(self) -> int | None:
        """How many queued runs will start before this one (None once it runs)."""
        return self._executor._ahead(self._record)

    def progress(self) -> Progress | None:
        """The latest progress the job reported (None before the first); a run trained in a room reports its
        room's epochs."""
        record = self._record
        if record.state != "running":
            return None
        if record.group is not None:
            room = self._executor.engine.progress(record.group)
            return None if room is None else Progress(room.epoch, room.epochs, 1, [])
        return self._executor.engine.progress(record)

    def result(self, timeout: float | None = None) -> Any:
        """Wait for the job; its result, or the exception it raised (``Cancelled`` if it was stopped)."""
        if not self._record.finished.wait(timeout):
            raise TimeoutError(f"job {self.id} did not finish within {timeout} s")
        if self._record.error is not None:
            raise self._record.error
        return self._record.result

    def cancel(self) -> None:
        """Stop the job: drop it from the queue, or ask its worker to stop between compiled calls."""
        self._executor._cancel(self._record)


class Executor:
    """Queues jobs fairly and runs them on an engine.

    Parameters
    ----------
    engine : InProcessEngine or DaskEngine
    is_alive : callable, optional
        ``is_alive(session) -> bool``; jobs and data of a session that is no longer alive are
        cancelled and released.
    per_session, in_all : int
        At most this many queued jobs for one session, and for everyone.
    """

    def __init__(self, engine, *, is_alive: Callable[[str], bool] | None = None, per_session: int = 12,
                 in_all: int = 64):
        self.engine = engine
        self.is_alive = is_alive or (lambda session: True)
        self.per_session, self.in_all = per_session, in_all
        self._queue: list[Record] = []
        self._running: list[Record] = []  # what runs on the engine: jobs, and rooms
        self._riding: list[Record] = []  # runs trained within a running room
        self._datasets: dict[str, Any] = {}  # key -> data set, until no session needs it
        self._on_engine: set[str] = set()
        self._data_owners: dict[str, set[str]] = {}
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._wake = float("inf")  # when a run held for others to ride with it is due (monotonic)

    # ----- lifecycle

    def start(self) -> None:
        """Start the engine (in the background) and the dispatcher; idempotent."""
        with self._cond:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, name="imbalance-lab-executor", daemon=True)
            self._thread.start()
        if not self.engine.ready.is_set():
            threading.Thread(target=self.engine.start, name="imbalance-lab-engine-start", daemon=True).start()

    def spawn(self) -> None:
        """Start the engine's worker processes now, if it has its own (they import TensorFlow meanwhile);
        :meth:`start` does the rest. Cheap: for the web server's first page."""
        spawn = getattr(self.engine, "spawn", None)
        if spawn is not None and not self.engine.ready.is_set():
            spawn()

    def shutdown(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self.engine.shutdown()

    @property
    def starting(self) -> bool:
        """The workers are still starting (importing TensorFlow, compiling the kernel)."""
        return not self.engine.ready.is_set()

    # ----- data and jobs

    def put_data(self, key: str, dataset: Any, *, session: str) -> None:
        """Make ``dataset`` available to jobs under ``key``: sent to the workers once, whoever asks, when the
        first job that needs it starts (so this never waits for the workers)."""
        with self._cond:
            self._datasets.setdefault(key, dataset)
            self._data_owners.setdefault(key, set()).add(session)

    def submit(self, job: Job, *, session: str, data_key: str | None = None, kind: str | None = None,
               replace: bool = True) -> Handle:
        """Queue ``job``; with ``replace``, the session's earlier jobs of the same kind are cancelled first."""
        self.start()
        kind = kind or type(job).__name__
        record = Record(id=f"{next(self._ids)}-{uuid.uuid4().hex[:8]}", job=job, session=session,
                         data_key=data_key, kind=kind)
        with self._cond:
            replaced = [r for r in self._queue + self._running + self._riding
                        if r.session == session and r.kind == kind] if replace else []
            waiting = [r for r in self._queue if r not in replaced]
            mine = sum(r.session == session for r in waiting)
            if mine >= self.per_session:  # refused: nothing changes, the earlier job goes on
                raise Busy(f"You already have {mine} runs waiting; let them finish (or stop them) first.")
            if len(waiting) >= self.in_all:
                raise Busy(f"The lab is busy: {len(waiting)} runs are waiting for a worker. Try again in a minute.")
            for other in replaced:
                self._cancel_locked(other)
            self._queue.append(record)
            self._cond.notify_all()
        return Handle(self, record)

    def run(self, job: Job, *, session: str = "cli", data_key: str | None = None,
            on_progress: Callable[[Progress], None] | None = None, poll: float = 0.2) -> Any:
        """Submit ``job`` and wait for it, handing each new progress to ``on_progress``."""
        handle = self.submit(job, session=session, data_key=data_key, replace=False)
        try:
            last = None
            while not handle.done():
                handle._record.finished.wait(poll)
                progress = handle.progress() if on_progress else None
                if progress is not None and progress is not last and (last is None or progress.epoch != last.epoch):
                    on_progress(progress)
                    last = progress
            return handle.result()
        finally:
            if not handle.done():
                handle.cancel()

    def release_session(self, session: str) -> None:
        """Cancel a session's jobs and release its data (its tab was closed)."""
        with self._cond:
            for record in [r for r in self._queue + self._running + self._riding if r.session == session]:
                self._cancel_locked(record)
            self._release_data_locked(session)

    # ----- internals (under the condition's lock)

    def _ahead(self, record: Record) -> int | None:
        with self._cond:
            if record not in self._queue:
                return None
            return self._queue.index(record)

    def _cancel(self, record: Record) -> None:
        with self._cond:
            self._cancel_locked(record)

    def _cancel_locked(self, record: Record) -> None:
        if record in self._riding:  # its room goes on for the others; stopped when nobody is left in it
            self._riding.remove(record)
            self._settle(record, None, Cancelled("stopped"), "cancelled")
            room = record.group
            if room.state == "running" and not any(m in self._riding for m in room.members):
                room.state = "cancelling"
                self.engine.request_stop(room)
        elif record in self._queue:
            self._queue.remove(record)
            self._settle(record, None, Cancelled("stopped before it started"), "cancelled")
        elif record in self._running and record.state == "running":
            record.state = "cancelling"
            self.engine.request_stop(record)
        self._cond.notify_all()

    def _release_data_locked(self, session: str) -> None:
        for owners in self._data_owners.values():
            owners.discard(session)
        self._collect_data_locked()

    def _collect_data_locked(self) -> None:
        """Drop data that no session holds and no job uses (here and on the workers)."""
        for key, owners in list(self._data_owners.items()):
            if not owners and not any(r.data_key == key for r in self._queue + self._running):
                del self._data_owners[key]
                self._datasets.pop(key, None)
                if key in self._on_engine:
                    self._on_engine.discard(key)
                    self.engine.drop_data(key)

    def _finish(self, record: Record, outcome: Any, error: BaseException | None) -> None:
        """The engine says a job ended (any thread)."""
        with self._cond:
            if record in self._running:
                self._running.remove(record)
            if record.members is not None:
                self._finish_room_locked(record, error)
            elif record.state == "cancelling" or isinstance(error, Cancelled):
                self._settle(record, None, Cancelled("stopped"), "cancelled")
            else:
                if error is not None and not isinstance(error, UserError):
                    _LOG.error("job %s (%s) failed: %s", record.id, record.kind, getattr(error, "details", "") or error)
                self._settle(record, outcome, error, "failed" if error is not None else "done")
            self._collect_data_locked()  # the data of a closed session, kept while this job ran
            self._cond.notify_all()
        forget = getattr(self.engine, "forget", None)
        if forget is not None:
            forget(record)

    def _part(self, room: Record, index: int, outcome: Any, error: BaseException | None) -> None:
        """The engine says one run of a room is evaluated (any thread): its session gets it now."""
        with self._cond:
            self._settle_rider_locked(room, room.members[index], outcome, error)
            self._cond.notify_all()

    def _settle_rider_locked(self, room: Record, member: Record, outcome: Any, error: BaseException | None) -> None:
        if member not in self._riding:
            return  # cancelled while the room trained, or already given its result
        self._riding.remove(member)
        if room.state == "cancelling" or isinstance(error, Cancelled):
            self._settle(member, None, Cancelled("stopped"), "cancelled")
        elif error is not None:
            self._settle(member, None, error, "failed")
        elif isinstance(outcome, BaseException):  # this run's own settings could not be used
            self._settle(member, None, outcome, "failed")
        else:
            self._settle(member, outcome, None, "done")

    def _finish_room_locked(self, room: Record, error: BaseException | None) -> None:
        """A room ended: its runs were given their results as each was evaluated (:meth:`_part`); one still
        waiting gets the room's error (training failed or stopped)."""
        for member in room.members:
            self._settle_rider_locked(room, member, None, error or JobFailed(f"Room {room.id} ended without this run."))
        if error is not None and not isinstance(error, (UserError, Cancelled)):
            _LOG.error("room %s failed: %s", room.id, getattr(error, "details", "") or error)
        stopped = room.state == "cancelling" or isinstance(error, Cancelled)
        self._settle(room, None, error, "cancelled" if stopped else "done" if error is None else "failed")

    def _room_for(self, record: Record) -> Record:
        """``record``, or a room of it and the other sessions' runs waiting now that can train with it."""
        key = getattr(record.job, "room_key", None)
        if key is None:
            return record
        riders = [record]
        for other in self._queue:
            if len(riders) >= ROOM_LIMIT:
                break
            if (other.data_key == record.data_key and getattr(other.job, "room_key", None) == key
                    and other.session not in {r.session for r in riders}
                    and self._running_for(other.session) < self._share(other.session)):
                riders.append(other)
        if len(riders) == 1:
            return record
        room = Record(id=f"{next(self._ids)}-room-{uuid.uuid4().hex[:8]}",
                      job=RoomJob(tuple(r.job.config for r in riders), views=record.job.views), session="",
                      data_key=record.data_key, kind="room", members=riders)
        for index, rider in enumerate(riders):
            if rider is not record:
                self._queue.remove(rider)
            rider.group, rider.index, rider.state = room, index, "running"
            self._riding.append(rider)
        return room

    def _gathering(self, record: Record, now: float) -> float:
        """How much longer ``record`` waits for other sessions' runs that can ride with it: while such runs keep
        arriving (the last less than :data:`GATHER_QUIET` ago) and it has waited less than :data:`GATHER_MAX`;
        0 when nothing like it is waiting or running (a run alone never waits)."""
        key = getattr(record.job, "room_key", None)
        if key is None:
            return 0.0

        def alike(other: Record) -> bool:
            return (other.session != record.session and other.data_key == record.data_key
                    and getattr(other.job, "room_key", None) == key)

        arrivals = [r.submitted for r in self._queue if alike(r)]
        if not arrivals and not any(alike(r) for r in self._running + self._riding):
            return 0.0
        last = max(arrivals + [record.submitted])
        return max(0.0, min(last + GATHER_QUIET, record.submitted + GATHER_MAX) - now)

    def _running_for(self, session: str) -> int:
        return sum(r.session == session for r in self._running) + sum(r.session == session for r in self._riding)

    @staticmethod
    def _settle(record: Record, outcome: Any, error: BaseException | None, state: str) -> None:
        record.result, record.error, record.state = outcome, error, state
        record.finished.set()

    def _share(self, session: str) -> int:
        """How many jobs a session may run at once: one while others wait, the whole pool otherwise."""
        others = any(r.session != session for r in self._queue)
        return 1 if others else max(1, self.engine.slots())

    def _dispatch_locked(self) -> None:
        if not self.engine.ready.is_set():
            return
        if getattr(self.engine, "failed", None) is not None:
            for record in list(self._queue):
                self._queue.remove(record)
                self._settle(record, None, UserError(f"The training workers could not start ({self.engine.failed})."),
                             "failed")
            return
        free = self.engine.slots() - len(self._running)
        now = time.monotonic()
        for record in list(self._queue):
            if free <= 0:
                break
            if record not in self._queue:
                continue  # gone into an earlier record's room
            if self._running_for(record.session) >= self._share(record.session):
                continue
            hold = self._gathering(record, now)
            if hold > 0:  # nothing behind it overtakes it meanwhile: first come, first served
                self._wake = min(self._wake, now + hold)
                break
            self._queue.remove(record)
            launched = self._room_for(record)
            self._running.append(launched)
            launched.state = "running"
            free -= 1
            try:
                if record.data_key and record.data_key not in self._on_engine:
                    self.engine.put_data(record.data_key, self._datasets[record.data_key])
                    self._on_engine.add(record.data_key)
                self.engine.launch(launched, self._finish, self._part)
            except BaseException as exc:  # noqa: BLE001 - the job fails, the executor goes on
                self._running.remove(launched)
                if launched.members is not None:
                    self._finish_room_locked(launched, exc)
                else:
                    self._settle(record, None, exc, "failed")

    def _check_sessions_locked(self) -> None:
        sessions = {r.session for r in self._queue + self._running + self._riding} | {
            s for owners in self._data_owners.values() for s in owners}
        sessions.discard("")  # a room belongs to its runs' sessions
        for session in sessions:
            if not self.is_alive(session):
                for record in [r for r in self._queue + self._running + self._riding if r.session == session]:
                    self._cancel_locked(record)
                self._release_data_locked(session)

    def _loop(self) -> None:
        last_check = 0.0
        while True:
            with self._cond:
                if self._stopping:
                    return
                self._wake = float("inf")
                self._dispatch_locked()
                if time.monotonic() - last_check > 1.0:
                    last_check = time.monotonic()
                    try:
                        self._check_sessions_locked()
                    except Exception:  # noqa: BLE001 - a liveness check must not stop the executor
                        pass
                self._cond.wait(timeout=min(0.5, max(0.001, self._wake - time.monotonic())))


def wait_all(handles: list[Handle], *, on_done: Callable[[int, Any], None],
             on_progress: Callable[[int, Progress], None] | None = None,
             on_tick: Callable[[list[Handle]], None] | None = None, in_order: bool = False,
             poll: float = 0.1) -> None:
    """Wait for several jobs (a comparison's seeds).

    ``on_done(i, result)`` as each finishes (with ``in_order``, in the order of ``handles``: a later one
    waits for the earlier ones); ``on_progress(i, progress)`` for each new progress; ``on_tick(pending)``
    once per poll with the handles still running or queued (a caller's moment to say where they wait,
    or to be interrupted). Raises the first failure; leaving early, by a failure or any exception from
    a callback, cancels whatever still runs.
    """
    pending, finished, delivered, epochs = dict(enumerate(handles)), {}, 0, {}
    try:
        while pending or finished:
            for i, handle in list(pending.items()):
                if handle.done():
                    del pending[i]
                    finished[i] = handle.result()
                elif on_progress is not None:
                    progress = handle.progress()
                    if progress is not None and epochs.get(i) != progress.epoch:
                        epochs[i] = progress.epoch
                        on_progress(i, progress)
            for i in sorted(finished):
                if in_order and i != delivered:
                    break
                on_done(i, finished.pop(i))
                delivered += 1
            if pending:
                if on_tick is not None:
                    on_tick(list(pending.values()))
                time.sleep(poll)
    finally:
        for handle in handles:
            if not handle.done():
                handle.cancel()


def run_many(executor: Executor, jobs: Sequence[Job], *, session: str, on_done: Callable[[int, Any], None],
             kind: str = "many", window: int | None = None, on_tick: Callable[[int], None] | None = None,
             poll: float = 0.1) -> None:
    """Many jobs of one session (a benchmark's tables), at most ``window`` of them submitted at a time (default:
    what a session may have waiting), the next submitted as one ends: the queue stays fair to other sessions.
    ``on_done(i, result)`` as each finishes, in any order; ``on_tick(running)`` once per poll (a caller's moment to
    draw progress or to be interrupted). Raises the first failure; leaving early cancels what still runs."""
    window = max(1, min(window or executor.per_session, executor.per_session))
    upcoming = iter(enumerate(jobs))
    running: dict[int, Handle] = {}
    try:
        while True:
            while len(running) < window:
                item = next(upcoming, None)
                if item is None:
                    break
                i, job = item
                running[i] = executor.submit(job, session=session, kind=f"{kind}/{i}", replace=False)
            if not running:
                return
            for i, handle in list(running.items()):
                if handle.done():
                    del running[i]
                    on_done(i, handle.result())
            if on_tick is not None:
                on_tick(len(running))
            time.sleep(poll)
    finally:
        for handle in running.values():
            if not handle.done():
                handle.cancel()


_EXECUTOR: Executor | None = None
_LOCK = threading.Lock()


def get_executor(*, is_alive: Callable[[str], bool] | None = None, default: str = "inprocess") -> Executor:
    """This process's executor, made on first use from the configuration.

    ``DASK_SCHEDULER_ADDRESS`` -> that cluster; else ``IMBALANCE_LAB_ENGINE`` (``local``: an embedded pool
    of worker processes; ``inprocess``: threads of this process); else ``default``.
    """
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            address = os.environ.get(DASK_ENV)
            choice = os.environ.get(ENGINE_ENV, default)
            if address:
                engine = DaskEngine(address=address)
            elif choice == "local":
                engine = DaskEngine()
            elif choice == "inprocess":
                engine = InProcessEngine(slots=max(1, int(os.environ.get("IMBALANCE_LAB_THREADS", "1"))))
            else:
                raise UserError(f"{ENGINE_ENV} must be 'local' or 'inprocess'; got {choice!r}")
            _EXECUTOR = Executor(engine, is_alive=is_alive)
            atexit.register(_EXECUTOR.shutdown)
        elif is_alive is not None:
            _EXECUTOR.is_alive = is_alive
        return _EXECUTOR


def reset_executor() -> None:
    """Shut this process's executor down; the next :func:`get_executor` reads the configuration again
    (for tests and programs that switch between engines)."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is not None:
            _EXECUTOR.shutdown()
            _EXECUTOR = None
