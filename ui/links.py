"""A lab setup as a link and back: what a setup is, how it is written into a URL, and how a URL is read.

A setup is a :class:`LabSetup`: the data (a :class:`~imbalance_core.data.spec.BuiltinSpec`, or an
:class:`~imbalance_core.data.spec.UploadSpec` naming a file and its columns, never its bytes), the
strategy and its settings, the network's settings, the seed, the split, and two view settings (the
threshold, presentation mode).

In the URL every value is text: ``data``, ``d.<data set setting>``, ``file``, ``target``, ``positive``,
``feature`` (repeated, one per feature column), ``strategy``, ``s.<strategy setting>``,
``n.<network setting>``, ``seed``, ``test_size``, ``threshold``, ``present``, and ``lesson`` (the lesson the
lab is in: :mod:`ui.lesson`).

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
from imbalance_core.data.corpus import CORPORA, table_names
from imbalance_core.data.spec import DEFAULT_SPEC, BuiltinSpec, CorpusSpec, DataSpec, UploadSpec
from imbalance_core.data.tables import MAX_COLUMNS
from imbalance_core.text import MAX_NAME_CHARS, shorten

if TYPE_CHECKING:
    from imbalance_core.compute.jobs import TrainJob

UPLOAD = "upload"
MAX_FILENAME_CHARS = 255  # the longest file name common file systems allow
MAX_LESSON_CHARS = 32  # a lesson's id
FEATURE = "feature"
DATA_KEYS = ("data", "file", "target", "positive", FEATURE)  # a link's data part (besides ``d.<setting>``)


@dataclass(frozen=True)
class LinkProblem:
    """A part of a link that could not be used: which key, the value it held (bounded), and why."""

    key: str
    value: str
    reason: str


@dataclass(frozen=True)
class LabSetup:
    """One lab setup: the job a run trains, the link that reopens it, and what a result was trained with.

    ``data`` names the data as a link does; ``data_id`` identifies the content that trains (its spec's
    identity), so that a re-upload of another file with the same name marks a result as stale.
    ``network`` holds the settings given (the others take their defaults; the batch size follows the
    data). ``threshold`` and ``present`` are view settings: they travel in the link but do not change
    what is trained.
    """

    data: DataSpec = DEFAULT_SPEC
    strategy: str = "none"
    params: Mapping[str, Any] = field(default_factory=dict)
    network: Mapping[str, Any] = field(default_factory=dict)
    seed: int = core.SEED.default
    test_size: float = core.TEST_SIZE.default
    data_id: str | None = None
    threshold: float = core.THRESHOLD.default
    present: bool = False
    lesson: str | None = None  # the lesson this setup is run in (its board keeps the runs)

    def _run(self) -> tuple:
        return (self.data_id, self.data, self.strategy, dict(self.params), dict(self.network), self.seed,
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
        from imbalance_core.compute.jobs import TrainJob

        return TrainJob(self.config())

    def query(self) -> dict[str, str | list[str]]:
        """The URL query parameters that reopen this setup."""
        return to_query(self)

    def url(self, threshold: float | None = None) -> str:
        """The link that reopens this setup (at ``threshold``, if given)."""
        setup = self if threshold is None else replace(self, threshold=threshold)
        return share_url(setup)


# --------------------------------------------------------------------------- writing a link


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as exactly this number
    return str(value)


def data_query(spec: DataSpec) -> dict[str, str | list[str]]:
    """The data choice as URL query parameters: a built-in and its settings, or an uploaded file's name and columns."""
    if isinstance(spec, BuiltinSpec):
        return {"data": spec.key, **{f"d.{k}": _text(v) for k, v in spec.params}}
    if isinstance(spec, CorpusSpec):
        return {"data": spec.corpus, "table": spec.name}
    query: dict[str, str | list[str]] = {"data": UPLOAD, "file": spec.filename}
    if spec.target is not None:
        query["target"] = spec.target
    if spec.positive:
        query["positive"] = spec.positive
    if spec.features is not None:
        query[FEATURE] = [str(f) for f in spec.features]
    return query


def to_query(setup: LabSetup) -> dict[str, str | list[str]]:
    """The setup as URL query parameters (text; the feature columns as a repeated ``feature`` key)."""
    query = data_query(setup.data)
    query["strategy"] = setup.strategy
    query.update({f"s.{k}": _text(v) for k, v in setup.params.items()})
    query.update({f"n.{k}": _text(v) for k, v in setup.network.items()})
    query.update({"seed": _text(setup.seed), "test_size": _text(setup.test_size), "threshold": _text(setup.threshold)})
    if setup.present:
        query["present"] = "1"
    if setup.lesson:
        query["lesson"] = setup.lesson
    return query


