"""Opening a link (or a learn-page preset): its setup goes into the page's widgets and the data choice, once per
browser session, and what could not be used is said. The link format itself is :mod:`ui.links`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping

import streamlit as st

import imbalance_core as core
from imbalance_core.data.spec import BuiltinSpec, CorpusSpec, DataSpec, UploadSpec
from imbalance_core.text import shorten

from .keys import COMPARE, DATA, LAB, LEAKAGE, LESSON, SHARED
from .lab_run import LabRun
from .links import DATA_KEYS, LabSetup, LinkProblem, Link, from_query, parse_choice
from .state import set_dataset_spec

def apply(setup: LabSetup, *, train: bool) -> None:
    """Put a setup into the lab's widgets (and the data set choice); optionally train on arrival.

    Settings the setup leaves out go back to their defaults, so a preset shows the same thing every time.
    """
    state = st.session_state
    apply_data(setup.data)
    if isinstance(setup.data, UploadSpec):  # trains only if that very file is already the active data
        current = state.get(SHARED.dataset_spec)
        train = train and isinstance(current, UploadSpec) and current.filename == setup.data.filename
    first, _, second = setup.strategy.partition("+")
    state[LAB.strategy] = first
    state[LAB.combine_with] = second
    state[LESSON.strategy] = setup.strategy  # in a lesson, the picker lists the lesson's strategies whole
    for param in core.get_strategy(setup.strategy).params:
        key = LAB.param(setup.strategy, param.name)
        if param.name in setup.params:
            state[key] = setup.params[param.name]
        else:
            state.pop(key, None)  # the widget fills in its (possibly data-dependent) default
    for param in core.NETWORK_PARAMS:
        state[LAB.network(param.name)] = setup.network.get(param.name, param.default)
    _batch_from(setup.network, LAB)
    state[LAB.seed], state[LAB.test_size], state[LAB.threshold] = setup.seed, setup.test_size, setup.threshold
    state[LAB.present] = setup.present
    LabRun.reset()
    state[LAB.autotrain] = train


MAX_LINK_STRATEGIES = 40  # more than every single strategy and combination a compare can list


def adopt_query_params(page: str = "") -> None:
    """Once per browser session: load what the URL carries into the page it opens.

    The lab (``page`` "" or "lab") takes a whole setup and trains it; the other pages take the data
    choice and their own settings (:data:`PAGE_SETTINGS`), and run nothing by themselves.
    """
    if st.session_state.get(SHARED.adopted):
        return
    st.session_state[SHARED.adopted] = True
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    setup, problems = from_query(query)
    if setup is None:
        return
    if setup.lesson and page not in ("", "lab") and "data" not in query:
        return  # the board's own address (a lesson and a key): nothing for the other pages
    if setup.lesson and page in ("", "lab"):  # a student link: the lesson's data and what it lets students change
        from .lesson import open_lesson

        setup = open_lesson(setup) or replace(setup, lesson=None)
    if page in ("", "lab"):
        apply(setup, train=True)
    else:
        apply_data(setup.data)
        problems = [p for p in problems if p.key in DATA_KEYS or p.key.startswith("d.")]
        if page in PAGE_SETTINGS:
            problems += PAGE_SETTINGS[page](query, setup)
    st.session_state[SHARED.link_problems] = problems


def _batch_from(network: Mapping[str, Any], page) -> None:
    """A link's batch size is kept as given; without one, the page's default for the data applies
    (``ui.widgets.follow_default``)."""
    key = page.network("batch_size")
    if "batch_size" in network:
        st.session_state[f"{key}.default"] = None  # not a default: the link's own value, kept whatever the data
    else:
        st.session_state.pop(key, None)
        st.session_state.pop(f"{key}.default", None)


def show_link_problems() -> None:
    """What part of the link that opened this page could not be used (shown once)."""
    from .text import md_code, md_escape

    for problem in st.session_state.pop(SHARED.link_problems, []):
        quoted = f"{md_code(problem.key)} = {md_code(problem.value)} ({md_escape(problem.reason)})"
        st.warning(f"Part of the link could not be used and was left at its default: {quoted}",
                   icon=":material/link_off:")


def apply_data(data: DataSpec) -> None:
    """Make a link's data choice the active one (an uploaded file is asked for by name on the lab)."""
    state = st.session_state
    if isinstance(data, UploadSpec) and data.data:  # a lesson's table, read from its database
        set_dataset_spec(data)
        state.pop(LAB.expected_upload, None)
        return
    if isinstance(data, UploadSpec):
        state[LAB.expected_upload] = data
        return
    state.pop(LAB.expected_upload, None)
    if isinstance(data, CorpusSpec):
        set_dataset_spec(data)
        state[DATA.source] = DATA.CORPUS
        if data.corpus == "keel":
            state[DATA.corpus_table] = data.name
        return
    builtin = core.BUILTIN_DATASETS[data.key]
    settings = {p.name: data.settings.get(p.name, p.default) for p in builtin.params}
    set_dataset_spec(BuiltinSpec.of(data.key, settings))
    state[DATA.source] = DATA.BUILTIN
    state[DATA.builtin] = data.key
    for name, value in settings.items():
        state[DATA.param(data.key, name)] = value


