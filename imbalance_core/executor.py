"""Where jobs run: one executor, engines behind it, chosen by configuration.

The code that submits a job never asks where it runs:

- ``DASK_SCHEDULER_ADDRESS`` set (Dask's own setting): an existing Dask cluster. Start it as Dask
  documents (``dask scheduler``, then ``dask worker <address>`` on each machine, with this project
  importable by the workers) and point the app or the CLI at it.
- otherwise, in the app: an embedded pool, started in the background after the first page is drawn:
  a Dask scheduler inside the web server and one ``dask worker`` process on 127.0.0.1 with a thread
  per core (the same code path as a cluster). One process, not one per core: TensorFlow costs a
  process about 1 GB before any data arrives, and the kernel's compiled calls release the GIL, so
  threads train side by side. The worker imports TensorFlow and compiles the kernel for the default
  setups before its first job; the web server never imports TensorFlow.
- ``IMBALANCE_LAB_ENGINE=inprocess`` (the CLI's default, and the unit tests'): jobs run in a thread of
  this process.

The executor keeps the queue fair for a room: first come, first served across sessions; a session
runs one job at a time (several, up to the whole pool, when nobody else is waiting: a comparison's
seeds); every job can say how many runs are ahead of it; queued jobs are capped per session and in
all. A job reports progress and honours a stop request between compiled calls; stopping, a newer job
of the same kind, or the session's end cancel it on the worker. A session's data goes to the workers
once (keyed by its content) and is released when the session ends.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import UserError
from .jobs import Cancelled, Job, Snapshot, execute

__all__ = ["Busy", "Cancelled", "DASK_ENV", "ENGINE_ENV", "Executor", "Handle", "get_executor", "reset_executor",
           "wait_all"]

_LOG = logging.getLogger("imbalance_core.executor")
DASK_ENV = "DASK_SCHEDULER_ADDRESS"
ENGINE_ENV = "IMBALANCE_LAB_ENGINE"
ROOT = Path(__file__).resolve().parents[1]


class Busy(UserError):
    """Too much work is waiting: the message says how much and what to do."""


@dataclass(eq=False)
class _Record:
    id: str
    job: Job
    session: str
    data_key: str | None
    kind: str
    state: str = "queued"  # queued, running, done, failed, cancelled
    result: Any = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    task: Any = None  # the engine's handle: a Dask future, or an in-process box


class Handle:
    """A submitted job, as its submitter sees it."""

    def __init__(self, executor: Executor, record: _Record):
        self._executor, self._record = executor, record

    @property
    def id(self) -> str:
        return self._record.id

    @property
    def state(self) -> str:
        return self._record.state

    def done(self) -> bool:
        return self._record.finished.is_set()

    def ahead(self) -> int | None:
        """How many queued runs will start before this one (None once it runs)."""
        return self._executor._ahead(self._record)

    def progress(self) -> Snapshot | None:
        """The latest snapshot the job reported (None before the first)."""
        if self._record.state != "running":
            return None
        return self._executor.engine.progress(self._record)

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


# --------------------------------------------------------------------------- engines


class _LocalChannel:
    """A job's channel when it runs in this process: a box for the latest snapshot, a flag to stop."""

    def __init__(self) -> None:
        self.latest: Snapshot | None = None
        self.stop = threading.Event()

    def report(self, snapshot: Snapshot) -> None:
        self.latest = snapshot

    def should_stop(self) -> bool:
        return self.stop.is_set()


class InProcessEngine:
    """Jobs in threads of this process (the CLI, the unit tests)."""

    def __init__(self, slots: int = 1):
        self._slots = slots
        self._data: dict[str, Any] = {}
        self.ready = threading.Event()
        self.ready.set()

    def start(self) -> None:
        pass

    def slots(self) -> int:
        return self._slots

    def put_data(self, key: str, dataset: Any) -> None:
        self._data[key] = dataset

    def drop_data(self, key: str) -> None:
        self._data.pop(key, None)

    def launch(self, record: _Record, on_finish: Callable[[_Record, Any, BaseException | None], None]) -> None:
        channel = _LocalChannel()
        record.task = channel
        dataset = self._data.get(record.data_key) if record.data_key else None

        def work() -> None:
            try:
                outcome, error = execute(record.job, dataset, channel), None
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the job
                outcome, error = None, exc
            on_finish(record, outcome, error)

        threading.Thread(target=work, name=f"imbalance-lab-job-{record.id}", daemon=True).start()

    def progress(self, record: _Record) -> Snapshot | None:
        return record.task.latest if record.task else None

    def request_stop(self, record: _Record) -> None:
        if record.task:
            record.task.stop.set()

    def shutdown(self) -> None:
        pass


