"""How the Benchmark page shows a benchmark's rows: the critical-difference diagram, wins / ties / losses against no
treatment, each table's gain against its imbalance ratio (a click opens the table in the lab), the tables nearest
the data set on screen, and the tables left out with their reasons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from imbalance_core import IMBALANCE_METRICS, METRIC_LABELS, STRATEGIES, UserError
from imbalance_core.data.dataset import Dataset
from imbalance_core.outputs.evidence import make_cd_figure, make_gain_figure
from imbalance_core.outputs.files import csv_text
from imbalance_core.runs.benchmark import BASELINES, BENCHMARK_COLUMNS
from imbalance_core.runs.statistics import ALPHA, TIE, WTL_METRICS, summarize, tables_like

from .keys import BENCHMARK
from .text import md_escape

__all__ = ["labels_for", "open_in_lab", "show_benchmark"]


def labels_for(keys) -> dict[str, str]:
    """Readable names of strategies and baselines (a results file may name ones this app does not know)."""
    return {k: BASELINES.get(k) or (STRATEGIES[k].label if k in STRATEGIES else str(k)) for k in keys}


def show_benchmark(frame: pd.DataFrame, dataset: Dataset | None) -> None:
    """Every view of a benchmark's rows (``frame``: a benchmark CSV's columns); ``dataset``: the data on screen."""
    strategies = sorted(set(frame["strategy"].dropna().astype(str)))
    labels = labels_for(strategies)
    metric = st.selectbox("Rank on", [m for m in IMBALANCE_METRICS if m in frame.columns], key=BENCHMARK.metric,
                          index=list(IMBALANCE_METRICS).index("pr_auc"), format_func=METRIC_LABELS.get,
                          help="The metric the ranks, the critical-difference diagram and the gain chart use.")
    try:
        summary = summarize(frame, metric)
    except UserError as exc:
        st.warning(md_escape(str(exc), limit=None))
        return
    st.plotly_chart(make_cd_figure(summary, labels), key="chart.cd")
    friedman = summary.friedman_p
    verdict = ("the strategies do not all rank alike" if friedman < ALPHA else
               "the ranks could differ by chance alone") if friedman == friedman else "too few strategies to test"
    st.caption(f"Friedman test over {summary.tables} tables: p = {friedman:.2g} ({verdict}). A bar joins strategies the "
               f"Nemenyi post-hoc test does not tell apart at alpha {ALPHA}; two strategies further apart than the "
               "red critical difference (CD) are. Tables where a strategy has no score are left out of the ranks.")
    st.subheader("Against no treatment, table by table")
    table = summary.wtl_table()
    table.insert(0, "Strategy", table.pop("strategy").map(labels))
    st.dataframe(table, hide_index=True, column_config={
        f"{m} p": st.column_config.NumberColumn(f"{METRIC_LABELS[m]} p", format="%.3g") for m in WTL_METRICS
    } | {f"{m} W/T/L": st.column_config.TextColumn(f"{METRIC_LABELS[m]} W/T/L") for m in WTL_METRICS})
    st.caption(f"Wins / ties / losses: tables where the strategy scored higher / within {TIE} / lower than no "
               "treatment (seeds averaged). p: Wilcoxon signed-rank test of the differences; small means the "
               "strategy's gains (or losses) are not a coin toss over tables.")
    _gain(frame, metric, strategies, labels)
    if dataset is not None:
        _like_yours(frame, dataset, metric, labels)
    if summary.failed is not None and len(summary.failed):
        with st.expander(f"Tables left out ({summary.failed['data'].nunique()}), with their reasons"):
            st.dataframe(summary.failed, hide_index=True)
    st.download_button("Results (CSV)", csv_text(frame[[c for c in BENCHMARK_COLUMNS if c in frame.columns]]),
                       file_name="benchmark.csv", mime="text/csv", icon=":material/download:",
                       help="One row per table x strategy x seed; open it here again, or in any tool.")


def _gain(frame: pd.DataFrame, metric: str, strategies: list[str], labels: dict[str, str]) -> None:
    st.subheader("Where a remedy helps: gain over no treatment against imbalance")
    others = [s for s in strategies if s != "none"]
    kept = [s for s in st.session_state.get(BENCHMARK.gain_strategies, []) if s in others]  # another file's kept
    st.session_state[BENCHMARK.gain_strategies] = kept or [s for s in others if s in STRATEGIES][:3] or others[:3]
    shown = st.multiselect("Strategies on the chart", others, key=BENCHMARK.gain_strategies, format_func=labels.get)
    if "imbalance_ratio" not in frame.columns:
        st.info("This results file has no imbalance_ratio column: the gain chart needs it.")
        return
    event = st.plotly_chart(make_gain_figure(frame, metric, shown, labels), key=BENCHMARK.gain_chart,
                            on_select="rerun", selection_mode="points")
    st.caption("Each point is a table: above the dotted line the strategy beat no treatment there. Hover names the "
               "table; click a point to open that table in the lab.")
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if points:
        name = str(points[0].get("customdata", [None])[0])
        corpus = frame.loc[frame["data"] == name, "corpus"].dropna()
        st.button(f"Open {md_escape(name, 60)} in the lab", key=BENCHMARK.open_table, icon=":material/science:",
                  on_click=open_in_lab, args=(corpus.iloc[0] if len(corpus) else "", name), type="primary")


def open_in_lab(corpus: str, name: str) -> None:
    """Make a corpus table the lab's data (the Data page shows it too) and go there."""
    from imbalance_core.data.spec import CorpusSpec

    from .share import apply_data
    from .state import load_dataset

    if corpus not in ("keel", "imblearn"):
        st.session_state[BENCHMARK.problem] = f"{name} is a file of your folder: upload it on the Data page."
        return
    spec = CorpusSpec(corpus, name)
    try:
        load_dataset(spec)  # one that cannot be read (or fetched) stays here, saying why
    except UserError as exc:
        st.session_state[BENCHMARK.problem] = str(exc)
        return
    apply_data(spec)
    st.session_state[BENCHMARK.go_lab] = True


def _like_yours(frame: pd.DataFrame, dataset: Dataset, metric: str, labels: dict[str, str]) -> None:
    st.subheader("Tables like yours")
    near = tables_like(frame, len(dataset.labels), dataset.encoded_width, dataset.imbalance_ratio, metric)
    if near.empty:
        st.info("These results hold no table with its size and imbalance.")
        return
    st.caption(f"The benchmark's tables nearest {md_escape(dataset.name)} ({len(dataset.labels):,} rows, "
               f"{dataset.encoded_width} features, imbalance {dataset.imbalance_ratio:.1f} : 1) in rows, features and "
               f"imbalance, and what scored best there on {md_escape(METRIC_LABELS[metric])}.")
    shown = pd.DataFrame({
        "Table": near["data"], "Rows": near["rows"], "Features": near["features"],
        "Imbalance": near["imbalance_ratio"].round(1), "Best": near["best"].map(labels),
        "Its score": near["best_score"].round(3), "No treatment": near["none_score"].round(3)})
    st.dataframe(shown, hide_index=True)
