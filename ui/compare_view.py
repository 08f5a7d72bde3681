"""How the compare page shows a comparison: leaderboard, overlaid curves, small multiples."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from imbalance_core.outputs.files import csv_text
from imbalance_core.outputs.plots import (
    make_boundary_grid_figure, make_confusion_grid_figure, make_pr_figure, make_reliability_figure, make_roc_figure,
)
from imbalance_core.runs.compare import LOWER_IS_BETTER
from imbalance_core.runs.evaluation import Curve
from imbalance_core.settings import THRESHOLD

from .keys import COMPARE
from .text import md_escape
from .widgets import cost_inputs, replay_slider

if TYPE_CHECKING:
    from imbalance_core.runs.compare import Comparison

HIGHLIGHT = "background-color: #d8efd9; font-weight: 600"


THRESHOLD_MODES = (f"{THRESHOLD.default} for every strategy", "One threshold for all", "Cheapest for given costs")


def _threshold_controls(comparison: Comparison) -> tuple[float, tuple[float, float] | None, str]:
    """Where each strategy's probabilities are cut: (threshold, costs or None, a sentence saying so)."""
    first = next(iter(comparison.results.values()))
    default = THRESHOLD.default
    if not comparison.binary:
        return default, None, "macro averages, most probable class"
    positive = md_escape(first.positive_class, 60)
    mode = st.radio("Decision threshold", THRESHOLD_MODES, horizontal=True, key=COMPARE.threshold_mode,
                    help="Nothing is retrained: every strategy's test-split probabilities are cut again.")
    if mode == THRESHOLD_MODES[1]:
        threshold = st.slider(f"Predict {positive} when its probability is at least", THRESHOLD.low, THRESHOLD.high,
                              value=default, step=THRESHOLD.step, key=COMPARE.threshold)
        return threshold, None, f"positive class {positive}, threshold {threshold:.2f} for all"
    at_default = f"positive class {positive}, threshold {default}"
    if mode == THRESHOLD_MODES[2]:
        costs = cost_inputs(first.positive_class, keys=(COMPARE.cost_fn, COMPARE.cost_fp),
                            meanwhile=f"showing threshold {default} meanwhile")
        if costs is None:
            return default, None, at_default
        if len(first.prepared.y_val) == 0:
            st.warning("This data has no validation split to choose thresholds on (a class is too small); "
                       f"showing threshold {default}.")
            return default, None, at_default
        return default, costs, (
            f"positive class {positive}; each strategy (and seed) at the threshold that is cheapest "
            f"on its validation split for costs {costs[0]:g} : {costs[1]:g} (Threshold column)")
    return default, None, at_default


def _positive_curves(comparison: Comparison, kind: str) -> list[Curve]:
    curves = []
    for result in comparison.results.values():
        for curve in getattr(result.evaluation, kind):
            if curve.name == result.positive_class:
                curves.append(Curve(result.strategy_label, curve.x, curve.y, curve.area))
    return curves


SHORT = {"Balanced accuracy": "Bal. accuracy", "Gradient steps": "Steps"}


def _styled(board, comparison: Comparison, scores, *, spread: bool = False):
    """The leaderboard as shown: with several seeds ranked by PR AUC (ties marked ``=``) and sorted by it;
    the means (with ``spread``, each with its ± in the same cell; the numbers still sort); the best value
    per column highlighted; short column names so the whole table reads at a glance on a projector."""
    deviations = board[[c for c in board.columns if c.endswith(" ±")]]
    shown = board.drop(columns=deviations.columns)
    if comparison.repeats > 1:
        ranks = comparison.ranks("pr_auc", scores)
        shown.insert(1, "Rank", [ranks[k] for k in comparison.results])
        order = shown["PR AUC"].sort_values(ascending=False, kind="stable").index
        shown, deviations = shown.loc[order], deviations.loc[order]
    means = [c for c in shown.columns if c not in ("Strategy", "Rank", "Threshold")]
    higher = [SHORT.get(c, c) for c in means if c not in LOWER_IS_BETTER]
    lower = [SHORT.get(c, c) for c in means if c in LOWER_IS_BETTER]
    styler = shown.rename(columns=SHORT).style.format(
        {SHORT.get(c, c): ("{:,.0f}" if c == "Gradient steps" else "{:.3f}") for c in means + ["Threshold"]
         if c in shown.columns})
    if spread:
        for column in means:
            if f"{column} ±" not in deviations.columns or column == "Gradient steps":
                continue
            for row, sd in deviations[f"{column} ±"].items():
                styler = styler.format(lambda v, sd=sd: f"{v:.3f} ±{sd:.3f}", subset=([row], SHORT.get(column, column)))
    return styler.highlight_max(subset=higher, props=HIGHLIGHT).highlight_min(subset=lower, props=HIGHLIGHT)


