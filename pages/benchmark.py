"""Benchmark: does a remedy hold beyond one table? Strategies over a corpus of public imbalanced tables, with rank
statistics (run here on the training workers, or a results CSV from the CLI opened)."""

import streamlit as st

from ui.routing import require_router

require_router()

st.title("Benchmark over public tables")
st.write("Does a remedy hold beyond the table on screen? Run the strategies over a corpus of public imbalanced tables "
         "(KEEL and UCI, shipped with the app) with two honest baselines - no treatment with its threshold tuned on "
         "the validation split, and a logistic regression - then read the ranks, the tests and each table's gain.")

# imported after the title is on screen (first paint does not wait for them)
import pandas as pd  # noqa: E402

from imbalance_core import UserError, get_strategy  # noqa: E402
from imbalance_core.compute.jobs import BenchmarkJob, Cancelled, JobFailed  # noqa: E402
from imbalance_core.data.corpus import CORPORA, corpus_tables  # noqa: E402
from imbalance_core.runs.benchmark import BASELINES, tasks_for  # noqa: E402
from imbalance_core.runs.compare import FIRST_SEED  # noqa: E402
from imbalance_core.runs.statistics import read_results  # noqa: E402
from imbalance_core.training.strategies import SEED_STRATEGIES  # noqa: E402
from ui import jobs  # noqa: E402
from ui.benchmark_view import show_benchmark  # noqa: E402
from ui.keys import BENCHMARK  # noqa: E402
from ui.state import active_dataset  # noqa: E402
from ui.text import md_escape  # noqa: E402

state = st.session_state
if state.pop(BENCHMARK.go_lab, False):
    st.switch_page("pages/lab.py")
if (problem := state.pop(BENCHMARK.problem, None)) is not None:
    st.warning(f"That table could not be opened in the lab: {md_escape(problem, limit=None)}")
spec, dataset = active_dataset()
RUN, OPEN = "Run a benchmark here", "Open a results CSV"
source = st.radio("Results", [RUN, OPEN], key=BENCHMARK.source, horizontal=True, label_visibility="collapsed")

if state.pop(BENCHMARK.running, False):
    kept = state.get(BENCHMARK.rows) or []
    tables = len({row["data"] for row in kept})
    st.warning(f"The benchmark stopped. The {tables} table(s) that had finished are kept below." if tables else
               "The benchmark stopped before any table finished. Press **Run benchmark** to start again.")

if source == RUN:
    folded = bool(state.get(BENCHMARK.rows))
    with st.expander("Corpus, strategies and seeds", expanded=not folded):
        corpus = st.selectbox("Corpus", list(CORPORA), format_func=CORPORA.get, key=BENCHMARK.corpus)
        chosen = st.multiselect("Strategies", list(SEED_STRATEGIES), default=["none", "class_weight", "smote",
                                                                             "focal_loss"],
                                key=BENCHMARK.strategies, format_func=lambda k: get_strategy(k).label,
                                help="No treatment always runs (it is what the others are measured against), with "
                                     "the two baselines.")
        left, right = st.columns(2)
        seeds = left.number_input("Seeds per table", 1, 5, 1, key=BENCHMARK.seeds,
                                  help="More seeds average out the luck of one split and initialisation.")
        max_rows = right.number_input("At most rows per table", 200, 50_000, 2_000, step=500, key=BENCHMARK.max_rows,
                                      help="A larger table is subsampled (stratified, seeded): quicker, and the same "
                                           "for every strategy.")
        st.caption(f"Each table is split, trained and scored like the lab's default network, every strategy on the "
                   f"same split and seed; {len(BASELINES)} baselines are added. Tables go to the training workers a "
                   "few at a time; the rows of finished tables are kept if you stop.")
    run = st.button("Run benchmark", type="primary", key=BENCHMARK.run, disabled=not chosen)
    if run:
        try:
            tables = corpus_tables(corpus)
        except UserError as exc:
            st.error(md_escape(str(exc), limit=None))
            st.stop()
        tasks = tasks_for(tables, chosen, range(FIRST_SEED.default, FIRST_SEED.default + int(seeds)),
                          max_rows=int(max_rows))
        rows: list = []
        state[BENCHMARK.rows], state[BENCHMARK.running] = rows, True
        state[BENCHMARK.about] = f"corpus {corpus}, {len(chosen)} strategies, {int(seeds)} seed(s)"
        with st.status(f"Benchmarking {len(tasks)} tables...", expanded=True) as status:
            bar = st.progress(0.0, text="Sending the first tables to the workers...")
            st.button("Stop", key=BENCHMARK.stop, icon=":material/stop:", help="Stop; the finished tables are kept.")
            done = [0]

            def on_done(i: int, result: list) -> None:
                rows.extend(result)
                done[0] += 1
                bar.progress(done[0] / len(tasks), text=f"{done[0]} of {len(tasks)} tables done "
                                                        f"(last: {md_escape(tasks[i].table.name, 60)})")

            try:
                jobs.run_many([BenchmarkJob(task) for task in tasks], kind="benchmark", on_done=on_done,
                              on_tick=lambda running: None)
            except (UserError, JobFailed, Cancelled) as exc:
                jobs.show_failure(status, exc, "The benchmark")
            else:
                status.update(label=f"{len(tasks)} tables benchmarked", state="complete", expanded=False)
        state[BENCHMARK.running] = False
else:
    upload = st.file_uploader("A benchmark's results (CSV, from this page or `python -m imbalance_core benchmark`)",
                              type=["csv"], key=BENCHMARK.upload)
    if upload is not None:
        try:
            frame = read_results(upload.getvalue())
        except UserError as exc:
            st.error(f"{md_escape(upload.name, 80)} cannot be read as benchmark results: "
                     f"{md_escape(str(exc), limit=None)}")
        else:
            state[BENCHMARK.rows] = frame.to_dict("records")
            state[BENCHMARK.about] = f"the file {upload.name}"

rows = state.get(BENCHMARK.rows)
if rows:
    frame = pd.DataFrame(rows)
    st.caption(f"{len(frame):,} rows over {frame['data'].nunique()} tables: {md_escape(state[BENCHMARK.about])}.")
    show_benchmark(frame, dataset)
elif source == RUN:
    st.info("Press **Run benchmark**: on this machine the KEEL corpus with four strategies and one seed takes a few "
            "minutes. Or open a results CSV written by `python -m imbalance_core benchmark`.")
