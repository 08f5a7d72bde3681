"""The executor: a fair queue in front of the engines, and training on a real Dask cluster.

The cluster is started as a user would start one (``dask scheduler`` and a ``dask worker`` process with a
thread per core on 127.0.0.1, this project importable by the worker); the app, the CLI and the core
send it jobs and must get the same numbers as in-process training.
"""

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from imbalance_core import run_experiment
from imbalance_core.compute.engines import Record
from imbalance_core.compute.executor import Busy, DaskEngine, Executor, InProcessEngine, reset_executor, wait_all
from imbalance_core.compute.jobs import Cancelled, RoomJob, TrainJob, attach, seed_jobs
from imbalance_core.runs.compare import compare_strategies
from imbalance_core.runs.evaluation import IMBALANCE_METRICS
from imbalance_core.training.network import NetworkConfig
from support.cluster import dask_cluster
from support.served import ROOT

from .helpers import GATES, Echo, Hold, lab_result, tiny_config, wait_running

MOONS_ARGS = ["--builtin", "moons", "--dataset-param", "n_samples=240", "--dataset-param", "imbalance_ratio=5",
              "--dataset-param", "seed=1", "--hidden", "8", "--epochs", "3", "--batch-size", "64",
              "--learning-rate", "0.02"]
SLOW = NetworkConfig(hidden_layers=(8,), epochs=1000, batch_size=4)  # minutes of work: only ever stopped


# --------------------------------------------------------------------------- the queue, in-process


def _executor(slots: int = 1, **kwargs) -> Executor:
    executor = Executor(InProcessEngine(slots=slots), **kwargs)
    executor.start()
    return executor


def test_first_come_first_served_with_places_in_the_queue():
    executor = _executor()
    first = executor.submit(Hold("a-first"), session="a")
    wait_running(first)
    second = executor.submit(Echo("b"), session="b")
    third = executor.submit(Echo("c"), session="c")
    assert (first.ahead(), second.ahead(), third.ahead()) == (None, 0, 1)
    first.cancel()
    with pytest.raises(Cancelled):
        first.result(timeout=60)
    assert (second.result(timeout=60), third.result(timeout=60)) == ("b", "c")
    executor.shutdown()


def test_a_session_runs_one_job_while_others_wait_and_queues_are_capped():
    executor = _executor(slots=2, per_session=2, in_all=3)
    a1 = executor.submit(Hold("a1"), session="a", kind="1")
    b1 = executor.submit(Hold("b1"), session="b", kind="1")
    wait_running(a1)
    wait_running(b1)
    a2 = executor.submit(Echo("a2"), session="a", kind="2")
    a3 = executor.submit(Echo("a3"), session="a", kind="3")
    with pytest.raises(Busy, match="already have 2 runs waiting"):
        executor.submit(Echo("a4"), session="a", kind="4")
    c1 = executor.submit(Echo("c1"), session="c")
    with pytest.raises(Busy, match="3 runs are waiting"):
        executor.submit(Echo("d1"), session="d")
    assert (a2.ahead(), a3.ahead(), c1.ahead()) == (0, 1, 2)
    # a new job of the same kind replaces the session's earlier one (a refused one replaces nothing)
    a3_again = executor.submit(Echo("a3 again"), session="a", kind="3")
    with pytest.raises(Cancelled):
        a3.result(timeout=10)
    assert a3_again.ahead() == 2  # at the back of the queue: c1 came first
    a1.cancel()
    b1.cancel()
    assert [h.result(timeout=60) for h in (a2, c1, a3_again)] == ["a2", "c1", "a3 again"]
    executor.shutdown()


