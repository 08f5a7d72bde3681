"""Leakage: the same strategy with resampling before the split (wrong) and after it (right)."""

import streamlit as st

from ui.routing import require_router

require_router()

st.title("Leakage: resample after the split")
st.write(
    "Resampling must see the training rows only. Here the same strategy runs twice on the same data, network and "
    "seed: once the right way (split, then resample the training split) and once the wrong way (resample every "
    "row, then split). The wrong way's scores usually look better, some for free and some by chance; either way they "
    "are not an estimate of how the model will do on new data. Below the table, the page explains which scores moved "
    "and why, from this run's own numbers."
)

# imported after the title is on screen (first paint does not wait for them)
from imbalance_core import (  # noqa: E402
    NETWORK_PARAMS,
    SEED,
    STRATEGIES,
    TEST_SIZE,
    ExperimentConfig,
    NetworkConfig,
    UserError,
    get_strategy,
)
from imbalance_core.compute.jobs import Cancelled, JobFailed, LeakageJob, attach  # noqa: E402
from imbalance_core.outputs.plots import (  # noqa: E402
    make_boundary_grid_figure,
    make_confusion_grid_figure,
)
from imbalance_core.runs.leakage import LEAKAGE_NETWORK  # noqa: E402
from ui import jobs, links, share  # noqa: E402
from ui.keys import LEAKAGE  # noqa: E402
from ui.state import active_dataset, training_counts  # noqa: E402
from ui.text import md_escape  # noqa: E402
from ui.widgets import param_widget, param_widgets  # noqa: E402

NETWORK = [p for p in NETWORK_PARAMS if p.name in ("hidden_layers", "epochs")]

share.show_link_problems()
spec, dataset = active_dataset()
st.markdown(f"**Data:** {md_escape(dataset.name)} - {len(dataset.labels)} rows, "
            + " : ".join(str(n) for n in dataset.class_counts.values()))
samplers = [k for k, s in STRATEGIES.items() if s.changes_data and not s.members_param]
st.session_state.setdefault(LEAKAGE.strategy, "random_oversampling")
left, right = st.columns([1, 1])
key = left.selectbox("Strategy", samplers, format_func=lambda k: STRATEGIES[k].label, key=LEAKAGE.strategy,
                     help="Only samplers can leak: class weights and focal loss never create or copy rows.")
with right.expander("Network and seed"):
    # a network large enough to memorise its training rows, as real models do: copies in the test split then pay
    network_values = param_widgets(NETWORK, key_prefix=LEAKAGE.network_prefix, defaults=LEAKAGE_NETWORK)
    seed = param_widget(SEED, key=LEAKAGE.seed, default=SEED.default)
run = st.button("Run both ways", type="primary", key=LEAKAGE.run)
st.query_params.from_dict(links.page_query(spec, strategy=key, seed=seed, network=network_values))
setup = {"data": spec.identity, "strategy": key, "network": network_values, "seed": seed}

if run:
    with st.status(f"Training {get_strategy(key).label} twice: after the split and before it...",
                   expanded=True) as status:
        waiting = st.empty()
        try:
            rows = sum(training_counts(dataset, seed=int(seed), test_size=TEST_SIZE.default).values())
            config = ExperimentConfig(strategy=key, network=NetworkConfig.from_values(network_values, training_rows=rows),
                                      seed=int(seed))
            handle = jobs.submit(LeakageJob(config), spec, dataset, kind="leakage")
            demo = attach(jobs.wait(handle, on_queue=waiting.caption, on_progress=lambda snapshot: None), dataset)
        except (UserError, JobFailed, Cancelled) as exc:
            jobs.show_failure(status, exc, "The demo")
        else:
            waiting.empty()
            status.update(label="Trained both ways", state="complete", expanded=False)
            st.session_state[LEAKAGE.result] = demo
            st.session_state[LEAKAGE.setup] = setup

demo = st.session_state.get(LEAKAGE.result)
if demo is None:
    st.info("Press **Run both ways**. With random oversampling the wrong way's test split is full of copies of "
            "training rows.")
else:
    if st.session_state.get(LEAKAGE.setup) != setup:
        st.info("Settings changed since this ran. Press **Run both ways** to see the new ones.")
    right_run, wrong_run = demo.right, demo.wrong
    st.subheader(f"{right_run.strategy_label} on {md_escape(right_run.dataset_name)}")
    table = demo.table()
    st.dataframe(
        table.style.format({c: ("{:+.3f}" if c == "Inflation" else "{:.3f}") for c in table.columns if c != "Metric"},
                           na_rep="n/a")
        .map(lambda v: "color: #b42318; font-weight: 600" if isinstance(v, float) and v > 0.02 else "",
             subset=["Inflation"]),
        hide_index=True, key=LEAKAGE.table)
    st.markdown("\n".join(f"- {md_escape(line, limit=None)}" for line in demo.explanation()) + "\n"
                "- The preprocessing of the wrong way was fitted on every row as well, test rows included.\n\n"
                "Split first; fit scaling, encoding and resampling on the training split; never resample the test "
                "split.")
    panels = [("Right: resampled after the split", right_run.boundary, right_run.view),
              ("Wrong: resampled before the split", wrong_run.boundary, wrong_run.view)]
    st.plotly_chart(make_boundary_grid_figure(panels, columns=2, title="Decision boundaries (each with its own "
                                                                       "training rows)"), key="leakage.boundaries")
    st.plotly_chart(make_confusion_grid_figure(
        [("Right (real class balance)", right_run.evaluation.confusion),
         ("Wrong (resampled test split)", wrong_run.evaluation.confusion)], right_run.classes),
        key="leakage.confusions")
