"""What the test modules share: a tiny network for fast runs, and reading the app under Streamlit's AppTest."""

from __future__ import annotations

import base64

import numpy as np
from streamlit.testing.v1 import AppTest

from imbalance_core import ExperimentConfig, NetworkConfig

TINY_NETWORK = NetworkConfig(hidden_layers=(8,), epochs=3, batch_size=64, learning_rate=0.02)
TIMEOUT = 180  # seconds an AppTest run may take: real (tiny) training on a busy 2-core machine


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
