"""A room at once: several browsers training together on the served app's worker processes."""

import math
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from imbalance_core import METRIC_LABELS, ExperimentConfig, NetworkConfig, load_builtin, run_experiment

from .settle import metric_tiles, settle, watch

pytestmark = pytest.mark.browser

ROOM = ["none", "smote", "class_weight", "random_undersampling"]


def _shown(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def _workers(server) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children if b"imbalance_core.compute.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_four_sessions_train_at_once_and_each_equals_its_solo_run(browser, app_url):
    contexts, pages = [], []
    try:
        for strategy in ROOM:  # four people open four links at the same moment
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = watch(context.new_page())
            page.set_default_timeout(240_000)
            contexts.append(context)
            pages.append(page)
        for strategy, page in zip(ROOM, pages):
            page.goto(f"{app_url}/?{urlencode({'strategy': strategy, 'n.epochs': '30'})}", wait_until="commit")
        for page in pages:
            page.get_by_text(re.compile(r"Trained in \d")).first.wait_for()
        shown = [metric_tiles(page) for page in pages]
    finally:
        for context in contexts:
            context.close()
    moons = load_builtin("moons")
    for strategy, metrics in zip(ROOM, shown):
        solo = run_experiment(moons, ExperimentConfig(strategy=strategy, network=NetworkConfig(epochs=30)))
        expected = {METRIC_LABELS[name]: _shown(value) for name, value in solo.metrics.items()
                    if METRIC_LABELS.get(name) in metrics}
        assert {label: metrics[label] for label in expected} == expected, strategy


def test_stop_cancels_the_run_on_its_worker_and_the_server_never_imports_tensorflow(page, served):
    _, server = served
    workers = _workers(server)
    assert len(workers) >= 1
    query = {"data": "moons", "d.n_samples": "5000", "strategy": "none", "n.epochs": "1000", "n.batch_size": "4"}
    page.goto(page.url.split("?")[0] + "?" + urlencode(query))
    page.get_by_text("asks for a large run").wait_for()
    settle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"epoch \d+/1000")).first.wait_for()  # under way on a worker, drawn live
    busy = {pid: _cpu_ticks(pid) for pid in workers}
    time.sleep(1.0)
    assert any(_cpu_ticks(pid) - ticks > 50 for pid, ticks in busy.items())  # someone is training (>0.5 s CPU)
    stop = page.locator(".st-key-lab-stop button:visible")
    stop.click()
    stopped = time.monotonic()
    page.get_by_text("as asked").wait_for()
    expect(page.get_by_text(re.compile(r"Training stopped at epoch \d+ of 1000"))).to_be_visible()
    expect(stop).to_have_count(0)
    # the worker is idle again within a couple of seconds: under 0.2 s of CPU in one second
    while True:
        before = {pid: _cpu_ticks(pid) for pid in workers}
        time.sleep(1.0)
        if all(_cpu_ticks(pid) - ticks < 20 for pid, ticks in before.items()):
            break
        assert time.monotonic() - stopped < 10, "a worker kept training after Stop"
    assert time.monotonic() - stopped < 4
    # the web server trained nothing itself: TensorFlow lives in the workers only
    maps = Path(f"/proc/{server.pid}/maps").read_text()
    assert "libtensorflow" not in maps
    assert all("libtensorflow" in Path(f"/proc/{pid}/maps").read_text() for pid in workers)
