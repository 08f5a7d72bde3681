"""The lab's settings: the layout for a desk or a room, the strategy (and what follows a sampler), its settings,
the network, the seed and the split. Every widget is built from a declaration in the core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from imbalance_core import NETWORK_PARAMS, SEED, STRATEGIES, TEST_SIZE, get_strategy
from imbalance_core.training.network import BATCH_SIZE
from imbalance_core.training.strategies import focal_alphas

from .keys import LAB, LESSON
from .results import focal_explorer, presentation_style, sized
from .state import training_counts
from .text import md_escape
from .widgets import follow_default, param_widget, param_widgets

if TYPE_CHECKING:
    from imbalance_core import Dataset, Strategy

    from .lesson import ActiveLesson


@dataclass(frozen=True)
class LabLayout:
    """Where each part of the lab goes: side by side at a desk; in a room (presentation mode) the strategy and
    Train on one line above the picture, everything else folded away."""

    controls: Any
    results: Any
    picker: Any
    combiner: Any
    train: Any

    @classmethod
    def of(cls, present: bool) -> LabLayout:
        if present:
            presentation_style()
            picker, combiner, train = st.columns([2, 2, 1], vertical_alignment="bottom")
            return cls(st.expander("More settings: data, strategy settings, network"), st.container(), picker,
                       combiner, train)
        controls, results = st.columns([1, 2.3], gap="large")
        return cls(controls, results, controls, controls, controls)


def data_line(dataset: Dataset, *, changeable: bool = True) -> None:
    """The data in one line (name, rows, features, classes and their balance) and a way to change it (not in a
    lesson: its data is the lesson's)."""
    counts = dataset.class_counts
    balance = " : ".join(f"{n:,}" for n in counts.values())
    names = " / ".join(md_escape(c, 60) for c in counts)
    features = f"{dataset.n_features} feature{'s' if dataset.n_features != 1 else ''}"
    st.markdown(f"**Data:** {md_escape(dataset.name)}  \n{len(dataset.labels):,} rows, {features}, "
                f"classes {names} = {balance}")
    if changeable:
        st.page_link("pages/data.py", label="Change data", icon=":material/table_chart:")


def strategy_picker(layout: LabLayout, lesson: ActiveLesson | None = None) -> Strategy:
    """The strategy, and for a sampler what it trains with afterwards (a loss or class weights); in a lesson, one of
    the lesson's strategies (combinations included) and nothing else."""
    if lesson is not None:
        options = list(lesson.lesson.plan.strategies)
        if st.session_state.get(LESSON.strategy) not in options:
            st.session_state[LESSON.strategy] = options[0]
        with layout.picker:
            key = st.selectbox("Strategy", options, format_func=lambda k: get_strategy(k).label, key=LESSON.strategy,
                               help="The strategies this lesson lets you compare.")
        return get_strategy(key)
    with layout.picker:
        key = st.selectbox("Strategy", list(STRATEGIES), format_func=lambda k: STRATEGIES[k].label, key=LAB.strategy)
    with layout.combiner:
        if STRATEGIES[key].changes_data:  # a sampler can be followed by a loss or weights
            extras = ["", *(k for k, s in STRATEGIES.items() if s.changes_training and not s.changes_data)]
            extra = st.selectbox("Then train with", extras, key=LAB.combine_with,
                                 format_func=lambda k: STRATEGIES[k].label if k else "the plain loss",
                                 help="Combine the resampling with a loss or class weights, e.g. SMOTE + focal loss.")
            if extra:
                key = f"{key}+{extra}"
    return get_strategy(key)


def lab_counts(dataset: Dataset) -> dict[int, int]:
    """The training rows per class for the seed and split the widgets hold: data-dependent defaults (focal alpha,
    the batch size) come from these, as the CLI resolves them."""
    return training_counts(dataset, seed=st.session_state.get(LAB.seed, SEED.default),
                           test_size=st.session_state.get(LAB.test_size, TEST_SIZE.default))


def strategy_settings(strategy: Strategy, dataset: Dataset, counts: dict[int, int], *,
                      fixed: bool = False) -> dict[str, Any]:
    """The strategy's own settings (a setting that applies to two classes only is greyed out on more); ``fixed``
    (a lesson's): their defaults, without widgets."""
    st.caption(strategy.description)
    if fixed:
        return {p.name: p.default_for(counts) for p in strategy.params}
    params = {p.name: param_widget(p, key=LAB.param(strategy.key, p.name), default=p.default_for(counts),
                                   disabled=p.binary_only and not dataset.is_binary)
              for p in strategy.params}
    if strategy.explainer:
        st.caption(strategy.explainer)
    if any(p.binary_only for p in strategy.params) and not dataset.is_binary:
        st.caption("Greyed-out settings apply to two-class data only; see their help for what is used instead.")
    return params


def network_settings(counts: dict[int, int], lesson: ActiveLesson | None = None) -> tuple[dict[str, Any], int, float]:
    """The network's settings, the seed and the test split, folded in a box; the batch size follows the data. In a
    lesson, the groups it does not let students change are its own values, said in a line, without widgets."""
    fixed_network = lesson is not None and not lesson.allows("network")
    fixed_seed = lesson is not None and not lesson.allows("seed")
    box = st.container() if fixed_network and fixed_seed else st.expander("Network and training")
    with box:
        if fixed_network:
            network = lesson.network(counts)
        else:
            batch = BATCH_SIZE.default_for(counts)  # follows the training rows while the user leaves it
            follow_default(LAB.network("batch_size"), batch)
            if (epochs := st.session_state.pop(LAB.epochs_back, None)) is not None:  # a stopped train-on
                st.session_state[LAB.network("epochs")] = epochs
            network = param_widgets(NETWORK_PARAMS, key_prefix=LAB.network_prefix)
            if batch != BATCH_SIZE.default and network["batch_size"] == batch:
                st.caption(f"Batch size {batch:,} for {sum(counts.values()):,} training rows: about a hundred "
                           "gradient steps per epoch (the toy sets use 32; TensorFlow's tutorial uses 2048 on its "
                           "285k-row fraud table).")
        if fixed_seed:
            seed, test_size = lesson.lesson.plan.seed, lesson.lesson.plan.test_size
        else:
            seed = param_widget(SEED, key=LAB.seed, default=SEED.default)
            test_size = param_widget(TEST_SIZE, key=LAB.test_size, default=TEST_SIZE.default)
        fixed = ([f"the network ({md_escape(network['hidden_layers'], 60)} units, {network['epochs']} epochs)"]
                 if fixed_network else []) + (
            [f"the seed ({seed}) and the test split ({test_size:.0%})"] if fixed_seed else [])
        if fixed:
            st.caption(f"The lesson fixes {', '.join(fixed)}.")
    return network, seed, test_size


def focal_explainer(params: dict[str, Any], dataset: Dataset, counts: dict[int, int], *, expanded: bool,
                    present: bool) -> None:
    """For focal loss (alone or after a sampler): how gamma and each class's alpha reshape one example's loss."""
    if not {"gamma", "alpha"} <= params.keys():
        return
    with st.expander("How focal loss reweights each example", expanded=expanded):
        alphas = focal_alphas(params, counts, len(dataset.classes))
        st.plotly_chart(sized(focal_explorer(params["gamma"], dict(zip(dataset.classes, alphas)),
                                             positive=dataset.positive_class), present), key="chart.focal_explorer")
        if not dataset.is_binary:
            st.caption("Each class's alpha (used in training, from its inverse frequency in the training rows): "
                       + ", ".join(f"{md_escape(c, 60)} {a:.2f}" for c, a in zip(dataset.classes, alphas)))