class _DaskChannel:
    """A job's channel on a Dask worker: two Dask variables named after the job."""

    def __init__(self, job_id: str):
        from distributed import Variable, get_client

        client = get_client()
        self._progress = Variable(f"{job_id}/progress", client=client)
        self._stop = Variable(f"{job_id}/stop", client=client)
        self._asked = False

    def report(self, snapshot: Snapshot) -> None:
        self._progress.set(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))  # variables hold msgpack values

    def should_stop(self) -> bool:
        if not self._asked:
            try:
                self._asked = bool(self._stop.get(timeout=1))
            except Exception:  # noqa: BLE001 - the variable is gone: the job was forgotten, so stop
                self._asked = True
        return self._asked


def run_on_worker(job: Job, dataset: Any, job_id: str) -> Any:
    """What a Dask worker runs for a job (importable by the workers: this module)."""
    return execute(job, dataset, _DaskChannel(job_id))


class DaskEngine:
    """Jobs on Dask workers: an existing cluster (``address``), or an embedded one on 127.0.0.1: one
    worker process with ``threads`` threads (default: one per core)."""

    def __init__(self, address: str | None = None, threads: int | None = None):
        self.address = address
        self.threads = threads or os.cpu_count() or 1
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        self.client = None
        self._cluster = None
        self._processes: list[subprocess.Popen] = []
        self._data: dict[str, Any] = {}
        self._nthreads = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Connect, or start the embedded scheduler and workers; warm the workers (blocking: call in a thread)."""
        try:
            from distributed import Client, LocalCluster

            if self.address:
                self.client = Client(self.address, set_as_default=False)
            else:
                self._cluster = LocalCluster(n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1",
                                             scheduler_port=0, dashboard_address=":0", silence_logs=40)
                self.client = Client(self._cluster, set_as_default=False)
                self._processes.append(self._spawn_worker())
                self.client.wait_for_workers(1, timeout=120)
                self._warm()
            self._refresh_slots()
        except BaseException as exc:  # noqa: BLE001 - reported to every job that waits
            self.failed = exc
        finally:
            self.ready.set()

    def _spawn_worker(self) -> subprocess.Popen:
        # MALLOC_TRIM_THRESHOLD_ as Dask's nanny sets it for its workers: freed memory goes back to the system
        # (a large table's arrays would otherwise stay in the process after every job)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                   TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
                   MALLOC_TRIM_THRESHOLD_=os.environ.get("MALLOC_TRIM_THRESHOLD_", "65536"))
        return subprocess.Popen(
            [sys.executable, "-m", "imbalance_core.worker", self._cluster.scheduler_address, "--nthreads", str(self.threads),
             "--nworkers", "1", "--no-nanny", "--no-dashboard", "--death-timeout", "30", "--name", "lab"],
            cwd=str(ROOT), env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _warm(self) -> None:
        """Every worker imports TensorFlow and compiles the default setups before the first job."""
        from .warmup import prepare_kernel

        workers = list(self.client.scheduler_info()["workers"])
        futures = [self.client.submit(prepare_kernel, workers=[w], pure=False, key=f"warm-up-{w}") for w in workers]
        self.client.gather(futures)

    def _refresh_slots(self) -> None:
        info = self.client.scheduler_info()["workers"]
        self._nthreads = sum(w.get("nthreads", 1) for w in info.values())

    def slots(self) -> int:
        if self.address and self.ready.is_set() and self.client is not None:
            self._refresh_slots()  # a cluster's workers come and go
        return self._nthreads

    def put_data(self, key: str, dataset: Any) -> None:
        with self._lock:
            if key not in self._data:
                self._data[key] = self.client.scatter({key: dataset}, hash=False)[key]

    def drop_data(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)  # Dask frees the data once no future holds it

    def launch(self, record: _Record, on_finish: Callable[[_Record, Any, BaseException | None], None]) -> None:
        from distributed import Variable

        data = self._data.get(record.data_key) if record.data_key else None
        Variable(f"{record.id}/progress", client=self.client).set(b"")  # set before reading: a read never waits
        Variable(f"{record.id}/stop", client=self.client).set(False)
        future = self.client.submit(run_on_worker, record.job, data, record.id, key=f"imbalance-lab-{record.id}",
                                    pure=False)
        record.task = future

        def done(f) -> None:
            try:
                outcome, error = f.result(), None
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the job
                outcome, error = None, exc
            on_finish(record, outcome, error)

        future.add_done_callback(done)

    def progress(self, record: _Record) -> Snapshot | None:
        from distributed import Variable

        try:
            raw = Variable(f"{record.id}/progress", client=self.client).get(timeout=1)
        except Exception:  # noqa: BLE001 - the job just ended and its variables are gone
            return None
        return pickle.loads(raw) if raw else None

    def request_stop(self, record: _Record) -> None:
        from distributed import Variable

        Variable(f"{record.id}/stop", client=self.client).set(True)

    def forget(self, record: _Record) -> None:
        """Drop the job's variables on the scheduler."""
        from distributed import Variable

        for name in ("progress", "stop"):
            try:
                Variable(f"{record.id}/{name}", client=self.client).delete()
            except Exception:  # noqa: BLE001 - never set
                pass

    def shutdown(self) -> None:
        with self._lock:
            self._data.clear()
        if self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
        for process in self._processes:
            if process.poll() is None:
                process.terminate()


