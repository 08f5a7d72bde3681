"""A lab setup as a link (``st.query_params``) and back, and presets that open the lab ready to train.

A setup is a plain dict::

    {"data": {"source": "builtin", "key": "moons", "params": {...}}      # or
             {"source": "upload", "filename": ..., "target": ..., "positive": ..., "features": [...]},
     "strategy": "smote+focal_loss", "params": {...}, "network": {...},
     "seed": 0, "test_size": 0.25, "threshold": 0.5, "present": False}

In the URL every value is text: ``data``, ``d.<data set setting>``, ``file``, ``target``, ``positive``,
``feature`` (repeated, one per feature column), ``strategy``, ``s.<strategy setting>``,
``n.<network setting>``, ``seed``, ``test_size``, ``threshold``, ``present``.

A link is written by a stranger: every value is parsed against its declaration (numbers finite and in
range, names bounded in length, the strategy parsed, not evaluated); what cannot be used is reported
back with the value quoted and left at its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Mapping
from urllib.parse import urlencode

import streamlit as st

import imbalance_core as core
from imbalance_core.compare import FIRST_SEED, REPEATS
from imbalance_core.datasets import MAX_COLUMNS
from imbalance_core.text import MAX_NAME_CHARS, shorten

from .state import set_dataset_spec

if TYPE_CHECKING:
    from imbalance_core.jobs import TrainJob

UPLOAD = "upload"
ADOPTED = "share.adopted"
MAX_FILENAME_CHARS = 255  # the longest file name common file systems allow
FEATURE = "feature"


@dataclass(frozen=True)
class LinkProblem:
    """A part of a link that could not be used: which key, the value it held (bounded), and why."""

    key: str
    value: str
    reason: str


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
        raise core.ConfigError(f"{param.name} must be one of {', '.join(map(str, param.choices))}")
    return param.parse(text)


def _data_query(data: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The data choice as URL query parameters: a built-in and its settings, or an uploaded file's name and columns."""
    query: dict[str, str | list[str]] = {}
    if data["source"] == "builtin":
        query["data"] = data["key"]
        query.update({f"d.{k}": _text(v) for k, v in data.get("params", {}).items()})
    else:
        query.update({"data": UPLOAD, "file": data["filename"], "target": data["target"]})
        if data.get("positive"):
            query["positive"] = data["positive"]
        if data.get("features") is not None:
            query[FEATURE] = [str(f) for f in data["features"]]
    return query


