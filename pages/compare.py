"""Compare: several strategies on the same split, initial weights and seed, side by side."""

import streamlit as st

from ui.routing import require_router

require_router()

st.title("Compare strategies")
st.write("Train several remedies on the same split, with the same initial weights and seed, and put them side by side.")

# imported after the title is on screen (first paint does not wait for them)
from imbalance_core import (  # noqa: E402,E501
    NETWORK_PARAMS,
    STRATEGIES,
    TEST_SIZE,
    ExperimentConfig,
    NetworkConfig,
    UserError,
    get_strategy,
)
from imbalance_core.compute.jobs import Cancelled, JobFailed, attach, seed_jobs  # noqa: E402
from imbalance_core.runs.compare import FIRST_SEED, REPEATS, Comparison  # noqa: E402
from imbalance_core.training.network import BATCH_SIZE  # noqa: E402
from imbalance_core.training.strategies import SEED_STRATEGIES, combinations  # noqa: E402
from ui import jobs, links, share  # noqa: E402
from ui.compare_view import show_comparison  # noqa: E402
from ui.keys import COMPARE  # noqa: E402
from ui.state import active_dataset, training_counts  # noqa: E402
from ui.text import md_escape  # noqa: E402
from ui.widgets import follow_default, param_widget, param_widgets  # noqa: E402

share.show_link_problems()
spec, dataset = active_dataset()

st.markdown(f"**Data:** {md_escape(dataset.name)} - {len(dataset.labels)} rows, "
            + " : ".join(str(n) for n in dataset.class_counts.values()))
finished = st.session_state.get(COMPARE.result)
# once there is a leaderboard, the setup folds away so that the answer comes first on a projector's screen
folded = bool(finished and finished.results) or st.session_state.get(COMPARE.run, False)  # a new label: a new box
with st.expander("Change the strategies, network or seeds" if folded else "Strategies, network and seeds",
                 expanded=not folded):
    chosen = st.multiselect("Strategies", [*STRATEGIES, *combinations()], default=list(SEED_STRATEGIES),
                            key=COMPARE.strategies, format_func=lambda k: get_strategy(k).label,
                            help="Type to search; combinations such as SMOTE + focal loss are listed after the single "
                                 "ones.")
    st.caption("Network and training, shared by every strategy")
    follow_default(COMPARE.network("batch_size"), BATCH_SIZE.default_for(training_counts(
        dataset, seed=st.session_state.get(COMPARE.seed, FIRST_SEED.default), test_size=TEST_SIZE.default)))
    left, right = st.columns(2)
    half = len(NETWORK_PARAMS) // 2
    network_values = (param_widgets(NETWORK_PARAMS[:half], key_prefix=COMPARE.network_prefix, container=left)
                      | param_widgets(NETWORK_PARAMS[half:], key_prefix=COMPARE.network_prefix, container=right))
    seed = param_widget(FIRST_SEED, key=COMPARE.seed, default=FIRST_SEED.default, container=left)
    repeats = param_widget(REPEATS, key=COMPARE.repeats, default=REPEATS.default, container=right)
run = st.button("Compare", type="primary", key=COMPARE.run, disabled=not chosen)
st.query_params.from_dict(links.page_query(spec, strategies=chosen, seed=seed, repeats=repeats,
                                           network=network_values))  # a reload or a link reopens this page as it is
setup = {"data": spec.identity, "strategies": chosen, "network": network_values, "seed": seed, "repeats": repeats}

if st.session_state.pop(COMPARE.running, False):
    done = st.session_state.get(COMPARE.result)
    seeds = len(done.seconds) if done else 0
    st.warning("The comparison stopped because a setting changed."
               + (f" The {seeds} seed(s) that had finished are kept." if seeds else " Press **Compare** to run it."))
if run:
    comparison = Comparison()
    st.session_state[COMPARE.result] = comparison  # holds only finished seeds, so it is safe to keep
    st.session_state.pop(COMPARE.replay, None)  # a new comparison's replay starts at its end
    st.session_state[COMPARE.setup] = setup
    st.session_state[COMPARE.running] = True
    with st.status(f"Training {len(chosen)} strategies...", expanded=True) as status:
        bar = st.progress(0.0, text="Sending the seeds to the workers...")
        fractions = [0.0] * int(repeats)

        def on_queue(text: str) -> None:
            bar.progress(sum(fractions) / len(fractions), text=text)

        def on_progress(i: int, progress) -> None:
            fractions[i] = progress.fraction
            seeds = f"{len(comparison.seconds)} of {len(fractions)} seeds done; " if len(fractions) > 1 else ""
            bar.progress(sum(fractions) / len(fractions), text=f"{seeds}epoch {progress.epoch}/{progress.epochs}")

        def on_done(i: int, results: list) -> None:  # in seed order: the first seed's run is the one drawn
            fractions[i] = 1.0
            comparison.add_seed(chosen, [attach(result, dataset) for result in results])
            bar.progress(sum(fractions) / len(fractions), text=f"{i + 1} of {len(fractions)} seeds done")

        try:
            base = ExperimentConfig(network=NetworkConfig.from_values(network_values), seed=int(seed))
            handles = [jobs.submit(job, spec, dataset, kind="compare", replace=i == 0)
                       for i, job in enumerate(seed_jobs(chosen, base, int(repeats)))]
            jobs.wait_all(handles, on_queue=on_queue, on_progress=on_progress, on_done=on_done)
        except (UserError, JobFailed, Cancelled) as exc:
            jobs.show_failure(status, exc, "The comparison")
        else:
            seeds_text = f" per seed ({int(repeats)} seeds, on several workers at once)" if repeats > 1 else ""
            status.update(label=f"{len(chosen)} strategies trained together in {max(comparison.seconds):.1f} s"
                                f"{seeds_text}", state="complete", expanded=False)
    st.session_state[COMPARE.running] = False

comparison = st.session_state.get(COMPARE.result)
if comparison is not None and comparison.results:
    if st.session_state.get(COMPARE.setup) != setup:
        st.info("Settings changed since this comparison ran. Press **Compare** to run the new ones.")
    show_comparison(comparison)
elif not run:
    st.info("Press **Compare** to train every chosen strategy. With the defaults this takes under a minute.")