def test_results_can_be_taken_in_submission_order_whatever_finishes_first():
    executor = _executor(slots=2)
    handles = [executor.submit(Hold("slow"), session="a", kind="0"), executor.submit(Echo("quick"), session="a",
                                                                                      kind="1")]
    finished, delivered = [], []

    def tick(pending) -> None:
        finished.extend(i for i, h in enumerate(handles) if h.done() and i not in finished)
        if finished == [1]:
            GATES.setdefault("slow", threading.Event()).set()  # the quick one is done: let the slow one finish

    try:
        wait_all(handles, on_done=lambda i, result: delivered.append((i, result)), in_order=True, on_tick=tick)
    finally:
        GATES.pop("slow", None)
    assert finished[0] == 1  # the quick one finished first...
    assert delivered == [(0, "slow"), (1, "quick")]  # ...and was handed over after the slow one
    executor.shutdown()


def test_a_class_waiting_at_once_trains_as_one_room_and_each_gets_its_solo_numbers(moons):
    """Runs of different sessions that wait together on the same data, split, seed and network leave as one room;
    each result equals the run alone; one that is stopped, or whose settings cannot be used, leaves the others be."""
    executor = _executor(slots=1)
    executor.put_data("moons", moons, session="room")
    busy = executor.submit(Hold("room-busy"), session="teacher")
    wait_running(busy)
    configs = [tiny_config("smote", params={"k_neighbors": k}) for k in (3, 4, 5)] + [tiny_config("class_weight"),
                                                                                      tiny_config("none")]
    handles = [executor.submit(TrainJob(c), session=f"student-{i}", data_key="moons") for i, c in enumerate(configs)]
    stopped = executor.submit(TrainJob(tiny_config("random_oversampling")), session="quits", data_key="moons")
    broken = executor.submit(TrainJob(tiny_config("smote", params={"k_neighbors": 500})), session="bad",
                             data_key="moons")
    other_net = executor.submit(TrainJob(replace(tiny_config("none"), seed=9)), session="alone", data_key="moons")
    GATES["room-busy"].set()
    busy.result(timeout=60)
    deadline = time.monotonic() + 60
    while handles[0]._record.group is None and time.monotonic() < deadline:  # the slot is free: the room leaves
        time.sleep(0.01)
    room = handles[0]._record.group
    assert room is not None and [m.session for m in room.members] == [
        "student-0", "student-1", "student-2", "student-3", "student-4", "quits", "bad"]
    assert other_net._record.group is None and other_net.ahead() == 0  # another seed: not in this room
    stopped.cancel()  # (it may have finished already: tiny runs are quick)
    if stopped._record.state == "cancelled":
        with pytest.raises(Cancelled):
            stopped.result(timeout=60)
    for config, handle in zip(configs, handles):
        together = attach(handle.result(timeout=300), moons)
        alone = run_experiment(moons, config)
        assert together.metrics == alone.metrics, config.strategy
        np.testing.assert_array_equal(together.proba_test, alone.proba_test)
    with pytest.raises(Exception, match="k_neighbors|neighbo"):
        broken.result(timeout=300)
    assert other_net.result(timeout=300).config.seed == 9
    assert not executor._riding and not executor._running
    executor.shutdown()


def test_a_room_trains_on_while_one_of_its_runs_is_stopped_and_ends_when_all_are(moons):
    executor = _executor(slots=1)
    executor.put_data("moons", moons, session="room")
    busy = executor.submit(Hold("room-slow"), session="teacher")
    wait_running(busy)
    first, second = (executor.submit(TrainJob(tiny_config(s, network=SLOW)), session=s, data_key="moons")
                     for s in ("none", "smote"))
    GATES["room-slow"].set()
    wait_running(first)
    room = first._record.group
    assert room is not None and room.members == [first._record, second._record]
    assert second.progress() is not None and second.progress().n_members == 1
    first.cancel()
    with pytest.raises(Cancelled):
        first.result(timeout=60)
    assert room.state == "running" and not second.done()  # the other run goes on
    second.cancel()
    with pytest.raises(Cancelled):
        second.result(timeout=60)
    assert room.state in ("cancelling", "cancelled")
    deadline = time.monotonic() + 120
    while room.state != "cancelled" and time.monotonic() < deadline:  # stopped on its worker between compiled calls
        time.sleep(0.05)
    assert room.state == "cancelled" and not executor._running, time.monotonic() - deadline
    executor.shutdown()