# --------------------------------------------------------------------------- the executor


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
        self._queue: list[_Record] = []
        self._running: list[_Record] = []
        self._datasets: dict[str, Any] = {}  # key -> data set, until no session needs it
        self._on_engine: set[str] = set()
        self._data_owners: dict[str, set[str]] = {}
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._stopping = False
        self._thread: threading.Thread | None = None

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
        record = _Record(id=f"{next(self._ids)}-{uuid.uuid4().hex[:8]}", job=job, session=session,
                         data_key=data_key, kind=kind)
        with self._cond:
            replaced = [r for r in self._queue + self._running if r.session == session and r.kind == kind] if replace else []
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
            on_progress: Callable[[Snapshot], None] | None = None, poll: float = 0.2) -> Any:
        """Submit ``job`` and wait for it, handing each new snapshot to ``on_progress``."""
        handle = self.submit(job, session=session, data_key=data_key, replace=False)
        try:
            last = None
            while not handle.done():
                handle._record.finished.wait(poll)
                snapshot = handle.progress() if on_progress else None
                if snapshot is not None and snapshot is not last and (last is None or snapshot.epoch != last.epoch):
                    on_progress(snapshot)
                    last = snapshot
            return handle.result()
        finally:
            if not handle.done():
                handle.cancel()

    def release_session(self, session: str) -> None:
        """Cancel a session's jobs and release its data (its tab was closed)."""
        with self._cond:
            for record in [r for r in self._queue + self._running if r.session == session]:
                self._cancel_locked(record)
            self._release_data_locked(session)

    # ----- internals (under the condition's lock)

    def _ahead(self, record: _Record) -> int | None:
        with self._cond:
            if record not in self._queue:
                return None
            return self._queue.index(record)

    def _cancel(self, record: _Record) -> None:
        with self._cond:
            self._cancel_locked(record)

    def _cancel_locked(self, record: _Record) -> None:
        if record in self._queue:
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

    def _finish(self, record: _Record, outcome: Any, error: BaseException | None) -> None:
        """The engine says a job ended (any thread)."""
        with self._cond:
            if record in self._running:
                self._running.remove(record)
            if record.state == "cancelling" or isinstance(error, Cancelled):
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

    @staticmethod
    def _settle(record: _Record, outcome: Any, error: BaseException | None, state: str) -> None:
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
        for record in list(self._queue):
            if free <= 0:
                break
            if sum(r.session == record.session for r in self._running) >= self._share(record.session):
                continue
            self._queue.remove(record)
            self._running.append(record)
            record.state = "running"
            free -= 1
            try:
                if record.data_key and record.data_key not in self._on_engine:
                    self.engine.put_data(record.data_key, self._datasets[record.data_key])
                    self._on_engine.add(record.data_key)
                self.engine.launch(record, self._finish)
            except BaseException as exc:  # noqa: BLE001 - the job fails, the executor goes on
                self._running.remove(record)
                self._settle(record, None, exc, "failed")

    def _check_sessions_locked(self) -> None:
        sessions = {r.session for r in self._queue + self._running} | {
            s for owners in self._data_owners.values() for s in owners}
        for session in sessions:
            if not self.is_alive(session):
                for record in [r for r in self._queue + self._running if r.session == session]:
                    self._cancel_locked(record)
                self._release_data_locked(session)

    def _loop(self) -> None:
        last_check = 0.0
        while True:
            with self._cond:
                if self._stopping:
                    return
                self._dispatch_locked()
                if time.monotonic() - last_check > 1.0:
                    last_check = time.monotonic()
                    try:
                        self._check_sessions_locked()
                    except Exception:  # noqa: BLE001 - a liveness check must not stop the executor
                        pass
                self._cond.wait(timeout=0.5)


def wait_all(handles: list[Handle], *, on_done: Callable[[int, Any], None],
             on_progress: Callable[[int, Snapshot], None] | None = None,
             on_tick: Callable[[list[Handle]], None] | None = None, in_order: bool = False,
             poll: float = 0.1) -> None:
    """Wait for several jobs (a comparison's seeds).

    ``on_done(i, result)`` as each finishes (with ``in_order``, in the order of ``handles``: a later one
    waits for the earlier ones); ``on_progress(i, snapshot)`` for each new snapshot; ``on_tick(pending)``
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
                    snapshot = handle.progress()
                    if snapshot is not None and epochs.get(i) != snapshot.epoch:
                        epochs[i] = snapshot.epoch
                        on_progress(i, snapshot)
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
