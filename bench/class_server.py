"""A class at the server: N students open one lesson's student link at the same moment, as Streamlit clients
that speak its websocket protocol (``/_stcore/stream``: a ``BackMsg.rerun_script`` carrying the link's query
string) and draw nothing. What is timed is the web server's and the training workers' work, not browsers'.

For each room size (8, then 30): the first and the last result (the session's "On the class board as" message)
as ratios to a solo run measured just before on the same server (goal: 30 at once, last <= 10x solo), and that
every student's run reached the board with the solo run's numbers. Then 20 students on two web servers sharing one
Dask cluster and one database, PostgreSQL and then one SQLite file (students alternate between the servers). The CPU seconds of the web servers and
of the workers are printed for each room.

The lesson: Moons at imbalance ratio 10, SMOTE, the lab's default network (60 epochs); students differ by the
strategy setting k (3..7), so their runs differ and every number can be checked against its solo run.

    python bench/class_server.py [--sessions 8 30] [--skip-two]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from support.cluster import dask_cluster  # noqa: E402
from support.postgres import postgres_server  # noqa: E402
from support.processes import cpu_seconds, idle, tree  # noqa: E402
from support.served import serve, stop  # noqa: E402

KEPT = b"On the class board as"
REFUSED = b"not on the class board"
TIMEOUT = 600.0


def student(url: str, query: str, started: threading.Event, out: dict, key: int) -> None:
    """One session: connect, ask for the lab with the link's query, wait for the run to be on the board."""
    try:
        with connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                     max_size=None, open_timeout=120) as socket:
            message = BackMsg()
            message.rerun_script.query_string = query
            message.rerun_script.page_script_hash = ""
            started.wait()
            begin = time.monotonic()
            socket.send(message.SerializeToString())
            said: list[str] = []  # what the page said (alerts), for a run that ends without reaching the board
            while True:
                data = socket.recv(timeout=TIMEOUT)
                if REFUSED in data:
                    out[key] = ("refused", time.monotonic() - begin)
                    return
                if KEPT in data:
                    out[key] = ("kept", time.monotonic() - begin)
                    return
                message = ForwardMsg.FromString(data)
                kind = message.WhichOneof("type")
                if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                    element = message.delta.new_element
                    if element.WhichOneof("type") == "alert":
                        said.append(element.alert.body[:200])
                    elif element.WhichOneof("type") == "exception":
                        said.append(f"{element.exception.type}: {element.exception.message[:200]}")
                elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    out[key] = (f"finished without reaching the board: {said[-3:]}", time.monotonic() - begin)
                    return
    except Exception as exc:  # noqa: BLE001 - reported, the room goes on
        out[key] = (f"error: {type(exc).__name__}: {exc}", float("nan"))


def room(urls: list[str], lesson_id: str, n: int, offset: int) -> list[tuple[str, float]]:
    """``n`` sessions open the link at once (round-robin over ``urls``); their outcomes in order."""
    started, out = threading.Event(), {}
    threads = []
    for i in range(n):
        query = urlencode({"lesson": lesson_id, "strategy": "smote", "s.k_neighbors": str(3 + (offset + i) % 5)})
        threads.append(threading.Thread(target=student, args=(urls[i % len(urls)], query, started, out, i)))
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # every socket open before anyone asks
    started.set()
    for thread in threads:
        thread.join()
    return [out[i] for i in range(n)]


PROFILE: Path | None = None  # --profile DIR: py-spy's collapsed stacks of the last room, per process


def profile(pids: list[int], n: int) -> list[subprocess.Popen]:
    """py-spy recording every web server (the thread holding the GIL) and worker process (``py-spy record --format
    raw``) until stopped."""
    PROFILE.mkdir(parents=True, exist_ok=True)
    spies = []
    for server in pids:
        for i, pid in enumerate(tree(server)):
            role = "server" if i == 0 else f"worker{i}"
            gil = ["--gil"] if role == "server" else []  # the web server's threads take turns: what holds the GIL
            spies.append(subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                                           "--output", str(PROFILE / f"{n}-{server}-{role}.txt"), "--nonblocking",
                                           *gil],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1.0)  # attached before the room starts
    return spies


def lesson_create(url: str) -> str:
    """The lesson, made as a teacher makes one with the CLI (``lesson create``) on database ``url``; its id."""
    done = subprocess.run([sys.executable, "-m", "imbalance_core", "lesson", "create", "--builtin", "moons",
                           "--dataset-param", "imbalance_ratio=10", "--strategies", "smote", "--question", "Which k?",
                           "--json"], capture_output=True, text=True, check=True, cwd=ROOT,
                          env={**os.environ, "IMBALANCE_LAB_DATABASE_URL": url})
    return json.loads(done.stdout)["id"]


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """CPU seconds so far of the web servers themselves, and of their child processes (the worker pools)."""
    servers = sum(cpu_seconds(p) for p in pids)
    children = sum(cpu_seconds(c) for p in pids for c in tree(p)[1:])
    return servers, children