def test_a_room_hands_each_run_over_as_soon_as_it_is_evaluated(moons):
    """A class's room trains its runs together, then each student's result goes to the executor when that run is
    evaluated, not when the last one is: the web server draws the first while the worker evaluates the rest."""
    gate = GATES.setdefault("room-part", threading.Event())

    @dataclass(frozen=True)
    class GatedRoom(RoomJob):
        def finish(self, trained, index):
            if index > 0:  # the second run is evaluated only once the first has been handed over
                assert gate.wait(120)
            return super().finish(trained, index)

    configs = tuple(tiny_config("smote", params={"k_neighbors": k}) for k in (3, 4, 5))
    riders = [Record(id=f"run-{i}", job=TrainJob(c), session=f"student-{i}", data_key="moons", kind="lab")
              for i, c in enumerate(configs)]
    room = Record(id="room", job=GatedRoom(configs), session="", data_key="moons", kind="room", members=riders)
    engine = InProcessEngine()
    engine.put_data("moons", moons)
    parts, first, ended = [], threading.Event(), threading.Event()

    def on_part(record, index, outcome, error):
        parts.append((index, outcome, error))
        first.set()

    engine.launch(room, lambda record, outcome, error: ended.set(), on_part)
    assert first.wait(300) and not ended.is_set()
    assert [index for index, _, _ in parts] == [0]  # handed over while the others wait to be evaluated
    gate.set()
    assert ended.wait(300)
    assert [index for index, _, _ in parts] == [0, 1, 2]
    for (index, outcome, error), config in zip(parts, configs):
        assert error is None
        np.testing.assert_array_equal(attach(outcome, moons).proba_test, run_experiment(moons, config).proba_test)


def test_a_run_waits_for_others_of_its_class_only_while_they_keep_arriving():
    """The gathering rule: a run that could ride with other sessions' runs (same data, split, seed and network)
    waits while such runs keep arriving (the last less than GATHER_QUIET ago), never longer than GATHER_MAX; a
    run with nothing like it queued or training, or only its own session's, leaves at once."""
    from imbalance_core.compute.executor import GATHER_MAX, GATHER_QUIET

    executor = Executor(InProcessEngine(slots=2))  # not started: the rule alone, on records placed by hand

    def run(session: str, at: float, seed: int = 0) -> Record:
        config = tiny_config("smote") if seed == 0 else replace(tiny_config("smote"), seed=seed)
        return Record(id=session, job=TrainJob(config), session=session, data_key="moons", kind="lab", submitted=at)

    alone = run("a", 100.0)
    executor._queue = [alone]
    assert executor._gathering(alone, 100.0) == 0  # nothing like it: it leaves at once
    executor._queue = [alone, run("a", 100.01), run("b", 100.01, seed=9), Record(
        id="hold", job=Hold("x"), session="c", data_key="moons", kind="Hold", submitted=100.01)]
    assert executor._gathering(alone, 100.02) == 0  # its own session's, another seed's, another kind's: not alike
    executor._running = [run("b", 99.0)]  # another student's run like it trains: the class is arriving
    assert executor._gathering(alone, 100.0) == pytest.approx(GATHER_QUIET)
    executor._queue.append(run("c", 100.05))
    assert executor._gathering(alone, 100.06) == pytest.approx(GATHER_QUIET - 0.01)  # waits on for the newcomer
    executor._queue.append(run("d", 100.0 + GATHER_MAX - 0.01))
    assert executor._gathering(alone, 100.0 + GATHER_MAX - 0.01) == pytest.approx(0.01)  # never past GATHER_MAX
    assert executor._gathering(alone, 100.0 + GATHER_MAX + 0.5) == 0


def test_a_new_run_of_the_same_kind_stops_the_running_one():
    executor = _executor()
    running = executor.submit(Hold("old"), session="a", kind="lab")
    wait_running(running)
    newer = executor.submit(Echo("new"), session="a", kind="lab")
    with pytest.raises(Cancelled):
        running.result(timeout=30)
    assert newer.result(timeout=60) == "new"
    executor.shutdown()


