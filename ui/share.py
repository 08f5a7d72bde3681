"""A lab setup as a link (``st.query_params``) and back, and presets that open the lab ready to train.

A setup is a plain dict::

    {"data": {"source": "builtin", "key": "moons", "params": {...}}      # or
             {"source": "upload", "filename": ..., "target": ..., "positive": ..., "features": [...]},
     "strategy": "smote+focal_loss", "params": {...}, "network": {...},
     "seed": 0, "test_size": 0.25, "threshold": 0.5, "present": False}

In the URL every value is text: ``data``, ``d.<data set setting>``, ``file``, ``target``, ``positive``,
``features``, ``strategy``, ``s.<strategy setting>``, ``n.<network setting>``, ``seed``, ``test_size``,
``threshold``, ``present``.
"""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import urlencode

import streamlit as st

import imbalance_core as core

from .state import set_dataset_spec

# the lab's own settings besides the network (declared once: the lab's widgets and its links use them)
LAB_SEED = core.Param("seed", "int", 0, "Seed", "Same seed, data and settings give the same numbers.",
                      low=0, high=100_000, step=1)
LAB_TEST_SIZE = core.Param("test_size", "float", 0.25, "Test split", "Share of rows held out, untouched, for the "
                           "metrics.", low=0.1, high=0.5, step=0.05)
THRESHOLD = core.Param("threshold", "float", 0.5, "Threshold", "Decision threshold for the positive class.",
                       low=0.01, high=0.99, step=0.01)
UPLOAD = "upload"
ADOPTED = "share.adopted"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as exactly this number
    return str(value)


def _parse(param: core.Param, text: str) -> Any:
    if param.kind == "choice":
        for choice in param.choices:
            if str(choice) == text:
                return choice
        raise core.ConfigError(f"{param.name} must be one of {', '.join(map(str, param.choices))}; got {text!r}")
    return param.parse(text)


def to_query(setup: Mapping[str, Any]) -> dict[str, str]:
    """The setup as URL query parameters (text only)."""
    data = setup["data"]
    query: dict[str, str] = {}
    if data["source"] == "builtin":
        query["data"] = data["key"]
        query.update({f"d.{k}": _text(v) for k, v in data.get("params", {}).items()})
    else:
        query.update({"data": UPLOAD, "file": data["filename"], "target": data["target"]})
        if data.get("positive"):
            query["positive"] = data["positive"]
        if data.get("features") is not None:
            query["features"] = ",".join(data["features"])
    query["strategy"] = setup["strategy"]
    query.update({f"s.{k}": _text(v) for k, v in setup.get("params", {}).items()})
    query.update({f"n.{k}": _text(v) for k, v in setup.get("network", {}).items()})
    for name in ("seed", "test_size", "threshold"):
        if setup.get(name) is not None:
            query[name] = _text(setup[name])
    if setup.get("present"):
        query["present"] = "1"
    return query


