"""Where a job runs: in a thread of this process, or on Dask workers (an existing cluster, or an embedded one).

An engine takes :class:`Record` s from the executor (:mod:`imbalance_core.compute.executor`), sends each
job and its data where it runs, relays its progress and stop requests through a channel, and calls back
when it ends (a room: when each of its runs is evaluated, then when the room ends). The executor chooses the
engine by configuration; nothing that submits a job knows which.
"""

from __future__ import annotations

import functools
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..runs.progress import Progress
from .jobs import Job, RoomJob, execute, guarded
from .warmup import FIRST, MORE

__all__ = ["DaskEngine", "InProcessEngine", "Record", "finish_room_run", "run_on_worker", "train_room_on_worker"]

ROOT = Path(__file__).resolve().parents[2]
PROGRESS_EVERY = 0.2  # s: a running job's progress is read from the scheduler at most this often


@dataclass(eq=False)
class Record:
    """One submitted job as the executor and its engine track it (the submitter holds a ``Handle`` to it)."""

    id: str
    job: Job
    session: str
    data_key: str | None
    kind: str
    state: str = "queued"  # queued, running, cancelling, done, failed, cancelled
    result: Any = None
    error: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)
    task: Any = None  # the engine's handle: a Dask future, or an in-process box
    members: list[Record] | None = None  # a room: the runs it trains together (this record is their group)
    group: Record | None = None  # a run trained within a room: that room's record, and its place in it
    index: int = 0
    submitted: float = field(default_factory=time.monotonic)


def _free_port() -> int:
    """A TCP port of 127.0.0.1 free now (the embedded scheduler opens it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


Finished = Callable[[Record, Any, "BaseException | None"], None]  # a job ended: its outcome, or its error
Part = Callable[[Record, int, Any, "BaseException | None"], None]  # one run of a room ended: its index, outcome, error


class _LocalChannel:
    """A job's channel when it runs in this process: a box for the latest progress, a flag to stop."""

    def __init__(self) -> None:
        self.latest: Progress | None = None
        self.stop = threading.Event()

    def report(self, progress: Progress) -> None:
        self.latest = progress

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

    def launch(self, record: Record, on_finish: Finished, on_part: Part) -> None:
        channel = _LocalChannel()
        record.task = channel
        dataset = self._data.get(record.data_key) if record.data_key else None

        def work() -> None:
            if record.members is not None:  # a room: each run's result as soon as it is evaluated
                try:
                    trained = guarded(record.job.train, dataset, channel)
                except BaseException as exc:  # noqa: BLE001 - handed to every run in the room
                    on_finish(record, None, exc)
                    return
                for index in range(len(record.members)):
                    try:
                        outcome, error = guarded(record.job.finish, trained, index), None
                    except BaseException as exc:  # noqa: BLE001 - handed to this run's session
                        outcome, error = None, exc
                    on_part(record, index, outcome, error)
                on_finish(record, None, None)
                return
            try:
                outcome, error = execute(record.job, dataset, channel), None
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the job
                outcome, error = None, exc
            on_finish(record, outcome, error)

        threading.Thread(target=work, name=f"imbalance-lab-job-{record.id}", daemon=True).start()

    def progress(self, record: Record) -> Progress | None:
        return record.task.latest if record.task else None

    def request_stop(self, record: Record) -> None:
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

    def report(self, progress: Progress) -> None:
        self._progress.set(pickle.dumps(progress, protocol=pickle.HIGHEST_PROTOCOL))  # variables hold msgpack values

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


def train_room_on_worker(job: RoomJob, dataset: Any, job_id: str) -> Any:
    """What a Dask worker runs to train a room's runs together (kept there for :func:`finish_room_run`)."""
    return guarded(job.train, dataset, _DaskChannel(job_id))


