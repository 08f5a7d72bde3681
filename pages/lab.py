"""The lab: pick a strategy, train a network live, see what the strategy did."""

import streamlit as st

from ui.routing import require_router

require_router()

st.title("Imbalance Lab")
if not st.session_state.get("lab.present"):  # in front of a room the picture needs the room on screen
    st.write(
        "Rare classes make a network optimise for the majority. Pick a remedy, press **Train**, "
        "and watch how the decision boundary and the test-split metrics change."
    )

# imported after the title is on screen: first paint does not wait for pandas / plotly / sklearn
from imbalance_core import NETWORK_PARAMS, SEED, STRATEGIES, TEST_SIZE, UserError, estimate_cost, get_strategy  # noqa: E402
from imbalance_core.jobs import Cancelled, JobFailed, attach  # noqa: E402
from imbalance_core.strategies import focal_alphas  # noqa: E402
from ui import jobs, share  # noqa: E402
from ui.results import LiveView, focal_explorer, presentation_style, share_popover, show_result, sized  # noqa: E402
from ui.state import active_dataset, data_figure, training_counts  # noqa: E402
from ui.text import md_code, md_escape  # noqa: E402
from imbalance_core.models import BATCH_SIZE  # noqa: E402
from ui.widgets import follow_default, param_widget, param_widgets  # noqa: E402

share.show_link_problems()
expected = st.session_state.get("lab.expected_upload")
spec, dataset = active_dataset()
if expected and spec["source"] == "upload" and spec["filename"] == expected["filename"]:
    st.session_state.pop("lab.expected_upload")
elif expected:
    details = ([f"class column {md_code(expected['target'])}"] if expected.get("target") else []) + (
        [f"positive class {md_code(expected['positive'])}"] if expected.get("positive") else [])
    named = md_code(expected["filename"]) + (f" ({', '.join(details)})" if details else "")
    st.warning(f"This link was made with an uploaded file, which cannot travel in a link: {named}. Upload that "
               "file on the Data page, then come back and press **Train**. The strategy, network and seed from the "
               "link are already set.", icon=":material/upload_file:")
    st.page_link("pages/data.py", label="Upload the file", icon=":material/table_chart:")

present = st.toggle("Presentation mode", key="lab.present",
                    help="Large charts and text for a room: the picture first, the strategy and Train on top, the "
                         "other settings folded away. Also saved in the link. Switching it never stops a run.")
if present:
    presentation_style()
    # in a room: the strategy and Train on one line above the picture, everything else folded away
    top = st.columns([2, 2, 1], vertical_alignment="bottom")
    picker, combiner, train_slot = top
    controls, results = st.expander("More settings: data, strategy settings, network"), st.container()
else:
    controls, results = st.columns([1, 2.3], gap="large")
    picker = combiner = train_slot = controls

with controls:
    counts = dataset.class_counts
    balance = " : ".join(f"{n:,}" for n in counts.values())
    names = " / ".join(md_escape(c, 60) for c in counts)
    features = f"{dataset.n_features} feature{'s' if dataset.n_features != 1 else ''}"
    st.markdown(f"**Data:** {md_escape(dataset.name)}  \n{len(dataset.labels):,} rows, {features}, "
                f"classes {names} = {balance}")
    st.page_link("pages/data.py", label="Change data", icon=":material/table_chart:")

with picker:
    key = st.selectbox(
        "Strategy", list(STRATEGIES), format_func=lambda k: STRATEGIES[k].label, key="lab.strategy",
    )
with combiner:
    if STRATEGIES[key].changes_data:  # a sampler can be followed by a loss or weights
        extras = ["", *(k for k, s in STRATEGIES.items() if s.changes_training and not s.changes_data)]
        extra = st.selectbox("Then train with", extras, key="lab.combine_with",
                             format_func=lambda k: STRATEGIES[k].label if k else "the plain loss",
                             help="Combine the resampling with a loss or class weights, e.g. SMOTE + focal loss.")
        if extra:
            key = f"{key}+{extra}"
with controls:
    strategy = get_strategy(key)
    st.caption(strategy.description)
    # data-dependent defaults (e.g. focal alpha) from the rows the core trains on, as the CLI resolves them
    class_counts = training_counts(dataset, seed=st.session_state.get("lab.seed", SEED.default),
                                   test_size=st.session_state.get("lab.test_size", TEST_SIZE.default))
    params = {
        p.name: param_widget(p, key=f"lab.{key}.{p.name}", default=p.default_for(class_counts),
                             disabled=p.binary_only and not dataset.is_binary)
        for p in strategy.params
    }
    if strategy.explainer:
        st.caption(strategy.explainer)
    if any(p.binary_only for p in strategy.params) and not dataset.is_binary:
        st.caption("Greyed-out settings apply to two-class data only; see their help for what is used instead.")

    batch = BATCH_SIZE.default_for(class_counts)  # follows the training rows while the user leaves it
    follow_default("lab.net.batch_size", batch)
    with st.expander("Network and training"):
        network_values = param_widgets(NETWORK_PARAMS, key_prefix="lab.net")
        if batch != BATCH_SIZE.default and network_values["batch_size"] == batch:
            st.caption(f"Batch size {batch:,} for {sum(class_counts.values()):,} training rows: about a hundred "
                       "gradient steps per epoch (the toy sets use 32; TensorFlow's tutorial uses 2048 on its "
                       "285k-row fraud table).")
        seed = param_widget(SEED, key="lab.seed", default=SEED.default)
        test_size = param_widget(TEST_SIZE, key="lab.test_size", default=TEST_SIZE.default)
with train_slot:
    train = st.button("Train", type="primary", key="lab.train", width="stretch")
# a link or a learn-page preset asks for a run on arrival: only if it is a bounded amount of work
arrival = st.session_state.pop("lab.autotrain", False) and not train

