"""The lab: pick a strategy, train a network live, see what the strategy did."""

import streamlit as st

from ui.keys import LAB
from ui.routing import require_router

require_router()

st.title("Imbalance Lab")
if not st.session_state.get(LAB.present):  # in front of a room the picture needs the room on screen
    st.write(
        "Rare classes make a network optimise for the majority. Pick a remedy, press **Train**, "
        "and watch how the decision boundary and the test-split metrics change."
    )

# imported after the title is on screen: first paint does not wait for pandas / plotly / sklearn
from imbalance_core import THRESHOLD, UserError  # noqa: E402
from ui import lesson as lessons, links, share  # noqa: E402
from ui.lab_controls import (  # noqa: E402
    LabLayout, data_line, focal_explainer, lab_counts, network_settings, strategy_picker, strategy_settings,
)
from ui.lab_run import LabRun  # noqa: E402
from ui.results import share_popover, show_result, sized  # noqa: E402
from ui.state import active_dataset, data_figure  # noqa: E402

share.show_link_problems()
lesson = lessons.banner()  # a student link: the lesson's question, its data, what it lets students change
present = st.toggle("Presentation mode", key=LAB.present,
                    help="Large charts and text for a room: the picture first, the strategy and Train on top, the "
                         "other settings folded away. Also saved in the link. Switching it never stops a run.")
layout = LabLayout.of(present)
with layout.controls:
    data_box = st.container()
strategy = strategy_picker(layout, lesson)
with layout.controls:
    settings_box = st.container()
with layout.train:  # Train is on screen before the data is loaded (a cold server's first page: ~1 s of imports)
    train_slot = st.empty()
    train = train_slot.button("Train", type="primary", key=LAB.train, width="stretch")
with data_box:
    spec, dataset = active_dataset(lesson.spec if lesson else None, on_stop=train_slot.empty)
    data_line(dataset, changeable=lesson is None)
expected = share.expected_upload(spec)
counts = lab_counts(dataset)
with settings_box:
    params = strategy_settings(strategy, dataset, counts, fixed=bool(lesson) and not lesson.allows("strategy_settings"))
    network, seed, test_size = network_settings(counts, lesson)

# one setup object: the job to train, the link in the address bar, and what a result on screen was trained with
setup = links.LabSetup(data=expected or spec, strategy=strategy.key, params=params, network=network, seed=seed,
                       test_size=test_size, data_id=spec.identity, present=present,
                       threshold=st.session_state.get(LAB.threshold, THRESHOLD.default),
                       lesson=lesson.id if lesson else None)
st.query_params.from_dict(setup.query())  # the address bar always reopens this setup
run = LabRun.of_session()
job, more = run.more_epochs() if not train else (None, 0)  # "Train N more epochs" on the last result
train = train or job is not None
if st.session_state.pop(LAB.autotrain, False) and not train:  # a link or a preset asks for a run on arrival
    try:
        config = setup.config()
    except UserError:
        config = None
    train = run.arrives(dataset, config)
resume = run.reconcile(setup, train=train)  # a run a rerun left going: a view change keeps it, the rest stop it
training = train or resume
# the data, drawn until a boundary replaces it (while training too: the browser loads its chart code meanwhile)
picture = data_figure(spec, dataset, seed=seed, test_size=test_size) if training or run.result is None else None

with layout.results:
    stopped = run.show_notices()
    if training:
        run.follow(setup, spec, dataset, present=present, picture=None if picture is None else sized(picture, present),
                   label=f"Training {more} more epochs..." if job else f"Training with {strategy.label}...", job=job)
    if run.result is not None:
        if not setup.trains_like(run.result_setup):
            st.info("Settings changed since this result was trained. Press **Train** to see the new ones.")
        show_result(run.result, share_link=setup.url, uploaded=spec.uploaded and not lesson, spec=run.result_spec,
                    train_more=setup.trains_like(run.result_setup) and (not lesson or lesson.allows("network")))
        if lesson and setup.trains_like(run.result_setup):
            lessons.keep(run.result, setup, lesson)
    elif not training:
        if not stopped:
            st.info("Press **Train** to fit a network with the chosen strategy. The decision boundary replaces this "
                    "picture of the data; metrics and curves appear below it.")
        if picture is not None:
            st.plotly_chart(sized(picture, present), key="chart.data")
    focal_explainer(params, dataset, counts, expanded=run.result is None, present=present)

if run.result is None:  # with a result, the link sits by the threshold it includes
    with layout.controls:
        share_popover(setup.url(), uploaded=spec.uploaded)