def _column_config(board) -> dict:
    config = {"Strategy": st.column_config.TextColumn("Strategy", pinned=True),
              "Rank": st.column_config.TextColumn("Rank", help="By PR AUC; = marks a tie (within the seed spread).")}
    if "Threshold" in board.columns:
        config["Threshold"] = st.column_config.Column("Threshold",
                                                      help="The threshold each strategy's probabilities were cut at.")
    return config


@st.fragment
def show_comparison(comparison: Comparison) -> None:
    """Every table and chart of a comparison; threshold changes rerun only this fragment."""
    first = next(iter(comparison.results.values()))
    st.subheader(f"{len(comparison.results)} strategies on {md_escape(first.dataset_name)}")
    threshold, costs, scope = _threshold_controls(comparison)
    scores = comparison.scores_at(threshold, costs)
    board = comparison.leaderboard(scores, threshold_column=costs is not None or threshold != THRESHOLD.default)
    spread = comparison.repeats > 1 and st.toggle(
        "Show the spread (±)", key=COMPARE.spread,
        help="Each metric's standard deviation over the seeds, in the same cell as its mean.")
    st.dataframe(_styled(board, comparison, scores, spread=spread), hide_index=True, key=COMPARE.leaderboard,
                 column_config=_column_config(board))
    repeats = comparison.repeats
    st.caption(f"Test split of {len(first.prepared.y_test)} untouched rows; {scope}; best value per column highlighted; "
               + (f"mean over {repeats} seeds (the toggle adds each ± standard deviation). Ranked by PR AUC; "
                  "= marks a tie: within the seed-to-seed spread of the best strategy of that place." if repeats > 1 else
                  "one seed (run several seeds to see which differences are luck).")
               + " Click a column header to sort.")
    st.download_button(
        "Metrics (CSV, one row per strategy)", csv_text(board), file_name="comparison-metrics.csv",
        mime="text/csv", key=COMPARE.download_metrics, on_click="ignore", icon=":material/download:")
    evaluations = {key: comparison.evaluation_at(key, threshold, costs) for key in comparison.results}
    points = ([(e.operating_point, e.threshold) for e in evaluations.values()]
              if comparison.binary else None)
    left, right = st.columns(2)
    rare = f" - class {first.positive_class}"  # plain text: the figure builders escape it
    left.plotly_chart(make_roc_figure(_positive_curves(comparison, "roc"), title="ROC curves (test split)" + rare,
                                      operating_points=points), key="compare.roc")
    right.plotly_chart(make_pr_figure(_positive_curves(comparison, "pr"), positive_rate=first.evaluation.positive_rate,
                                      title="Precision-recall curves (test split)" + rare, operating_points=points),
                       key="compare.pr")
    _boundaries(comparison, threshold if costs is None else THRESHOLD.default,
                "" if costs is None else f" (line at P = {THRESHOLD.default})")
    st.plotly_chart(make_confusion_grid_figure(
        [(r.strategy_label + (f" @ {evaluations[k].threshold:.2f}" if comparison.binary else ""),
          evaluations[k].confusion) for k, r in comparison.results.items()], first.classes),
        key="compare.confusions")
    st.plotly_chart(make_reliability_figure(
        {r.strategy_label: comparison.calibrations[k] for k, r in comparison.results.items()}),
        key="compare.calibration")
    st.caption("Resampling and class weights train the network as if the rare class were common, so its predicted "
               "probabilities run high: good for ranking (ROC/PR), but read them as scores, not as real-world rates.")


def _boundaries(comparison: Comparison, threshold: float, line: str) -> None:
    """Every strategy's boundary side by side, and one replay slider that moves them all to an epoch together
    (from what the results hold: nothing is trained again)."""
    results = list(comparison.results.values())
    replays = [r.replay for r in results]
    epoch = None
    if all(replays):
        epoch = replay_slider(COMPARE.replay, sorted({e for replay in replays for e in replay.epochs}),
                              replays[0].total, "Every strategy's boundary as it was after that epoch of its "
                              "training (a network that stopped early keeps its last epoch). No new run.")
    panels = [(r.strategy_label, r.boundary if epoch is None else replay.boundary(replay.frame_at(epoch)), r.view)
              for r, replay in zip(results, replays)]
    title = "Decision boundaries, same axes and colour scale" + line
    st.plotly_chart(make_boundary_grid_figure(panels, threshold=threshold, title=title if epoch is None else
                                              f"{title} - epoch {epoch} of {replays[0].total}"),
                    key="compare.boundaries")