def page_query(spec: DataSpec, **settings: Any) -> dict[str, str | list[str]]:
    """The address of a page other than the lab: its data choice and its own settings.

    ``strategies`` (a list) is written comma-separated, ``network`` as ``n.<name>``, everything else as
    its text.
    """
    query = data_query(spec)
    for key, value in settings.items():
        if key == "network":
            query.update({f"n.{k}": _text(v) for k, v in value.items()})
        elif key == "strategies":
            query[key] = ",".join(value)
        elif value is not None:
            query[key] = _text(value)
    return query


def share_url(setup: LabSetup) -> str:
    """The link that reopens this setup."""
    base = (st.context.url or "http://localhost:8501/").split("?")[0]  # no URL when run headless (AppTest)
    if base.rstrip("/").endswith("/lab"):  # the lab is the default page: its link is the app's root
        base = base.rstrip("/")[: -len("lab")]
    return f"{base}?{urlencode(to_query(setup), doseq=True)}"


# --------------------------------------------------------------------------- reading a link


def parse_choice(param: core.Param, text: str) -> Any:
    """A link's text for a setting (a choice by its text: links hold ``2``, not the number 2)."""
    if param.kind == "choice":
        for choice in param.choices:
            if str(choice) == text:
                return choice
        raise core.ConfigError(f"{param.name} must be one of {', '.join(map(str, param.choices))}")
    return param.parse(text)


class Link:
    """A link's values (the last of a repeated key), and the problems found while reading them."""

    def __init__(self, query: Mapping[str, Any]):
        self.query = query
        self.value = {k: self.values(k)[-1] for k in query if self.values(k)}
        self.problems: list[LinkProblem] = []

    def values(self, key: str) -> list[str]:
        raw = self.query.get(key)
        if raw is None:
            return []
        return [str(v) for v in raw] if isinstance(raw, (list, tuple)) else [str(raw)]

    def problem(self, key: str, reason: str) -> None:
        self.problems.append(LinkProblem(key, shorten(self.value.get(key, ""), 80), reason))

    def name(self, key: str, limit: int) -> str | None:
        text = self.value.get(key)
        if text is not None and len(text) > limit:
            self.problem(key, f"{key} has at most {limit} characters; this one has {len(text):,}")
            return None
        return text

    def settings(self, params, prefix: str, owner: str) -> dict[str, Any]:
        out = {}
        for param in params:
            key = f"{prefix}{param.name}"
            if key in self.value:
                try:
                    out[param.name] = parse_choice(param, self.value[key])
                except core.UserError as exc:
                    self.problem(key, f"{owner}: {exc}")
        return out

    def data(self) -> DataSpec:
        key = self.value.get("data", DEFAULT_SPEC.key)
        if key == UPLOAD:
            features = self.values(FEATURE) or (self.value["features"].split(",") if "features" in self.value else [])
            if len(features) > MAX_COLUMNS or any(len(f) > MAX_NAME_CHARS for f in features):
                self.problem(FEATURE, f"at most {MAX_COLUMNS} feature columns of at most {MAX_NAME_CHARS} characters each")
                features = []
            return UploadSpec(self.name("file", MAX_FILENAME_CHARS) or "your file", self.name("target", MAX_NAME_CHARS),
                              self.name("positive", MAX_NAME_CHARS), tuple(features) or None)
        if key in core.BUILTIN_DATASETS:
            builtin = core.BUILTIN_DATASETS[key]
            return BuiltinSpec.of(key, self.settings(builtin.params, "d.", builtin.label))
        if key in CORPORA:
            name = self.name("table", MAX_NAME_CHARS) or ""
            if name in table_names(key):
                return CorpusSpec(key, name)
            self.problem("table", f"the {key} corpus has no table of this name; using Moons")
            return DEFAULT_SPEC
        self.problem("data", f"no built-in data set or corpus has this name; using Moons (choose one of: "
                             f"{', '.join([*core.BUILTIN_DATASETS, *CORPORA])})")
        return DEFAULT_SPEC


def from_query(query: Mapping[str, Any]) -> tuple[LabSetup | None, list[LinkProblem]]:
    """A setup from URL query parameters, and what was wrong with them (bad values are left at their defaults).

    ``query`` maps each key to its text, or to a list of texts for a repeated key. None for a query that is
    no setup (no data and no strategy in it).
    """
    link = Link(query)
    if "strategy" not in link.value and "data" not in link.value and "lesson" not in link.value:
        return None, []
    data = link.data()
    try:
        strategy = core.get_strategy(link.value.get("strategy", "none"))
    except core.UserError as exc:
        link.problem("strategy", str(exc))
        strategy = core.get_strategy("none")
    run = {p.name: link.settings([p], "", p.name).get(p.name, p.default)  # declared once: widgets, links, CLI
           for p in (core.SEED, core.TEST_SIZE, core.THRESHOLD)}
    setup = LabSetup(data=data, strategy=strategy.key, params=link.settings(strategy.params, "s.", strategy.label),
                     network=link.settings(core.NETWORK_PARAMS, "n.", "network"),
                     present=link.value.get("present") == "1", lesson=link.name("lesson", MAX_LESSON_CHARS), **run)
    return setup, link.problems
