"""The lab: pick a strategy, train a network live, see what the strategy did."""

import math

import streamlit as st

st.title("Imbalance Lab")
st.write(
    "Rare classes make a network optimise for the majority. Pick a remedy, press **Train**, "
    "and watch how the decision boundary and the test-split metrics change."
)

# imported after the title is on screen: first paint does not wait for pandas / plotly / sklearn
from imbalance_core import (  # noqa: E402
    METRIC_LABELS, NETWORK_PARAMS, STRATEGIES, ExperimentConfig, NetworkConfig, Param, UserError, run_experiment,
)
from imbalance_core.report import live_figures, result_figures  # noqa: E402
from ui.state import dataset_spec, load_dataset, spec_label  # noqa: E402
from ui.widgets import param_widget, param_widgets  # noqa: E402

spec = dataset_spec()
try:
    dataset = load_dataset(spec)
except UserError as exc:
    st.error(f"The chosen data set cannot be used: {exc}")
    st.page_link("pages/data.py", label="Choose another data set", icon=":material/table_chart:")
    st.stop()

SEED = Param("seed", "int", 0, "Seed", "Same seed, data and settings give the same numbers.", low=0, high=100_000, step=1)
TEST_SIZE = Param("test_size", "float", 0.25, "Test split", "Share of rows held out, untouched, for the metrics.",
                  low=0.1, high=0.5, step=0.05)

controls, results = st.columns([1, 2.3], gap="large")

with controls:
    counts = dataset.class_counts
    balance = " : ".join(f"{n}" for n in counts.values())
    st.markdown(f"**Data:** {dataset.name}  \n{len(dataset.labels)} rows, {dataset.n_features} features, "
                f"classes {' / '.join(counts)} = {balance}")
    st.page_link("pages/data.py", label="Change data", icon=":material/table_chart:")

    key = st.selectbox(
        "Strategy", list(STRATEGIES), format_func=lambda k: STRATEGIES[k].label, key="lab.strategy",
    )
    strategy = STRATEGIES[key]
    st.caption(strategy.description)
    class_counts = {i: n for i, n in enumerate(counts.values())}
    params = {
        p.name: param_widget(p, key=f"lab.{key}.{p.name}", default=p.default_for(class_counts),
                             disabled=p.binary_only and not dataset.is_binary)
        for p in strategy.params
    }
    if strategy.explainer:
        st.caption(strategy.explainer)
    if any(p.binary_only for p in strategy.params) and not dataset.is_binary:
        st.caption("Greyed-out settings apply to two-class data only; see their help for what is used instead.")

    with st.expander("Network and training"):
        network_values = param_widgets(NETWORK_PARAMS, key_prefix="lab.net")
        seed = param_widget(SEED, key="lab.seed", default=SEED.default)
        test_size = param_widget(TEST_SIZE, key="lab.test_size", default=TEST_SIZE.default)
    train = st.button("Train", type="primary", key="lab.train", width="stretch")

setup = {"data": spec_label(spec) + repr(sorted(spec.get("params", {}).items())), "strategy": key, "params": params,
         "network": network_values, "seed": seed, "test_size": test_size}


def show_metrics(metrics: dict) -> None:
    names = list(METRIC_LABELS)
    for row in (names[:5], names[5:]):
        for column, name in zip(st.columns(5), row):
            value = metrics[name]
            column.metric(METRIC_LABELS[name], "n/a" if math.isnan(value) else f"{value:.3f}")


@st.fragment
def show_result(result) -> None:
    """View options rerun only this fragment: nothing is retrained."""
    st.subheader(f"{result.strategy_label} on {result.dataset_name}")
    show_metrics(result.metrics)
    caption = (f"Test split: {len(result.prepared.y_test)} untouched rows; threshold 0.5" if len(result.classes) == 2
               else f"Test split: {len(result.prepared.y_test)} untouched rows; predicted class = most probable")
    scope = "positive class " + repr(result.positive_class) if len(result.classes) == 2 else "macro averages"
    st.caption(f"{caption}. Precision, recall and F1 are for the {scope}. Trained in {result.train_seconds:.1f} s.")
    options = st.columns(3)
    normalize = options[0].toggle("Confusion matrix as shares", value=False, key="lab.view.normalize")
    show_synthetic = show_removed = True
    if len(result.view.synthetic_points):
        show_synthetic = options[1].toggle("Show synthetic points", value=True, key="lab.view.synthetic")
    if len(result.view.removed_points):
        show_removed = options[2].toggle("Show removed points", value=True, key="lab.view.removed")
    figures = result_figures(result, normalize_confusion=normalize, show_synthetic=show_synthetic, show_removed=show_removed)
    st.plotly_chart(figures["boundary"], key="chart.boundary")
    left, right = st.columns(2)
    left.plotly_chart(figures["confusion"], key="chart.confusion")
    right.plotly_chart(figures["balance"], key="chart.balance")
    left.plotly_chart(figures["roc"], key="chart.roc")
    right.plotly_chart(figures["pr"], key="chart.pr")
    st.plotly_chart(figures["history"], key="chart.history")
    st.markdown("**Per class (test split)**")
    st.dataframe(result.evaluation.per_class, hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("precision", "recall", "f1")})
    if result.class_weights:
        st.caption("Class weights used: " + ", ".join(f"{result.classes[c]} = {w:.2f}" for c, w in result.class_weights.items()))
    for note in result.notes:
        st.info(note, icon=":material/info:")


with results:
    if st.session_state.pop("lab.training_started", False):
        st.warning("Training stopped because a setting changed before it finished. Press **Train** to start again.")
    if train:
        st.session_state["lab.training_started"] = True
        st.session_state.pop("lab.result", None)
        config = ExperimentConfig(
            strategy=key, params=params, network=NetworkConfig.from_values(network_values), seed=int(seed),
            test_size=float(test_size),
        )
        with st.status(f"Training with {strategy.label}...", expanded=True) as status:
            progress = st.progress(0.0, text="Preparing the data and starting TensorFlow...")
            live_boundary, live_history = st.empty(), st.empty()

            def on_update(update) -> None:
                loss = update.history[-1].get("loss", [float("nan")])[-1]
                who = f"network {update.member + 1}/{update.n_members}, " if update.n_members > 1 else ""
                progress.progress(update.fraction, text=f"{who}epoch {update.epoch + 1}/{update.epochs} - loss {loss:.4f}")
                figures = live_figures(update)
                # no keys: each redraw replaces the chart in place (the figures differ, so no duplicate ids)
                live_boundary.plotly_chart(figures["boundary"])
                live_history.plotly_chart(figures["history"])

            try:
                result = run_experiment(dataset, config, on_update=on_update)
            except UserError as exc:
                status.update(label="Training could not start", state="error", expanded=True)
                st.error(str(exc))
                result = None
            else:
                live_boundary.empty()  # the final charts below replace the live ones
                live_history.empty()
                status.update(label=f"Trained in {result.train_seconds:.1f} s", state="complete", expanded=False)
        st.session_state["lab.training_started"] = False
        if result is not None:
            st.session_state["lab.result"] = result
            st.session_state["lab.result_setup"] = setup
    result = st.session_state.get("lab.result")
    if result is not None:
        if st.session_state.get("lab.result_setup") != setup:
            st.info("Settings changed since this result was trained. Press **Train** to see the new ones.")
        show_result(result)
    elif not train:
        st.info("Press **Train** to fit a network with the chosen strategy. The boundary, metrics and curves appear here.")