def to_query(setup: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The setup as URL query parameters (text; the feature columns as a repeated ``feature`` key)."""
    query = _data_query(setup["data"])
    query["strategy"] = setup["strategy"]
    query.update({f"s.{k}": _text(v) for k, v in setup.get("params", {}).items()})
    query.update({f"n.{k}": _text(v) for k, v in setup.get("network", {}).items()})
    for name in ("seed", "test_size", "threshold"):
        if setup.get(name) is not None:
            query[name] = _text(setup[name])
    if setup.get("present"):
        query["present"] = "1"
    return query


def from_query(query: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[LinkProblem]]:
    """A setup from URL query parameters, and what was wrong with them (bad values are left out).

    ``query`` maps each key to its text, or to a list of texts for a repeated key.
    """
    def values(key: str) -> list[str]:
        raw = query.get(key)
        if raw is None:
            return []
        return [str(v) for v in raw] if isinstance(raw, (list, tuple)) else [str(raw)]

    value = {k: values(k)[-1] for k in query if values(k)}
    if "strategy" not in value and "data" not in value:
        return None, []
    problems: list[LinkProblem] = []

    def problem(key: str, reason: str) -> None:
        problems.append(LinkProblem(key, shorten(value.get(key, ""), 80), reason))

    def name(key: str, limit: int) -> str | None:
        text = value.get(key)
        if text is not None and len(text) > limit:
            problem(key, f"{key} has at most {limit} characters; this one has {len(text):,}")
            return None
        return text

    def parsed(params, prefix: str, owner: str) -> dict[str, Any]:
        out = {}
        for param in params:
            key = f"{prefix}{param.name}"
            if key not in value:
                continue
            try:
                out[param.name] = _parse(param, value[key])
            except core.UserError as exc:
                problem(key, f"{owner}: {exc}")
        return out

    setup: dict[str, Any] = {}
    data_key = value.get("data", "moons")
    if data_key == UPLOAD:
        features = values(FEATURE) or (value["features"].split(",") if "features" in value else [])
        if len(features) > MAX_COLUMNS or any(len(f) > MAX_NAME_CHARS for f in features):
            problem(FEATURE, f"at most {MAX_COLUMNS} feature columns of at most {MAX_NAME_CHARS} characters each")
            features = []
        target, positive = name("target", MAX_NAME_CHARS), name("positive", MAX_NAME_CHARS)
        setup["data"] = {"source": UPLOAD, "filename": name("file", MAX_FILENAME_CHARS) or "your file",
                         "target": target, "positive": positive, "features": features or None}
    elif data_key in core.BUILTIN_DATASETS:
        builtin = core.BUILTIN_DATASETS[data_key]
        setup["data"] = {"source": "builtin", "key": data_key, "params": parsed(builtin.params, "d.", builtin.label)}
    else:
        problem("data", f"no built-in data set has this name; using Moons (choose one of: "
                        f"{', '.join(core.BUILTIN_DATASETS)})")
        setup["data"] = {"source": "builtin", "key": "moons", "params": {}}
    try:
        strategy = core.get_strategy(value.get("strategy", "none"))
    except core.UserError as exc:
        problem("strategy", str(exc))
        strategy = core.get_strategy("none")
    setup["strategy"] = strategy.key
    setup["params"] = parsed(strategy.params, "s.", strategy.label)
    setup["network"] = parsed(core.NETWORK_PARAMS, "n.", "network")
    for param in (core.SEED, core.TEST_SIZE, core.THRESHOLD):  # declared once: widgets, links and the CLI
        setup[param.name] = parsed([param], "", param.name).get(param.name)
    setup["present"] = value.get("present") == "1"
    return setup, problems


def apply(setup: Mapping[str, Any], *, train: bool) -> None:
    """Put a setup into the lab's widgets (and the data set choice); optionally train on arrival.

    Settings the setup leaves out go back to their defaults, so a preset shows the same thing every time.
    """
    state = st.session_state
    data = setup["data"]
    apply_data(data)
    if data["source"] != "builtin":
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
    _batch_from(setup.get("network", {}), "lab")
    run_settings = (("lab.seed", core.SEED), ("lab.test_size", core.TEST_SIZE), ("lab.view.threshold", core.THRESHOLD))
    for name, param in run_settings:
        state[name] = setup.get(param.name) if setup.get(param.name) is not None else param.default
    state["lab.present"] = bool(setup.get("present", False))
    state.pop("lab.result", None)
    state.pop("lab.result_setup", None)
    state.pop("lab.result_spec", None)
    state["lab.autotrain"] = train


LINK_PROBLEMS = "share.link_problems"
MAX_LINK_STRATEGIES = 40  # more than every single strategy and combination a compare can list


def adopt_query_params(page: str = "") -> None:
    """Once per browser session: load what the URL carries into the page it opens.

    The lab (``page`` "" or "lab") takes a whole setup and trains it; the other pages take the data
    choice and their own settings (:func:`page_query`), and run nothing by themselves.
    """
    if st.session_state.get(ADOPTED):
        return
    st.session_state[ADOPTED] = True
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    setup, problems = from_query(query)
    if setup is None:
        return
    if page in ("", "lab"):
        apply(setup, train=True)
    else:
        apply_data(setup["data"])
        problems = [p for p in problems if p.key == "data" or p.key.startswith("d.") or p.key in (FEATURE, "file",
                                                                                                   "target", "positive")]
        problems += _apply_page_settings(page, query, setup)
    st.session_state[LINK_PROBLEMS] = problems


def _batch_from(network: Mapping[str, Any], page: str) -> None:
    """A link's batch size is kept as given; without one, the page's default for the data applies
    (``ui.widgets.follow_default``)."""
    key = f"{page}.net.batch_size"
    if "batch_size" in network:
        st.session_state[f"{key}.default"] = None  # not a default: the link's own value, kept whatever the data
    else:
        st.session_state.pop(key, None)
        st.session_state.pop(f"{key}.default", None)


def show_link_problems() -> None:
    """What part of the link that opened this page could not be used (shown once)."""
    from .text import md_code, md_escape

    for problem in st.session_state.pop(LINK_PROBLEMS, []):
        quoted = f"{md_code(problem.key)} = {md_code(problem.value)} ({md_escape(problem.reason)})"
        st.warning(f"Part of the link could not be used and was left at its default: {quoted}",
                   icon=":material/link_off:")


def apply_data(data: Mapping[str, Any]) -> None:
    """Make a link's data choice the active one (an uploaded file is asked for by name on the lab)."""
    state = st.session_state
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


def _apply_page_settings(page: str, query: Mapping[str, Any], setup: Mapping[str, Any]) -> list[LinkProblem]:
    """The compare and leakage pages' own settings from a link (the network, seed, strategies)."""
    state, problems = st.session_state, []
    if page not in ("compare", "leakage"):
        return problems
    network = setup.get("network", {})
    names = [p.name for p in core.NETWORK_PARAMS] if page == "compare" else ["hidden_layers", "epochs"]
    for name in names:
        if name in network:
            state[f"{page}.net.{name}"] = network[name]
    if page == "compare":
        _batch_from(network, page)
    if setup.get("seed") is not None:
        try:
            state[f"{page}.seed"] = (FIRST_SEED if page == "compare" else core.SEED).check(setup["seed"])
        except core.UserError as exc:
            problems.append(LinkProblem("seed", str(setup["seed"]), str(exc)))
    if page == "leakage" and "strategy" in query:
        strategy = core.get_strategy(setup["strategy"])
        if strategy.make_sampler is not None and not strategy.members_param and "+" not in strategy.key:
            state["leakage.strategy"] = strategy.key
        else:
            problems.append(LinkProblem("strategy", shorten(str(query["strategy"][-1]), 80),
                                        "the leakage demo needs a single sampler such as smote or random_oversampling"))
    if page == "compare":
        raw = [str(v) for v in query.get("repeats") or []]
        if raw:
            try:
                state["compare.repeats"] = _parse(REPEATS, raw[-1])
            except core.UserError as exc:
                problems.append(LinkProblem("repeats", shorten(raw[-1], 80), str(exc)))
        listed = ",".join(str(v) for v in query.get("strategies") or [])
        if listed:
            chosen, bad = [], []
            for key in [k.strip() for k in listed.split(",") if k.strip()][:MAX_LINK_STRATEGIES]:
                try:
                    key = core.get_strategy(key).key
                except core.UserError:
                    bad.append(key)
                    continue
                if key not in chosen:
                    chosen.append(key)
            if bad:
                problems.append(LinkProblem("strategies", shorten(", ".join(bad), 80),
                                            "not a strategy; see the Strategies list for the names"))
            if chosen:
                state["compare.strategies"] = chosen
    return problems


def page_query(spec: Mapping[str, Any], **settings: Any) -> dict[str, str | list[str]]:
    """The address of a page other than the lab: its data choice and its own settings.

    ``strategies`` (a list) is written comma-separated, ``network`` as ``n.<name>``, everything else as
    its text.
    """
    query = _data_query(data_setup(spec))
    for key, value in settings.items():
        if key == "network":
            query.update({f"n.{k}": _text(v) for k, v in value.items()})
        elif key == "strategies":
            query[key] = ",".join(value)
        elif value is not None:
            query[key] = _text(value)
    return query


@dataclass(frozen=True)
class LabSetup:
    """One lab setup: the job a run trains, the link that reopens it, and what a result was trained with.

    ``data`` names the data as a link does (:func:`data_setup`: a built-in and its settings, or an
    uploaded file's name and columns, never its bytes); ``data_id`` identifies its content (the
    executor's data key), so that a re-upload of another file with the same name marks a result as
    stale. ``threshold`` and ``present`` are view settings: they travel in the link but do not change
    what is trained.
    """

    data: Mapping[str, Any]
    strategy: str
    params: Mapping[str, Any] = field(default_factory=dict)
    network: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    test_size: float = 0.25
    data_id: str | None = None
    threshold: float = 0.5
    present: bool = False

    def _run(self) -> tuple:
        return (self.data_id, dict(self.data), self.strategy, dict(self.params), dict(self.network), self.seed,
                self.test_size)

    def trains_like(self, other: LabSetup | None) -> bool:
        """The same run (data, strategy, settings, network, seed, split), whatever the view settings."""
        return other is not None and self._run() == other._run()

    def config(self) -> core.ExperimentConfig:
        """The core's description of the run (raises ``ConfigError`` for settings that cannot be used)."""
        return core.ExperimentConfig(strategy=self.strategy, params=dict(self.params),
                                     network=core.NetworkConfig.from_values(dict(self.network)), seed=int(self.seed),
                                     test_size=float(self.test_size))

    def job(self) -> TrainJob:
        from imbalance_core.jobs import TrainJob

        return TrainJob(self.config())

    def as_dict(self) -> dict[str, Any]:
        return {"data": dict(self.data), "strategy": self.strategy, "params": dict(self.params),
                "network": dict(self.network), "seed": self.seed, "test_size": self.test_size,
                "threshold": self.threshold, "present": self.present}

    def query(self) -> dict[str, str | list[str]]:
        """The URL query parameters that reopen this setup."""
        return to_query(self.as_dict())

    def url(self, threshold: float | None = None) -> str:
        """The link that reopens this setup (at ``threshold``, if given)."""
        setup = self if threshold is None else replace(self, threshold=threshold)
        return share_url(setup.as_dict())


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
    return f"{base}?{urlencode(to_query(setup), doseq=True)}"
