"""What the test modules share: a tiny network for fast runs, and reading the app under Streamlit's AppTest."""

from __future__ import annotations

import base64
import re
import threading
import time
from dataclasses import dataclass

import numpy as np
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

import pandas as pd

from imbalance_core import ExperimentConfig, NetworkConfig, Progress, dataset_from_table

TINY_NETWORK = NetworkConfig(hidden_layers=(8,), epochs=3, batch_size=64, learning_rate=0.02)
TIMEOUT = 180  # seconds an AppTest run may take: real (tiny) training on a busy 2-core machine


# names a stranger may write: Markdown links and images, HTML, Plotly's HTML subset, code and quotes
LINK = "[Session expired - sign in again](https://evil.example/login)"
IMAGE = "![x](https://evil.example/pixel.png)"
HTML = '<a href="https://evil.example/a">click</a><img src="https://evil.example/i.png">'
CODE = '"""; import os; os.system("touch pwned"); """ \\N{BULLET} \\x41 \'\'\''


def hostile_dataset():
    """A table whose file name, column names and class labels are all hostile (a rare class that can be learnt)."""
    rng = np.random.default_rng(3)
    n = 160
    frame = pd.DataFrame({
        f"{IMAGE} x": rng.normal(size=n),
        f"=HYPERLINK(\"https://evil.example\") {CODE}": rng.normal(size=n),
        "label": np.where(np.arange(n) % 8 == 0, HTML, f"@ok {LINK}"),
    })
    frame.iloc[::8, 0] += 2.0
    return dataset_from_table(frame, name=f"{LINK}{CODE}\n.csv")


def hostile_config() -> ExperimentConfig:
    return ExperimentConfig(strategy="smote", network=NetworkConfig(hidden_layers=(8,), epochs=3))


def tiny_config(strategy: str = "none", **kwargs) -> ExperimentConfig:
    kwargs.setdefault("network", TINY_NETWORK)
    return ExperimentConfig(strategy=strategy, **kwargs)


def app() -> AppTest:
    """The app as a new browser session opens it (through ``app.py``'s routing), run once."""
    return AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()


def lab_run(at: AppTest):
    """The lab's run object (``ui.lab_run.LabRun``), None before the lab first ran in this session."""
    return at.session_state["lab.run"] if "lab.run" in at.session_state else None


def lab_result(at: AppTest):
    """The lab's last finished result, or None."""
    run = lab_run(at)
    return None if run is None else run.result


def charts(at: AppTest):
    return at.get("plotly_chart")


def chart_keys(at: AppTest) -> set:
    return {getattr(chart, "key", None) for chart in charts(at)}


def plotly_values(array) -> list:
    """A Plotly JSON array: a list, or a typed array (base64 ``bdata`` of ``dtype``)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


# --------------------------------------------------------------------------- cheap jobs for the executor's queue

GATES: dict[str, threading.Event] = {}  # in-process jobs wait on these: a test opens a gate when it is ready


@dataclass(frozen=True)
class Echo:
    """A job that is done at once: its name is its result."""

    name: str

    def run(self, dataset, channel) -> str:
        return self.name


@dataclass(frozen=True)
class Hold:
    """A job that keeps its worker slot busy (it reports one progress first) until it is stopped, or until the gate
    of its name is opened (then its name is its result). No training: the queue's tests need only a busy slot."""

    name: str

    def run(self, dataset, channel) -> str:
        channel.report(Progress(0, 1, 1, []))
        gate = GATES.setdefault(self.name, threading.Event())
        while not gate.wait(0.01):
            if channel.should_stop():
                return self.name  # the executor marks a job stopped while it was cancelling as cancelled
        return self.name


def wait_running(handle, timeout: float = 120) -> None:
    """Until the job reports progress (it runs on a worker slot)."""
    deadline = time.monotonic() + timeout
    while handle.progress() is None:
        assert time.monotonic() < deadline, "the job never reported progress"
        assert not handle.done(), handle.result()
        time.sleep(0.01)


# --------------------------------------------------------------------------- outside text stays text

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")
_LABELLED_WIDGETS = ("selectbox", "multiselect", "slider", "number_input", "toggle", "radio", "button")


def _markdown_bodies(at: AppTest) -> list[str]:
    """Every piece of text the app hands to Streamlit's Markdown renderer: bodies and widget labels."""
    bodies = [element.value for kind in _TEXT_ELEMENTS for element in getattr(at, kind)]
    return bodies + [widget.label for kind in _LABELLED_WIDGETS for widget in getattr(at, kind)]


def assert_inert(at: AppTest) -> None:
    """No body renders a link or an image, nor text that GitHub-flavoured Markdown would turn into a link."""
    for body in _markdown_bodies(at):
        html = re.sub(r"<code>.*?</code>", "", _MARKDOWN.render(body), flags=re.S)  # code spans show text as is
        assert "<a " not in html and "<img" not in html, body
        assert not re.search(r"(?i)https?://|www\.|\w@\w", html), body