def test_a_closed_session_is_cancelled_and_its_data_released(moons):
    alive = {"a": True}
    executor = _executor(is_alive=lambda session: alive.get(session, True))
    executor.put_data("moons", moons, session="a")
    handle = executor.submit(Hold("a"), session="a", data_key="moons")
    wait_running(handle)
    assert executor.engine._data == {"moons": moons}  # sent to the engine when its first job started
    alive["a"] = False
    with pytest.raises(Cancelled):
        handle.result(timeout=30)
    deadline = time.monotonic() + 10
    while executor.engine._data and time.monotonic() < deadline:
        time.sleep(0.1)
    assert executor.engine._data == {} and executor._datasets == {}
    executor.shutdown()


# --------------------------------------------------------------------------- a real Dask cluster


@pytest.fixture(scope="module")
def cluster():
    """``dask scheduler`` and a ``dask worker`` with two threads on 127.0.0.1, as the README starts them."""
    with dask_cluster(workers=1, threads=2) as started:
        yield started


@pytest.fixture
def on_cluster(cluster, monkeypatch):
    """This process's executor pointed at the cluster through Dask's own setting (as the app and CLI read it)."""
    address, client = cluster
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    reset_executor()
    yield address, client
    reset_executor()


def _cluster_executor(address: str) -> Executor:
    engine = DaskEngine(address=address)
    executor = Executor(engine)
    executor.start()
    assert engine.ready.wait(60) and engine.failed is None, engine.failed
    return executor


def test_the_embedded_pool_starts_its_worker_ahead_and_recovers_a_port_taken_meanwhile(moons):
    """The web server spawns the worker when the first page starts, on the port the scheduler opens once the page is
    drawn; if something took that port meanwhile, the scheduler opens another and a worker is started for it."""
    import socket

    engine = DaskEngine()
    executor = Executor(engine)
    executor.spawn()
    early = list(engine._processes)
    assert len(early) == 1 and early[0].poll() is None
    executor.spawn()
    assert engine._processes == early  # once
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", engine._port))
        squatter.listen()
        executor.start()
        assert engine.ready.wait(300) and engine.failed is None, engine.failed
    assert early[0].wait(60) is not None and len(engine._processes) == 1 and engine._processes[0] is not early[0]
    executor.put_data("moons", moons, session="test")
    result = attach(executor.submit(TrainJob(tiny_config("none"), views=False), session="test", data_key="moons")
                    .result(timeout=300), moons)
    assert result.metrics == run_experiment(moons, tiny_config("none")).metrics
    executor.shutdown()


def test_a_comparison_on_the_cluster_equals_in_process_and_the_cli(cluster, moons):
    address, client = cluster
    strategies = ["none", "smote", "ensemble"]
    local = compare_strategies(moons, strategies, tiny_config(), repeats=2)

    executor = _cluster_executor(address)
    executor.put_data("moons", moons, session="test")
    handles = [executor.submit(job, session="test", data_key="moons", kind=f"seed-{i}")
               for i, job in enumerate(seed_jobs(strategies, tiny_config(), 2, views=False))]
    remote = [attach(handle.result(timeout=300), moons) for handle in handles]
    for r, results in enumerate(remote):
        for key, result in zip(strategies, results):
            assert result.dataset is moons
            for name in IMBALANCE_METRICS:
                np.testing.assert_allclose(result.metrics[name], local.scores[key][r][name], atol=1e-6, equal_nan=True)
    # the worker trained: it imported TensorFlow (this test process did too, for the local run)
    assert all(client.run(lambda: "tensorflow" in sys.modules).values())
    executor.shutdown()

    cli = subprocess.run([sys.executable, "-m", "imbalance_core", "compare", *MOONS_ARGS, "--strategies",
                          ",".join(strategies), "--seeds", "2", "--json"],
                         cwd=ROOT, env=dict(os.environ, DASK_SCHEDULER_ADDRESS=address, TF_CPP_MIN_LOG_LEVEL="2"),
                         capture_output=True, text=True, timeout=600)
    assert cli.returncode == 0, cli.stderr
    board = json.loads(cli.stdout)["strategies"]
    assert "2/2 seeds" in cli.stderr  # the progress bar
    for key in strategies:
        for name in IMBALANCE_METRICS:
            mean = np.mean([run[name] for run in local.scores[key]])
            assert board[key]["metrics"][name]["mean"] == pytest.approx(mean, abs=2e-6), (key, name)