def from_query(query: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """A setup from URL query parameters, and what was wrong with them (bad values are left out)."""
    value = {k: (v[-1] if isinstance(v, list) else str(v)) for k, v in query.items()}
    if "strategy" not in value and "data" not in value:
        return None, []
    problems: list[str] = []

    def parsed(params, prefix: str, owner: str) -> dict[str, Any]:
        out = {}
        for param in params:
            text = value.get(f"{prefix}{param.name}")
            if text is None:
                continue
            try:
                out[param.name] = _parse(param, text)
            except core.UserError as exc:
                problems.append(f"{owner}: {exc}")
        return out

    setup: dict[str, Any] = {}
    data_key = value.get("data", "moons")
    if data_key == UPLOAD:
        features = value.get("features")
        setup["data"] = {"source": UPLOAD, "filename": value.get("file", "your file"), "target": value.get("target"),
                         "positive": value.get("positive"), "features": features.split(",") if features else None}
    elif data_key in core.BUILTIN_DATASETS:
        builtin = core.BUILTIN_DATASETS[data_key]
        setup["data"] = {"source": "builtin", "key": data_key, "params": parsed(builtin.params, "d.", builtin.label)}
    else:
        problems.append(f"unknown data set {data_key!r}; using Moons")
        setup["data"] = {"source": "builtin", "key": "moons", "params": {}}
    try:
        strategy = core.get_strategy(value.get("strategy", "none"))
    except core.UserError as exc:
        problems.append(str(exc))
        strategy = core.get_strategy("none")
    setup["strategy"] = strategy.key
    setup["params"] = parsed(strategy.params, "s.", strategy.label)
    setup["network"] = parsed(core.NETWORK_PARAMS, "n.", "network")
    for param in (LAB_SEED, LAB_TEST_SIZE, THRESHOLD):
        setup[param.name] = parsed([param], "", param.name).get(param.name)
    setup["present"] = value.get("present") == "1"
    return setup, problems


def apply(setup: Mapping[str, Any], *, train: bool) -> None:
    """Put a setup into the lab's widgets (and the data set choice); optionally train on arrival.

    Settings the setup leaves out go back to their defaults, so a preset shows the same thing every time.
    """
    state = st.session_state
    data = setup["data"]
    if data["source"] == "builtin":
        builtin = core.BUILTIN_DATASETS[data["key"]]
        params = {p.name: data.get("params", {}).get(p.name, p.default) for p in builtin.params}
        set_dataset_spec({"source": "builtin", "key": data["key"], "params": params})
        state["data.source"] = "Built-in data set"
        state["data.builtin"] = data["key"]
        for name, val in params.items():
            state[f"data.{data['key']}.{name}"] = val
        state.pop("lab.expected_upload", None)
    else:
        state["lab.expected_upload"] = dict(data)
        current = state.get("dataset_spec", {})
        train = train and current.get("source") == UPLOAD and current.get("filename") == data["filename"]
    first, _, second = setup["strategy"].partition("+")
    state["lab.strategy"] = first
    state["lab.combine_with"] = second
    for param in core.get_strategy(setup["strategy"]).params:
        key = f"lab.{setup['strategy']}.{param.name}"
        if param.name in setup.get("params", {}):
            state[key] = setup["params"][param.name]
        else:
            state.pop(key, None)  # the widget fills in its (possibly data-dependent) default
    for param in core.NETWORK_PARAMS:
        state[f"lab.net.{param.name}"] = setup.get("network", {}).get(param.name, param.default)
    state["lab.seed"] = setup.get("seed") if setup.get("seed") is not None else LAB_SEED.default
    state["lab.test_size"] = setup.get("test_size") if setup.get("test_size") is not None else LAB_TEST_SIZE.default
    state["lab.view.threshold"] = setup.get("threshold") if setup.get("threshold") is not None else 0.5
    state["lab.present"] = bool(setup.get("present", False))
    state.pop("lab.result", None)
    state.pop("lab.result_setup", None)
    state["lab.autotrain"] = train


def adopt_query_params() -> None:
    """Once per browser session: if the URL carries a setup, load it into the lab and train it."""
    if st.session_state.get(ADOPTED):
        return
    st.session_state[ADOPTED] = True
    setup, problems = from_query(st.query_params.to_dict())
    if setup is None:
        return
    apply(setup, train=True)
    st.session_state["lab.link_problems"] = problems


def data_setup(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a setup that names the data, from the active data set spec (never the uploaded bytes)."""
    if spec["source"] == "builtin":
        return {"source": "builtin", "key": spec["key"], "params": dict(spec.get("params", {}))}
    return {"source": UPLOAD, "filename": spec["filename"], "target": spec["target"], "positive": spec.get("positive"),
            "features": list(spec["features"])}


def share_url(setup: Mapping[str, Any]) -> str:
    """The link that reopens this setup."""
    base = (st.context.url or "http://localhost:8501/").split("?")[0]  # no URL when run headless (AppTest)
    if base.rstrip("/").endswith("/lab"):  # the lab is the default page: its link is the app's root
        base = base.rstrip("/")[: -len("lab")]
    return f"{base}?{urlencode(to_query(setup))}"