def check(store, lesson_id: str, expected: dict[int, float], n_before: int) -> tuple[int, int]:
    """The board's runs since ``n_before``: how many, and how many differ from the solo number for their k."""
    runs = store.runs(lesson_id, include_hidden=True)
    new = runs[: len(runs) - n_before]
    wrong = sum(abs(r.metric("pr_auc") - expected[int(r.setup["s.k_neighbors"])]) > 1e-9 for r in new)
    return len(new), wrong


def solo_numbers() -> dict[int, float]:
    """PR AUC of each student's setup, trained alone in this process (the CLI's numbers)."""
    from imbalance_core import ExperimentConfig, load_builtin, run_experiment

    data = load_builtin("moons", imbalance_ratio=10)
    return {k: run_experiment(data, ExperimentConfig(strategy="smote", params={"k_neighbors": k})).metrics["pr_auc"]
            for k in range(3, 8)}


def measure(name: str, urls: list[str], pids: list[int], store, lesson_id: str, sizes: list[int],
            expected: dict[int, float]) -> None:
    print(f"\n== {name}")
    room(urls, lesson_id, 1, 0)  # warm: the workers compile the setup
    idle(pids)  # the workers' background warm-up (a class's room shapes) is done: solo and rooms on a quiet machine
    solo = statistics.median(room(urls[:1], lesson_id, 1, i)[0][1] for i in range(3))
    print(f"solo run (median of 3): {solo:.2f} s")
    for n in sizes:
        idle(pids)
        before = len(store.runs(lesson_id, include_hidden=True))
        cpu_before = cpu_split(pids)
        spies = profile(pids, n) if PROFILE and n == sizes[-1] else []
        begin = time.monotonic()
        outcomes = room(urls, lesson_id, n, 0)
        wall = time.monotonic() - begin
        for spy in spies:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        server_cpu, worker_cpu = (after - before for after, before in zip(cpu_split(pids), cpu_before))
        times = sorted(t for kind, t in outcomes if kind == "kept")
        bad = [kind for kind, _ in outcomes if kind != "kept"]
        stored, wrong = check(store, lesson_id, expected, before)
        print(f"{n:>3} at once: first {times[0]:.2f} s ({times[0] / solo:.1f}x solo), last {times[-1]:.2f} s "
              f"({times[-1] / solo:.1f}x solo; goal for 30: <= 10x); {stored}/{n} on the board, {wrong} numbers "
              f"differing from solo, {len(bad)} failed {sorted(set(bad))[:2]}; room {wall:.1f} s wall, "
              f"CPU s: web servers {server_cpu:.1f}, their workers {worker_cpu:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[8, 30])
    parser.add_argument("--skip-two", action="store_true", help="one server only")
    parser.add_argument("--two-sessions", type=int, nargs="+", default=[20], help="room sizes on two servers")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy stacks of the last room, per process")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    from imbalance_core.lessons.store import Store

    expected = solo_numbers()
    env = {k: v for k, v in os.environ.items() if k not in ("IMBALANCE_LAB_ENGINE", "DASK_SCHEDULER_ADDRESS")}
    with postgres_server() as database:
        store = Store(database)
        lesson_id = lesson_create(database)
        process, url = serve(env_replace={**env, "IMBALANCE_LAB_DATABASE_URL": database})
        try:
            measure("one web server, its embedded worker pool", [url], [process.pid], store, lesson_id,
                    args.sessions, expected)
        finally:
            stop(process)
        if args.skip_two:
            return
        store.engine.dispose()
        with dask_cluster(workers=1, threads=2) as (address, client):
            sqlite = f"sqlite:///{tempfile.mkdtemp(prefix='imbalance-lab-bench-')}/lessons.sqlite3"
            for name, url in (("PostgreSQL", database), ("one SQLite file", sqlite)):
                store = Store(url)
                lesson_id = lesson_create(url)
                shared = {**env, "IMBALANCE_LAB_DATABASE_URL": url, "DASK_SCHEDULER_ADDRESS": address}
                servers = [serve(env_replace=shared) for _ in range(2)]
                try:
                    measure(f"two web servers, {name}, one Dask cluster (1 worker, 2 threads)",
                            [u for _, u in servers], [s.pid for s, _ in servers], store, lesson_id,
                            args.two_sessions, expected)
                finally:
                    for server, _ in servers:
                        stop(server)
                    store.engine.dispose()
            print("(the Dask worker's CPU is not in the servers' process trees: 'their workers' reads 0 there)")


if __name__ == "__main__":
    main()