def expected_upload(spec: DataSpec) -> UploadSpec | None:
    """The uploaded file a link named, while it is not the active data: the lab asks for it (None once it is)."""
    expected = st.session_state.get(LAB.expected_upload)
    if expected is not None and isinstance(spec, UploadSpec) and spec.filename == expected.filename:
        st.session_state.pop(LAB.expected_upload)
        return None
    if expected is not None:
        from .text import md_code

        details = ([f"class column {md_code(expected.target)}"] if expected.target else []) + (
            [f"positive class {md_code(expected.positive)}"] if expected.positive else [])
        named = md_code(expected.filename) + (f" ({', '.join(details)})" if details else "")
        st.warning(f"This link was made with an uploaded file, which cannot travel in a link: {named}. Upload that "
                   "file on the Data page, then come back and press **Train**. The strategy, network and seed from "
                   "the link are already set.", icon=":material/upload_file:")
        st.page_link("pages/data.py", label="Upload the file", icon=":material/table_chart:")
    return expected


# --------------------------------------------------------------------------- the other pages' own settings


def _seed_from(setup: LabSetup, key: str, param: core.Param) -> list[LinkProblem]:
    try:
        st.session_state[key] = param.check(setup.seed)
    except core.UserError as exc:
        return [LinkProblem("seed", str(setup.seed), str(exc))]
    return []


def _compare_settings(query: Mapping[str, Any], setup: LabSetup) -> list[LinkProblem]:
    """The compare page's network, first seed, seeds per strategy and strategies, from a link."""
    from imbalance_core.runs.compare import FIRST_SEED, REPEATS

    state, link = st.session_state, Link(query)
    for name, value in setup.network.items():
        state[COMPARE.network(name)] = value
    _batch_from(setup.network, COMPARE)
    problems = _seed_from(setup, COMPARE.seed, FIRST_SEED)
    if "repeats" in link.value:
        try:
            state[COMPARE.repeats] = parse_choice(REPEATS, link.value["repeats"])
        except core.UserError as exc:
            problems.append(LinkProblem("repeats", shorten(link.value["repeats"], 80), str(exc)))
    listed = ",".join(link.values("strategies"))
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
        state[COMPARE.strategies] = chosen
    return problems


def _leakage_settings(query: Mapping[str, Any], setup: LabSetup) -> list[LinkProblem]:
    """The leakage page's network (its layers and epochs), seed and sampler, from a link."""
    state = st.session_state
    for name in ("hidden_layers", "epochs"):
        if name in setup.network:
            state[LEAKAGE.network(name)] = setup.network[name]
    problems = _seed_from(setup, LEAKAGE.seed, core.SEED)
    if "strategy" in query:
        strategy = core.get_strategy(setup.strategy)
        if strategy.make_sampler is not None and not strategy.members_param and "+" not in strategy.key:
            state[LEAKAGE.strategy] = strategy.key
        else:
            problems.append(LinkProblem("strategy", shorten(str(Link(query).value["strategy"]), 80),
                                        "the leakage demo needs a single sampler such as smote or random_oversampling"))
    return problems


PAGE_SETTINGS: dict[str, Callable[[Mapping[str, Any], LabSetup], list[LinkProblem]]] = {
    "compare": _compare_settings, "leakage": _leakage_settings,
}