def test_the_lab_trains_through_the_cluster_with_the_in_process_numbers(on_cluster):
    from imbalance_core import ExperimentConfig, load_builtin

    at = AppTest.from_file("../app.py", default_timeout=300).run()
    at.selectbox(key="lab.strategy").set_value("smote").run()
    at.number_input(key="lab.net.epochs").set_value(5)
    at.button(key="lab.train").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = lab_result(at)
    network = NetworkConfig(epochs=5)
    alone = run_experiment(load_builtin("moons"), ExperimentConfig(strategy="smote", network=network))
    np.testing.assert_allclose(shown.proba_test, alone.proba_test, atol=1e-6)
    assert {m.label: m.value for m in at.metric}["MCC"] == f"{alone.metrics['mcc']:.3f}"
    assert shown.boundary is not None and shown.dataset is not None  # drawn on the worker, data re-attached here


def test_stop_cancels_the_job_on_its_worker(cluster, moons):
    address, client = cluster
    executor = _cluster_executor(address)
    executor.put_data("moons", moons, session="test")
    handle = executor.submit(TrainJob(tiny_config(network=SLOW), views=False), session="test", data_key="moons")
    wait_running(handle, timeout=300)
    stopped_at = time.monotonic()
    handle.cancel()
    with pytest.raises(Cancelled):
        handle.result(timeout=30)
    while any(client.processing().values()):  # the worker is idle again, minutes of training short
        assert time.monotonic() - stopped_at < 60, client.processing()
        time.sleep(0.05)
    executor.shutdown()


def test_the_cli_trains_on_the_cluster_with_the_in_process_numbers(cluster, moons, capsys):
    address, _ = cluster
    env = dict(os.environ, DASK_SCHEDULER_ADDRESS=address, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-m", "imbalance_core", "train", *MOONS_ARGS, "--strategy", "focal_loss",
                           "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    alone = run_experiment(moons, tiny_config("focal_loss"))
    for name, value in json.loads(done.stdout)["metrics"].items():
        assert value == pytest.approx(alone.metrics[name], abs=2e-6, nan_ok=True) or (
            value is None and np.isnan(alone.metrics[name]))


def test_a_sweep_on_the_cluster_writes_one_row_per_data_set_strategy_and_seed(cluster, tmp_path, moons):
    address, _ = cluster
    table = tmp_path / "tiny.csv"
    moons_frame = moons.features.assign(label=np.asarray(moons.classes)[moons.y])
    moons_frame.to_csv(table, index=False)
    out = tmp_path / "scores.csv"
    done = subprocess.run([sys.executable, "-m", "imbalance_core", "sweep", "--data", str(table), "--builtin", "article",
                           "--strategies", "none,smote", "--seeds", "2", "--hidden", "8", "--epochs", "3",
                           "--out", str(out)], cwd=ROOT,
                          env=dict(os.environ, DASK_SCHEDULER_ADDRESS=address, TF_CPP_MIN_LOG_LEVEL="2"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    import pandas as pd

    scores = pd.read_csv(out)
    assert len(scores) == 2 * 2 * 2
    assert set(scores["strategy"]) == {"none", "smote"} and set(scores["seed"]) == {0, 1}
    assert set(scores.columns) >= {"data", "strategy", "seed", *IMBALANCE_METRICS}
    assert "4/4 seeds" in done.stderr


def test_threads_never_see_a_half_built_executor(monkeypatch):
    """get_executor from many threads at once: one executor."""
    from imbalance_core.compute.executor import get_executor

    monkeypatch.setenv("IMBALANCE_LAB_ENGINE", "inprocess")
    reset_executor()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(get_executor())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(e) for e in seen}) == 1
    reset_executor()