def finish_room_run(job: RoomJob, trained: Any, index: int) -> Any:
    """What a Dask worker runs to evaluate one run of a trained room."""
    return guarded(job.finish, trained, index)


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
        self._progress: dict[str, tuple[float, Progress | None]] = {}  # job id -> (when read, what it said)
        self._warming: list = []  # the background warm-up's futures (held, or Dask would drop the tasks)
        self._port = 0  # the embedded scheduler's port, chosen when the worker is spawned ahead of it

    def spawn(self) -> None:
        """Start the embedded pool's worker process now, on the port its scheduler will open in :meth:`start`:
        it imports TensorFlow while the web server draws its first page (cheap here: no Dask import, one
        process start). Idempotent; nothing to do for a cluster."""
        with self._lock:
            if self.address or any(p.poll() is None for p in self._processes):
                return
            self._processes.clear()  # one spawned for a scheduler that never came has given up (death timeout)
            self._port = _free_port()
            self._processes.append(self._spawn_worker(f"tcp://127.0.0.1:{self._port}"))

    def start(self) -> None:
        """Connect, or start the embedded scheduler and workers; warm the workers (blocking: call in a thread; a
        cluster's workers are warmed in the background)."""
        try:
            from distributed import Client, LocalCluster

            if self.address:
                self.client = Client(self.address, set_as_default=False)
            else:
                def scheduler(port: int) -> LocalCluster:
                    return LocalCluster(n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1",
                                        scheduler_port=port, dashboard_address=":0", silence_logs=40)

                self.spawn()
                try:
                    self._cluster = scheduler(self._port)
                except (OSError, RuntimeError):  # "Cluster failed to start": its port was taken meanwhile; so
                    # another port, and a worker for it (if that fails too, the engine fails and says why)
                    self._stop_processes()
                    self._cluster = scheduler(0)
                    self._processes.append(self._spawn_worker(self._cluster.scheduler_address))
                self.client = Client(self._cluster, set_as_default=False)
                self.client.wait_for_workers(1, timeout=120)
                self.client.gather(self._warm(FIRST))
            self._refresh_slots()
        except BaseException as exc:  # noqa: BLE001 - reported to every job that waits
            self.failed = exc
        finally:
            self.ready.set()
        if self.failed is None:  # the setups a first Train does not need, while jobs already run (on a cluster,
            # its workers' first setups too: a worker compiles each shape once, so a second server's warm-up is quick)
            self._warming = (self._warm(FIRST) if self.address else []) + self._warm(MORE)

    def _spawn_worker(self, address: str) -> subprocess.Popen:
        # MALLOC_TRIM_THRESHOLD_ as Dask's nanny sets it for its workers: freed memory goes back to the system
        # (a large table's arrays would otherwise stay in the process after every job)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                   TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
                   MALLOC_TRIM_THRESHOLD_=os.environ.get("MALLOC_TRIM_THRESHOLD_", "65536"))
        return subprocess.Popen(
            [sys.executable, "-m", "imbalance_core.compute.worker", address, "--nthreads", str(self.threads),
             "--nworkers", "1", "--no-nanny", "--no-dashboard", "--death-timeout", "30", "--name", "lab"],
            cwd=str(ROOT), env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _warm(self, stage: str) -> list:
        """Every worker imports TensorFlow and compiles the default setups (:mod:`.warmup`): the futures."""
        from .warmup import (
            prepare_kernel,  # sent to the workers by reference; it imports TensorFlow there
        )

        workers = list(self.client.scheduler_info()["workers"])
        return [self.client.submit(prepare_kernel, stage, workers=[w], pure=False, key=f"warm-up-{stage}-{w}")
                for w in workers]

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

    def launch(self, record: Record, on_finish: Finished, on_part: Part) -> None:
        from distributed import Variable

        data = self._data.get(record.data_key) if record.data_key else None
        Variable(f"{record.id}/progress", client=self.client).set(b"")  # set before reading: a read never waits
        Variable(f"{record.id}/stop", client=self.client).set(False)
        if record.members is not None:
            self._launch_room(record, data, on_finish, on_part)
            return
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

    def _launch_room(self, record: Record, data: Any, on_finish: Finished, on_part: Part) -> None:
        """A room as a task that trains its runs together and one task per run that evaluates it there (where the
        trained room stays): each session's result comes back as soon as its run is evaluated, and the web server
        draws the first while the worker evaluates the others."""
        trained = self.client.submit(train_room_on_worker, record.job, data, record.id,
                                     key=f"imbalance-lab-{record.id}", pure=False)
        parts = [self.client.submit(finish_room_run, record.job, trained, index, pure=False,
                                    key=f"imbalance-lab-{record.id}-{index}") for index in range(len(record.members))]
        record.task = parts
        left, lock = [len(parts)], threading.Lock()

        def done(index: int, f) -> None:
            try:
                outcome, error = f.result(), None
            except BaseException as exc:  # noqa: BLE001 - training failed or stopped: every run says so
                outcome, error = None, exc
            on_part(record, index, outcome, error)
            with lock:
                left[0] -= 1
                last = left[0] == 0
            if last:  # the trained room is released on the worker; a failure to train is the room's too
                failed = trained.exception() if trained.status == "error" else None
                record.task = None
                trained.release()
                on_finish(record, None, failed)

        for index, part in enumerate(parts):
            part.add_done_callback(functools.partial(done, index))

    def progress(self, record: Record) -> Progress | None:
        """The job's latest progress, read from the scheduler at most every :data:`PROGRESS_EVERY` seconds
        (a class's thirty sessions follow one room: one read serves them all)."""
        from distributed import Variable

        now = time.monotonic()
        with self._lock:
            seen = self._progress.get(record.id)
        if seen is not None and now - seen[0] < PROGRESS_EVERY:
            return seen[1]
        try:
            raw = Variable(f"{record.id}/progress", client=self.client).get(timeout=1)
        except Exception:  # noqa: BLE001 - the job just ended and its variables are gone
            return None
        progress = pickle.loads(raw) if raw else None
        with self._lock:
            self._progress[record.id] = (now, progress)
        return progress

    def request_stop(self, record: Record) -> None:
        from distributed import Variable

        Variable(f"{record.id}/stop", client=self.client).set(True)

    def forget(self, record: Record) -> None:
        """Drop the job's variables on the scheduler."""
        from distributed import Variable

        with self._lock:
            self._progress.pop(record.id, None)

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
        self._stop_processes()

    def _stop_processes(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        self._processes.clear()