# one setup object: the job to train, the link in the address bar, and what a result on screen was trained with
setup = share.LabSetup(data=expected or share.data_setup(spec), strategy=key, params=params, network=network_values,
                       seed=seed, test_size=test_size, data_id=jobs.data_key(spec),
                       threshold=st.session_state.get("lab.view.threshold", 0.5), present=present)
st.query_params.from_dict(setup.query())  # the address bar always reopens this setup
uploaded = spec["source"] == "upload"
try:
    config, config_error = setup.config(), None
except UserError as exc:
    config, config_error = None, exc
if arrival:  # a link or preset trains by itself only within the budget (a bad setup is trained to explain itself)
    try:
        cost = estimate_cost(dataset, config) if config is not None else None
    except UserError:
        cost = None
    train = cost is None or cost.within()
    if not train:
        st.session_state["lab.held_back"] = cost
if train:
    st.session_state.pop("lab.held_back", None)


def _stop_requested() -> None:
    st.session_state["lab.stop_requested"] = True


with results:
    # a run that a rerun left going on its worker: a view-only change (presentation mode) keeps it; Stop, a new
    # Train or a changed setting ends it
    resume = None
    running = st.session_state.pop("lab.running", None)
    if running is not None:
        handle, running_setup = running
        if train or st.session_state.get("lab.stop_requested") or not setup.trains_like(running_setup):
            handle.cancel()
        else:
            resume = handle
    stopped_at = st.session_state.pop("lab.training_started", None)
    if stopped_at is not None and resume is None:  # a run was under way when this rerun started: say why it ended
        where = f" at epoch {stopped_at[0]} of {stopped_at[1]}" if stopped_at[0] else " before its first epoch"
        if st.session_state.pop("lab.stop_requested", False):
            st.info(f"Training stopped{where}, as asked. Press **Train** to start again.", icon=":material/stop_circle:")
        else:
            st.warning(f"Training stopped{where} because a setting changed before it finished. Press **Train** to "
                       "start again.")
    st.session_state.pop("lab.stop_requested", None)
    held_back = st.session_state.get("lab.held_back")
    if held_back is not None:
        st.warning(f"This link asks for a large run: about {held_back.steps:,} gradient steps over "
                   f"{held_back.rows:,} rows per network, {held_back.times_budget():.0f} times what a link may start "
                   "by itself. It was not started. Check the setup (epochs, batch size, networks), then press "
                   "**Train**.", icon=":material/hourglass_empty:")
    if train or resume is not None:
        st.session_state["lab.training_started"] = stopped_at if resume is not None and stopped_at else (
            0, config.network.epochs if config else 0)
        st.session_state.pop("lab.result", None)
        result = None
        with st.status(f"Training with {strategy.label}...", expanded=True) as status:
            stop = st.empty()  # the Stop button goes away when the run ends (it would hide in the folded box)
            stop.button("Stop", key="lab.stop", icon=":material/stop_circle:", on_click=_stop_requested,
                        help="Stop this run on its worker. The settings stay as they are.")
            live = LiveView(present=present, resumed=resume is not None)

            def on_progress(snapshot) -> None:
                st.session_state["lab.training_started"] = (snapshot.epoch, snapshot.epochs)
                live.update(snapshot)

            try:
                if config_error is not None:
                    raise config_error
                handle = resume or jobs.submit(setup.job(), spec, dataset, kind="lab")
                st.session_state["lab.running"] = (handle, setup)
                result = attach(jobs.wait(handle, on_queue=live.queued, on_progress=on_progress, keep_on_rerun=True),
                                dataset)
            except (UserError, JobFailed, Cancelled) as exc:
                jobs.show_failure(status, exc, "Training")
            else:
                live.clear()
                status.update(label=f"Trained in {result.train_seconds:.1f} s", state="complete", expanded=False)
            stop.empty()
        # reached only when training was not interrupted by a rerun
        st.session_state.pop("lab.training_started", None)
        st.session_state.pop("lab.running", None)
        if result is not None:
            st.session_state["lab.result"] = result
            st.session_state["lab.result_setup"] = setup
            st.session_state["lab.result_spec"] = spec
    result = st.session_state.get("lab.result")
    if result is not None:
        if not setup.trains_like(st.session_state.get("lab.result_setup")):
            st.info("Settings changed since this result was trained. Press **Train** to see the new ones.")
        show_result(result, share_link=setup.url, uploaded=uploaded, spec=st.session_state.get("lab.result_spec", spec))
    elif not train and resume is None:
        if stopped_at is None:
            st.info("Press **Train** to fit a network with the chosen strategy. The decision boundary replaces this "
                    "picture of the data; metrics and curves appear below it.")
        picture = data_figure(jobs.data_key(spec), dataset, seed=seed, test_size=test_size)
        if picture is not None:
            st.plotly_chart(sized(picture, present), key="chart.data")
    if {"gamma", "alpha"} <= params.keys():  # focal loss, alone or after a sampler: room to read it
        with st.expander("How focal loss reweights each example", expanded=result is None):
            alphas = focal_alphas(params, class_counts, len(dataset.classes))
            st.plotly_chart(sized(focal_explorer(params["gamma"], dict(zip(dataset.classes, alphas)),
                                                 positive=dataset.positive_class), present),
                            key="chart.focal_explorer")
            if not dataset.is_binary:
                st.caption("Each class's alpha (used in training, from its inverse frequency in the training rows): "
                           + ", ".join(f"{md_escape(c, 60)} {a:.2f}" for c, a in zip(dataset.classes, alphas)))

if st.session_state.get("lab.result") is None:  # with a result, the link sits by the threshold it includes
    with controls:
        share_popover(setup.url(), uploaded=uploaded)
